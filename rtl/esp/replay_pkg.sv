// replay_pkg: the inbound anti-replay window (RFC 4303 3.4.3) and the
// reconstruction of the high half of an extended sequence number (RFC 4303
// appendix A2). The window is a bitmap: bit i set means sequence number
// top - i has been received and verified.
package replay_pkg;
  import espnic_pkg::*;

  typedef logic [REPLAY_MAX-1:0] window_t;

  // The 64-bit sequence number a received 32-bit one stands for, given the
  // highest verified number `top` and the window size `w` (RFC 4303 A2.1).
  // Without ESN the high half is zero.
  function automatic logic [63:0] infer_seq(input logic [63:0] top, input logic [31:0] seq_lo,
                                            input logic [REPLAY_W_W-1:0] w, input logic esn);
    logic [31:0] th, tl, bottom, w1;
    th = top[63:32];
    tl = top[31:0];
    w1 = (w == '0) ? 32'd1 : 32'(w);
    bottom = tl - w1 + 32'd1;              // may wrap: that is case B
    if (!esn) return {32'd0, seq_lo};
    if (tl >= w1 - 32'd1) begin            // case A: window within one subspace
      return (seq_lo >= bottom) ? {th, seq_lo} : {th + 32'd1, seq_lo};
    end else begin                         // case B: window spans two subspaces
      return (seq_lo >= bottom) ? {th - 32'd1, seq_lo} : {th, seq_lo};
    end
  endfunction

  // Is `seq` acceptable: new, or inside the window and not yet seen?
  // Sequence number 0 is never sent (RFC 4303 3.3.3) and is refused.
  function automatic logic replay_ok(input logic [63:0] top, input window_t win,
                                     input logic [REPLAY_W_W-1:0] w, input logic [63:0] seq);
    logic [63:0] age;
    if (seq == '0) return 1'b0;
    if (w == '0) return 1'b1;              // anti-replay off
    if (seq > top) return 1'b1;
    age = top - seq;
    if (age >= 64'(w)) return 1'b0;        // too old
    return !win[age[$clog2(REPLAY_MAX)-1:0]];
  endfunction

  // The window after `seq` verified.
  function automatic window_t replay_mark(input logic [63:0] top, input window_t win,
                                          input logic [63:0] seq);
    logic [63:0] diff;
    window_t     next;
    if (seq > top) begin
      diff = seq - top;
      next = (diff >= 64'(REPLAY_MAX)) ? '0 : (win << diff[$clog2(REPLAY_MAX)-1:0]);
      next[0] = 1'b1;
    end else begin
      diff = top - seq;
      next = win;
      if (diff < 64'(REPLAY_MAX)) next[diff[$clog2(REPLAY_MAX)-1:0]] = 1'b1;
    end
    return next;
  endfunction
endpackage
