// axis_rehead: rewrites the edges of each packet of an AXI-Stream.
//
//   out = hdr[0 +: hdr_len] ++ in[strip +: keep_len] ++ tail[0 +: tail_len]
//
// One command per packet (cmd_valid_i/cmd_ready_o). Commands are queued in a
// two-entry buffer ahead of their packet, so the next packet's command can be
// accepted while the current packet streams; a command is bound to the next
// input packet that has no command yet (commands and packets are in order).
// The whole input packet is consumed through tlast. If the input ends before
// strip+keep_len bytes, the output carries what there is plus the tail and
// m_axis_tuser=1 on its last beat; otherwise m_axis_tuser is the input's tuser
// on its last beat. cmd_drop_i, or an output of zero bytes, drops the packet.
// cmd_hdr_len_i above HDR_MAX and cmd_tail_len_i above TAIL_MAX are clamped.
//
// Pipeline (two register stages, outputs registered):
//   stage 1: per-beat byte window (strip/keep counters), data rotated by the
//            per-packet constant (hdr_len - strip) mod W;
//   stage 2: merge the rotated beat with the bytes carried over from the
//            previous beat (or the header), append the tail at the end.
// Extra output cycles: header beats beyond the first, and the beats by which
// an output packet is longer than its input. No bubble between packets.
// s_axis_tready depends combinationally on m_axis_tready (enable path only).
module axis_rehead #(
  parameter int unsigned DATA_W   = 128,
  parameter int unsigned HDR_MAX  = 96,
  parameter int unsigned TAIL_MAX = 8,
  localparam int unsigned KeepW   = DATA_W / 8,
  localparam int unsigned HdrLenW = $clog2(HDR_MAX + 1),
  localparam int unsigned TailLenW = $clog2(TAIL_MAX + 1)
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  // per-packet command
  input  logic                    cmd_valid_i,
  output logic                    cmd_ready_o,
  input  logic [7:0]              cmd_strip_i,
  input  logic [HDR_MAX*8-1:0]    cmd_hdr_i,
  input  logic [HdrLenW-1:0]      cmd_hdr_len_i,
  input  logic [15:0]             cmd_keep_len_i,
  input  logic [TAIL_MAX*8-1:0]   cmd_tail_i,
  input  logic [TailLenW-1:0]     cmd_tail_len_i,
  input  logic                    cmd_drop_i,
  // input packets
  input  logic [DATA_W-1:0]       s_axis_tdata,
  input  logic [KeepW-1:0]        s_axis_tkeep,
  input  logic                    s_axis_tlast,
  input  logic                    s_axis_tuser,
  input  logic                    s_axis_tvalid,
  output logic                    s_axis_tready,
  // output packets
  output logic [DATA_W-1:0]       m_axis_tdata,
  output logic [KeepW-1:0]        m_axis_tkeep,
  output logic                    m_axis_tlast,
  output logic                    m_axis_tuser,
  output logic                    m_axis_tvalid,
  input  logic                    m_axis_tready
);
  localparam int unsigned W      = KeepW;            // bytes per beat
  localparam int unsigned LaneW  = $clog2(W);        // lane index
  localparam int unsigned CntW   = $clog2(W + 1);    // 0..W
  localparam int unsigned Cnt2W  = $clog2(2 * W + TAIL_MAX + 1);
  localparam int unsigned HdrPad = (HDR_MAX > W) ? HDR_MAX : W;  // bytes
  localparam int unsigned EndW   = 17;               // strip + keep_len
  localparam int unsigned HdrPadBits = HdrPad * 8;

`ifndef SYNTHESIS
  initial begin
    if (W < 8 || (W & (W - 1)) != 0) $fatal(1, "axis_rehead: DATA_W must be 64 * 2^n");
    if (TAIL_MAX > W) $fatal(1, "axis_rehead: TAIL_MAX must not exceed a beat");
  end
`endif

  // Rotate bytes towards higher lanes: out[l] = x[(l - r) mod W].
  function automatic logic [DATA_W-1:0] rotl(input logic [DATA_W-1:0] x,
                                             input logic [LaneW-1:0] r);
    logic [DATA_W-1:0] y;
    logic [LaneW-1:0]  src;
    for (int unsigned l = 0; l < W; l++) begin
      src = LaneW'(l) - r;
      y[8*l +: 8] = x[8*src +: 8];
    end
    rotl = y;
  endfunction

  // Byte mask of lanes below n (n = 0..W).
  function automatic logic [KeepW-1:0] below(input logic [Cnt2W-1:0] n);
    logic [KeepW-1:0] m;
    for (int unsigned l = 0; l < W; l++) m[l] = (Cnt2W'(l) < n);
    below = m;
  endfunction

  // Expand a byte mask to a bit mask.
  function automatic logic [DATA_W-1:0] bytes_to_bits(input logic [KeepW-1:0] m);
    logic [DATA_W-1:0] b;
    for (int unsigned l = 0; l < W; l++) b[8*l +: 8] = {8{m[l]}};
    bytes_to_bits = b;
  endfunction

  // ---------------------------------------------------------------------------
  // Command queue: cur (the packet entering stage 1) and nxt.
  // ---------------------------------------------------------------------------
  logic                  in_fire, in_last_fire;
  logic                  cmd_fire;
  logic                  cur_valid_q, nxt_valid_q;

  // Normalized incoming command.
  logic [HdrLenW-1:0]    in_hlen;
  logic [TailLenW-1:0]   in_tlen;
  logic [15:0]           in_keep;
  logic [LaneW-1:0]      in_rot;
  always_comb begin
    in_hlen = (32'(cmd_hdr_len_i) > HDR_MAX) ? HdrLenW'(HDR_MAX) : cmd_hdr_len_i;
    in_tlen = (32'(cmd_tail_len_i) > TAIL_MAX) ? TailLenW'(TAIL_MAX) : cmd_tail_len_i;
    in_keep = cmd_keep_len_i;
    if (cmd_drop_i) begin
      in_hlen = '0;
      in_tlen = '0;
      in_keep = '0;
    end
    in_rot = LaneW'(in_hlen) - LaneW'(cmd_strip_i);
  end

  logic [HDR_MAX*8-1:0]  nxt_hdr_q, cur_hdr_q;
  logic [HdrLenW-1:0]    nxt_hlen_q, cur_hlen_q;
  logic [TAIL_MAX*8-1:0] nxt_tail_q, cur_tail_q;
  logic [TailLenW-1:0]   nxt_tlen_q, cur_tlen_q;
  logic [7:0]            nxt_strip_q;
  logic [EndW-1:0]       nxt_end_q;
  logic [LaneW-1:0]      nxt_rot_q, cur_rot_q;
  logic                  cur_first_q;
  logic [7:0]            strip_left_q;   // input bytes still to strip
  logic [EndW-1:0]       end_left_q;     // input bytes until the kept range ends
  logic                  ended_q;        // kept range of this packet already ended

  logic load_cur, load_nxt, cur_from_nxt;
  assign cmd_ready_o  = !nxt_valid_q;
  assign cmd_fire     = cmd_valid_i && !nxt_valid_q;
  assign load_cur     = (!cur_valid_q || in_last_fire) && (nxt_valid_q || cmd_fire);
  assign cur_from_nxt = nxt_valid_q;
  assign load_nxt     = cmd_fire && !(load_cur && !nxt_valid_q);

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cur_valid_q <= 1'b0;
      nxt_valid_q <= 1'b0;
    end else begin
      if (load_cur) cur_valid_q <= 1'b1;
      else if (in_last_fire) cur_valid_q <= 1'b0;
      if (load_nxt) nxt_valid_q <= 1'b1;
      else if (load_cur && cur_from_nxt) nxt_valid_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (load_nxt) begin
      nxt_hdr_q   <= cmd_hdr_i;
      nxt_hlen_q  <= in_hlen;
      nxt_tail_q  <= cmd_tail_i;
      nxt_tlen_q  <= in_tlen;
      nxt_strip_q <= cmd_strip_i;
      nxt_end_q   <= EndW'(cmd_strip_i) + EndW'(in_keep);
      nxt_rot_q   <= in_rot;
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 1: byte window of the beat and rotation.
  // ---------------------------------------------------------------------------
  logic                  s1_valid_q, s1_ready;
  logic [DATA_W-1:0]     s1_rot_q;
  logic [CntW-1:0]       s1_len_q;
  logic                  s1_first_q, s1_last_q, s1_flag_q;
  logic                  s1_dend_q;      // the kept bytes end in this beat
  logic [HdrPad*8-1:0]   s1_hdr_q;
  logic [HdrLenW-1:0]    s1_hrem_q;
  logic [TAIL_MAX*8-1:0] s1_tail_q;
  logic [TailLenW-1:0]   s1_tlen_q;

  assign s_axis_tready = cur_valid_q && s1_ready;
  assign in_fire       = s_axis_tvalid && s_axis_tready;
  assign in_last_fire  = in_fire && s_axis_tlast;

  logic [CntW-1:0] beat_bytes, lo, hi_lim, hi, len;
  logic            trunc, dend;
  always_comb begin
    // Only a packet's last beat may be partial; tkeep is contiguous.
    beat_bytes = CntW'(W);
    if (s_axis_tlast) begin
      beat_bytes = '0;
      for (int unsigned l = 0; l < W; l++) if (s_axis_tkeep[l]) beat_bytes = CntW'(l + 1);
    end
    lo     = (32'(strip_left_q) >= W) ? CntW'(W) : CntW'(strip_left_q);
    hi_lim = (32'(end_left_q) >= W) ? CntW'(W) : CntW'(end_left_q);
    hi     = (hi_lim < beat_bytes) ? hi_lim : beat_bytes;
    len    = (hi > lo) ? hi - lo : '0;
    trunc  = s_axis_tlast && (end_left_q > EndW'(beat_bytes));
    dend   = !ended_q && (s_axis_tlast || 32'(end_left_q) <= W);
  end

  always_ff @(posedge clk_i) begin
    if (load_cur) begin
      cur_hdr_q    <= cur_from_nxt ? nxt_hdr_q : cmd_hdr_i;
      cur_hlen_q   <= cur_from_nxt ? nxt_hlen_q : in_hlen;
      cur_tail_q   <= cur_from_nxt ? nxt_tail_q : cmd_tail_i;
      cur_tlen_q   <= cur_from_nxt ? nxt_tlen_q : in_tlen;
      cur_rot_q    <= cur_from_nxt ? nxt_rot_q : in_rot;
      strip_left_q <= cur_from_nxt ? nxt_strip_q : cmd_strip_i;
      end_left_q   <= cur_from_nxt ? nxt_end_q : EndW'(cmd_strip_i) + EndW'(in_keep);
      cur_first_q  <= 1'b1;
      ended_q      <= 1'b0;
    end else if (in_fire) begin
      ended_q      <= ended_q || dend;
      strip_left_q <= (32'(strip_left_q) >= W) ? strip_left_q - 8'(W) : '0;
      end_left_q   <= (32'(end_left_q) >= W) ? end_left_q - EndW'(W) : '0;
      cur_first_q  <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (in_fire) begin
      s1_rot_q   <= rotl(s_axis_tdata, cur_rot_q);
      s1_len_q   <= len;
      s1_first_q <= cur_first_q;
      s1_last_q  <= s_axis_tlast;
      s1_dend_q  <= dend;
      s1_flag_q  <= trunc || s_axis_tuser;
      s1_tail_q  <= cur_tail_q;
      s1_tlen_q  <= cur_tlen_q;
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 2: merge the rotated beat with the bytes carried over (acc_q, or the
  // header on a packet's first beat), append the tail where the kept bytes
  // end, and push the finished beats into a three-entry output queue whose
  // head is the output register. A step may finish two beats (a packet's last
  // two); it runs only when two entries are free after this cycle's pop, so
  // the queue absorbs the extra beat while later input beats that finish
  // nothing (stripped bytes, padding) keep flowing.
  // ---------------------------------------------------------------------------
  logic [DATA_W-1:0]     acc_q;          // output bytes not yet emitted
  logic [CntW-1:0]       fill_q;         // how many (lanes 0..fill_q-1)
  logic                  flush_q;        // acc_q (+ pending tail) ends a packet
  logic                  flush_flag_q;
  logic                  pend_q;         // data ended, tail not appended yet
  logic [TAIL_MAX*8-1:0] pend_tail_q;
  logic [TailLenW-1:0]   pend_tlen_q;

  localparam int unsigned QDepth = 3;
  logic [QDepth*DATA_W-1:0] q_data_q;   // entry i at [i*DATA_W +: DATA_W]
  logic [QDepth*KeepW-1:0]  q_keep_q;
  logic [QDepth-1:0]     q_last_q, q_user_q;
  logic [1:0]            q_count_q, q_base;
  logic                  q_pop, room;
  assign q_pop  = (q_count_q != '0) && m_axis_tready;
  assign q_base = q_count_q - 2'(q_pop);
  assign room   = (q_base <= 2'd1);

  // Step inputs: a real stage-1 beat, or a flush (virtual last beat, no data).
  logic                  hdr_beat;       // emit a full header beat
  logic                  step;           // merge a beat (real or flush)
  logic [CntW-1:0]       fill_e, len_e;
  logic [DATA_W-1:0]     acc_e;
  logic                  last_e, flag_e;
  logic [TAIL_MAX*8-1:0] tail_e;
  logic [TailLenW-1:0]   tlen_e;
  logic [Cnt2W-1:0]      total, total_all;
  logic [DATA_W-1:0]     tail_rot, beat0, beat1;
  logic [KeepW-1:0]      m_acc0, m_dat0, m_dat1;

  // Step results.
  logic [1:0]            n_push;
  logic [DATA_W-1:0]     p0_data;
  logic [KeepW-1:0]      p0_keep, p1_keep;
  logic                  p0_last, p0_user;
  logic                  carry_rot;      // acc <= rotated data (data spills)
  logic                  carry_beat0, carry_beat1;
  logic [CntW-1:0]       fill_d;
  logic                  pend_d, flush_d;

  always_comb begin
    hdr_beat = room && !flush_q && s1_valid_q && s1_first_q && (32'(s1_hrem_q) > W);
    step     = room && (flush_q || (s1_valid_q && !hdr_beat));
    s1_ready = !s1_valid_q || (room && !flush_q && !hdr_beat);

    if (flush_q) begin
      fill_e = fill_q;
      acc_e  = acc_q;
      len_e  = '0;
      last_e = 1'b1;
      flag_e = flush_flag_q;
      tail_e = pend_tail_q;
      tlen_e = pend_q ? pend_tlen_q : '0;
    end else begin
      fill_e = s1_first_q ? CntW'(s1_hrem_q) : fill_q;
      acc_e  = s1_first_q ? s1_hdr_q[DATA_W-1:0] : acc_q;
      len_e  = s1_len_q;
      last_e = s1_last_q;
      flag_e = s1_flag_q;
      tail_e = pend_q ? pend_tail_q : s1_tail_q;
      tlen_e = pend_q ? pend_tlen_q : (s1_dend_q ? s1_tlen_q : '0);
    end

    total     = Cnt2W'(fill_e) + Cnt2W'(len_e);
    total_all = total + Cnt2W'(tlen_e);
    tail_rot  = rotl(DATA_W'(tail_e), total[LaneW-1:0]);
    m_acc0    = below(Cnt2W'(fill_e));
    m_dat0    = below(total);
    m_dat1    = (total > Cnt2W'(W)) ? below(total - Cnt2W'(W)) : '0;
    beat0 = (bytes_to_bits(m_acc0) & acc_e)
          | (bytes_to_bits(m_dat0 & ~m_acc0) & s1_rot_q)
          | (bytes_to_bits(~m_dat0) & tail_rot);
    beat1 = (bytes_to_bits(m_dat1) & s1_rot_q) | (bytes_to_bits(~m_dat1) & tail_rot);

    // A full beat goes out as soon as more bytes are known to follow it; a
    // packet's final beat waits for the input's tlast (it carries tuser).
    n_push      = '0;
    p0_data     = beat0;
    p0_keep     = '1;
    p0_last     = 1'b0;
    p0_user     = 1'b0;
    p1_keep     = below(total_all - Cnt2W'(W));
    carry_rot   = 1'b0;
    carry_beat0 = 1'b0;
    carry_beat1 = 1'b0;
    fill_d      = fill_q;
    pend_d      = pend_q;
    flush_d     = flush_q;
    if (hdr_beat) begin
      n_push  = 2'd1;
      p0_data = s1_hdr_q[DATA_W-1:0];
    end
    if (step) begin
      flush_d = 1'b0;
      pend_d  = 1'b0;
      if (total > Cnt2W'(W)) begin
        n_push = 2'd1;
        if (last_e && total_all <= Cnt2W'(2 * W)) begin
          n_push = 2'd2;                       // beat1 ends the packet
        end else begin
          // Data spills into the next beat; a tail goes in at the next step.
          carry_rot = 1'b1;
          fill_d    = CntW'(total - Cnt2W'(W));
          pend_d    = (tlen_e != '0);
          flush_d   = last_e;
        end
      end else if (total_all > Cnt2W'(W)) begin
        // The tail spills into the next beat.
        n_push = 2'd1;
        if (last_e) begin
          n_push = 2'd2;
        end else begin
          carry_beat1 = 1'b1;
          fill_d      = CntW'(total_all - Cnt2W'(W));
        end
      end else if (!last_e) begin
        carry_beat0 = 1'b1;
        fill_d      = CntW'(total_all);
      end else if (total_all != '0) begin
        n_push  = 2'd1;
        p0_keep = below(total_all);
        p0_last = 1'b1;
        p0_user = flag_e;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      s1_valid_q <= 1'b0;
      flush_q    <= 1'b0;
      pend_q     <= 1'b0;
      q_count_q  <= '0;
    end else begin
      if (s1_ready) s1_valid_q <= in_fire;
      flush_q   <= flush_d;
      pend_q    <= pend_d;
      q_count_q <= q_base + n_push;
    end
  end

  always_ff @(posedge clk_i) begin
    if (in_fire && cur_first_q) begin
      s1_hdr_q  <= HdrPadBits'(cur_hdr_q);
      s1_hrem_q <= cur_hlen_q;
    end else if (hdr_beat) begin
      s1_hdr_q  <= s1_hdr_q >> DATA_W;
      s1_hrem_q <= s1_hrem_q - HdrLenW'(W);
    end

    if (step) begin
      flush_flag_q <= flag_e;
      fill_q       <= fill_d;
      if (carry_rot) begin
        acc_q       <= s1_rot_q;
        pend_tail_q <= tail_e;
        pend_tlen_q <= tlen_e;
      end
      if (carry_beat0) acc_q <= beat0;
      if (carry_beat1) acc_q <= beat1;
    end

    // Output queue: shift on pop, then append the pushed beats.
    for (int unsigned i = 0; i < QDepth; i++) begin
      if (2'(i) < q_base) begin
        if (q_pop && i + 1 < QDepth) begin
          q_data_q[i*DATA_W +: DATA_W] <= q_data_q[((i + 1) % QDepth)*DATA_W +: DATA_W];
          q_keep_q[i*KeepW +: KeepW] <= q_keep_q[((i + 1) % QDepth)*KeepW +: KeepW];
          q_last_q[i] <= q_last_q[(i + 1) % QDepth];
          q_user_q[i] <= q_user_q[(i + 1) % QDepth];
        end
      end else if (2'(i) == q_base && n_push != '0) begin
        q_data_q[i*DATA_W +: DATA_W] <= p0_data;
        q_keep_q[i*KeepW +: KeepW] <= p0_keep;
        q_last_q[i] <= p0_last;
        q_user_q[i] <= p0_user;
      end else if (2'(i) == q_base + 2'd1 && n_push == 2'd2) begin
        q_data_q[i*DATA_W +: DATA_W] <= beat1;
        q_keep_q[i*KeepW +: KeepW] <= p1_keep;
        q_last_q[i] <= 1'b1;
        q_user_q[i] <= flag_e;
      end
    end
  end

  assign m_axis_tdata  = q_data_q[DATA_W-1:0];
  assign m_axis_tkeep  = q_keep_q[KeepW-1:0];
  assign m_axis_tlast  = q_last_q[0];
  assign m_axis_tuser  = q_user_q[0];
  assign m_axis_tvalid = (q_count_q != '0);
endmodule
