// replay_pkg: the inbound anti-replay window (RFC 4303 3.4.3) kept as words
// in RAM (RFC 6479), and the reconstruction of the high half of an extended
// sequence number (RFC 4303 appendix A2).
//
// The window of an SA is espnic_pkg::REPLAY_WORDS words; sequence number s
// lives in word s[10:6], bit s[5:0]. A word is {tag, bitmap}: the bitmap of
// the block of 64 numbers whose bits [63:11] are the tag. A packet reads and
// writes the one word of its sequence number. Words are never cleared when
// the window slides: a word whose tag is not the block asked about stands for
// an empty block, and the first mark in a new block replaces it. This is
// exact for every window up to REPLAY_MAX: a number inside the window
// (top - s < 1024) is in one of the 17 newest blocks, which fall in 17
// different words, and every mark is at most top, so no newer block can have
// taken the word.
package replay_pkg;
  // Written with espnic_pkg:: prefixes, not an import: yosys 0.23 takes no
  // import inside a package. window_t lives in espnic_pkg for the same reason.

  // The 64-bit sequence number a received 32-bit one stands for, given the
  // highest verified number `top` and the window size `w` (RFC 4303 A2.1).
  // Without ESN the high half is zero.
  function automatic logic [63:0] infer_seq(input logic [63:0] top, input logic [31:0] seq_lo,
                                            input logic [espnic_pkg::REPLAY_W_W-1:0] w,
                                            input logic esn);
    logic [31:0] th, tl, bottom, w1;
    th = top[63:32];
    tl = top[31:0];
    w1 = (w == '0) ? 32'd1 : 32'(w);
    bottom = tl - w1 + 32'd1;              // may wrap: that is case B
    if (!esn) infer_seq = {32'd0, seq_lo};
    else if (tl >= w1 - 32'd1)             // case A: window within one subspace
      infer_seq = (seq_lo >= bottom) ? {th, seq_lo} : {th + 32'd1, seq_lo};
    else                                   // case B: window spans two subspaces
      infer_seq = (seq_lo >= bottom) ? {th - 32'd1, seq_lo} : {th, seq_lo};
  endfunction

  // Is `seq` acceptable: new, or inside the window and not yet seen (`word`
  // is the window's word seq[10:6])?
  // Sequence number 0 is never sent (RFC 4303 3.3.3) and is refused.
  function automatic logic replay_ok(input logic [63:0] top, input espnic_pkg::window_t word,
                                     input logic [espnic_pkg::REPLAY_W_W-1:0] w,
                                     input logic [63:0] seq);
    logic [63:0] age, bits;
    age  = top - seq;
    bits = word[63:0];
    if (seq == '0) replay_ok = 1'b0;
    else if (w == '0) replay_ok = 1'b1;    // anti-replay off
    else if (seq > top) replay_ok = 1'b1;
    else if (age >= 64'(w)) replay_ok = 1'b0;  // too old
    else replay_ok = !(word[64 +: espnic_pkg::REPLAY_TAG_W] == seq[63:11] && bits[seq[5:0]]);
  endfunction

  // The word after `seq` verified. A number REPLAY_MAX or more behind `top`
  // (accepted only with anti-replay off) is not marked: its word may hold a
  // block inside the window.
  function automatic espnic_pkg::window_t replay_mark(input logic [63:0] top,
                                                      input espnic_pkg::window_t word,
                                                      input logic [63:0] seq);
    logic [63:0] bit1;
    bit1 = 64'd1 << seq[5:0];
    if (seq <= top && top - seq >= 64'(espnic_pkg::REPLAY_MAX))
      replay_mark = word;
    else if (word[64 +: espnic_pkg::REPLAY_TAG_W] == seq[63:11])
      replay_mark = {word[64 +: espnic_pkg::REPLAY_TAG_W], word[63:0] | bit1};
    else
      replay_mark = {seq[63:11], bit1};
  endfunction
endpackage
