// replay_pkg: the inbound anti-replay window (RFC 4303 3.4.3) and the
// reconstruction of the high half of an extended sequence number (RFC 4303
// appendix A2). The window is a bitmap: bit i set means sequence number
// top - i has been received and verified.
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

  // Is `seq` acceptable: new, or inside the window and not yet seen?
  // Sequence number 0 is never sent (RFC 4303 3.3.3) and is refused.
  function automatic logic replay_ok(input logic [63:0] top, input espnic_pkg::window_t win,
                                     input logic [espnic_pkg::REPLAY_W_W-1:0] w,
                                     input logic [63:0] seq);
    logic [63:0] age;
    age = top - seq;
    if (seq == '0) replay_ok = 1'b0;
    else if (w == '0) replay_ok = 1'b1;    // anti-replay off
    else if (seq > top) replay_ok = 1'b1;
    else if (age >= 64'(w)) replay_ok = 1'b0;  // too old
    else replay_ok = !win[age[$clog2(espnic_pkg::REPLAY_MAX)-1:0]];
  endfunction

  // The window after `seq` verified.
  function automatic espnic_pkg::window_t replay_mark(input logic [63:0] top,
                                                      input espnic_pkg::window_t win,
                                                      input logic [63:0] seq);
    logic [63:0]         diff;
    espnic_pkg::window_t next;
    if (seq > top) begin
      diff = seq - top;
      next = (diff >= 64'(espnic_pkg::REPLAY_MAX)) ? '0
           : (win << diff[$clog2(espnic_pkg::REPLAY_MAX)-1:0]);
      next[0] = 1'b1;
    end else begin
      diff = top - seq;
      next = win;
      if (diff < 64'(espnic_pkg::REPLAY_MAX)) next[diff[$clog2(espnic_pkg::REPLAY_MAX)-1:0]] = 1'b1;
    end
    replay_mark = next;
  endfunction
endpackage
