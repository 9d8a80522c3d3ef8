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

  // infer_seq and replay_ok as classify computes them, in three pipeline
  // stages (esp_ingress's classify stages B, C and D), the same results for
  // every input (tests/rtl/esp/replay_tb_top.sv compares them):
  //   B (infer_b): from the entry alone, the window's bottom (mod 2^32), case
  //     A (the window within one subspace) and the high half's neighbours;
  //   C (infer_c): the compares with the received low half, which candidate
  //     high half (th, th + 1, th - 1, or 0 without ESN) it picks, and for
  //     each candidate the flags its replay check needs;
  //   D (infer_ok, infer_hi): the pick of the check and of the high half.
  // Without the 64-bit number the check is written out per candidate
  // (seq = {hi, lo}, top = {th, tl}, d = tl - lo mod 2^32, w >= 1):
  //   seq > top: hi = th: lo > tl; hi = th + 1: th != max; hi = th - 1:
  //     th = 0 (it wraps); hi = 0: th = 0 and lo > tl.
  //   top - seq < w (not newer): hi = th: d < w; hi = th - 1 (or 0 with th
  //     = 1): lo > tl and d < w; hi = th + 1 (th = max, so hi = 0) or 0 with
  //     th > 1: never.
  //   d < w: lo in [bottom, tl] mod 2^32: case A ge && !(lo > tl), case B
  //     ge || !(lo > tl), ge = lo >= bottom.
  //   The tag: the word's tag against {hi, lo[31:11]} per candidate.
  function automatic logic [96:0] infer_b(input logic [63:0] top,
                                          input logic [espnic_pkg::REPLAY_W_W-1:0] w);
    logic [31:0] tl, th, wm1;
    th = top[63:32];
    tl = top[31:0];
    wm1 = (w == '0) ? 32'd0 : 32'(w) - 32'd1;   // infer_seq's w1 - 1
    infer_b = {tl >= wm1, tl - wm1, th + 32'd1, th - 32'd1};   // {case A, bottom, th + 1, th - 1}
  endfunction

  // Flags: {s_th, s_thp, s_thm, lo0, th0, th1, thmax, w0, lo_gt, d_lt_w,
  // near_0, near_thm, bit1, tag_lo, eq_0, eq_th, eq_thm}; s_* the candidate
  // picked (none: 0, without ESN), near_* "not too old" for 0 and th - 1 when
  // not newer, bit1 the word's bit of lo, tag_lo the tag's low 21 bits equal
  // to lo[31:11], eq_* its high 32 bits equal to the candidate.
  function automatic logic [16:0] infer_c(input logic [63:0] top, input logic [31:0] seq_lo,
                                          input logic [espnic_pkg::REPLAY_W_W-1:0] w,
                                          input logic esn, input espnic_pkg::window_t word,
                                          input logic case_a, input logic [31:0] bottom,
                                          input logic [31:0] thm);
    logic [31:0] th, tl, tag_hi;
    logic [63:0] bits;
    logic ge, lo_gt, d_lt_w, th0, th1;
    th = top[63:32];
    tl = top[31:0];
    ge     = seq_lo >= bottom;
    lo_gt  = seq_lo > tl;
    d_lt_w = case_a ? (ge && !lo_gt) : (ge || !lo_gt);
    th0    = th == 32'd0;
    th1    = th == 32'd1;
    bits   = word[63:0];
    tag_hi = word[64 + 21 +: 32];
    infer_c = {esn && (case_a ? ge : !ge), esn && case_a && !ge, esn && !case_a && ge,
               seq_lo == 32'd0, th0, th1, th == 32'hFFFF_FFFF, w == '0, lo_gt, d_lt_w,
               th0 ? d_lt_w : (th1 && lo_gt && d_lt_w), lo_gt && d_lt_w,
               bits[seq_lo[5:0]], word[64 +: 21] == seq_lo[31:11],
               tag_hi == 32'd0, tag_hi == th, tag_hi == thm};
  endfunction

  // replay_ok(top, word, w, infer_seq(...)) from the flags.
  function automatic logic infer_ok(input logic [16:0] f);
    logic s_th, s_thp, s_thm, lo0, th0, th1, thmax, w0, lo_gt, d_lt_w, near_0, near_thm;
    logic bit1, tag_lo, eq_0, eq_th, eq_thm, hit_0, hit_th, hit_thm;
    {s_th, s_thp, s_thm, lo0, th0, th1, thmax, w0, lo_gt, d_lt_w, near_0, near_thm,
     bit1, tag_lo, eq_0, eq_th, eq_thm} = f;
    hit_0   = bit1 && tag_lo && eq_0;           // the candidate's number marked
    hit_th  = bit1 && tag_lo && eq_th;
    hit_thm = bit1 && tag_lo && eq_thm;
    if (s_th)       infer_ok = !(th0 && lo0) && (w0 || lo_gt || (d_lt_w && !hit_th));
    else if (s_thp) infer_ok = !thmax || (w0 && !lo0);
    else if (s_thm) infer_ok = !(th1 && lo0) && (w0 || th0 || (near_thm && !hit_thm));
    else            infer_ok = !lo0 && (w0 || (th0 && lo_gt) || (near_0 && !hit_0));
  endfunction

  // infer_seq(...)[63:32] from the candidates and the pick, infer_c's
  // {s_th, s_thp, s_thm} (its flags [16:14]).
  function automatic logic [31:0] infer_hi(input logic [31:0] th, input logic [31:0] thp,
                                           input logic [31:0] thm, input logic [2:0] s);
    if (s[2])      infer_hi = th;
    else if (s[1]) infer_hi = thp;
    else if (s[0]) infer_hi = thm;
    else           infer_hi = 32'd0;
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
