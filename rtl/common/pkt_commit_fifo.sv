// pkt_commit_fifo: store-and-forward packet FIFO whose packets are released
// only once their fate is known (ingress: drop, final length and header
// rewrites are decided at the end of the packet).
//
// Write side: beats on s_axis_*; s_axis_tready is low while the buffer is
// full (or PKTS packets are waiting for their output). A packet larger than
// DEPTH_BEATS can never complete: the user must not send one (free_beats_o
// tells the space left).
//
// Commit handshake: exactly one commit per packet, in packet order, presented
// on commit_valid_i in the cycle the packet's last beat is transferred or in
// any later cycle (never earlier). commit_ready_o is high whenever commits
// follow that rule; a commit is taken when commit_valid_i && commit_ready_o.
//   commit_drop_i      discard the packet (no output at all);
//   commit_len_i       output length in bytes; trailing written bytes beyond
//                      it are cut; a length above the written length is
//                      clamped to it; 0 drops the packet;
//   commit_hdr_i, commit_hdr_mask_i
//                      output byte k (k < 64) is commit_hdr_i[8k +: 8] where
//                      mask bit k is set, the written byte otherwise;
//   commit_meta_i      returned on m_meta_o with every beat of the packet.
//
// Read side: committed, non-dropped packets in order, one beat per cycle,
// registered outputs; a dropped packet costs one read-side cycle. Latency
// from a commit to the first output beat: 4 cycles.
module pkt_commit_fifo #(
  parameter int unsigned DATA_W      = 128,
  parameter int unsigned DEPTH_BEATS = 256,  // power of two
  parameter int unsigned META_W      = 32,
  parameter int unsigned PKTS        = 16,   // packets written but not yet read
  localparam int unsigned KeepW      = DATA_W / 8,
  localparam int unsigned FreeW      = $clog2(DEPTH_BEATS + 1)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // write side
  input  logic [DATA_W-1:0] s_axis_tdata,
  input  logic [KeepW-1:0]  s_axis_tkeep,
  input  logic              s_axis_tlast,
  input  logic              s_axis_tvalid,
  output logic              s_axis_tready,
  // commit, one per packet
  input  logic              commit_valid_i,
  output logic              commit_ready_o,
  input  logic              commit_drop_i,
  input  logic [15:0]       commit_len_i,
  input  logic [64*8-1:0]   commit_hdr_i,
  input  logic [63:0]       commit_hdr_mask_i,
  input  logic [META_W-1:0] commit_meta_i,
  // read side
  output logic [DATA_W-1:0] m_axis_tdata,
  output logic [KeepW-1:0]  m_axis_tkeep,
  output logic              m_axis_tlast,
  output logic              m_axis_tvalid,
  input  logic              m_axis_tready,
  output logic [META_W-1:0] m_meta_o,
  // beats of buffer space not in use (written, uncommitted beats count as used)
  output logic [FreeW-1:0]  free_beats_o
);
  localparam int unsigned W        = KeepW;
  localparam int unsigned AddrW    = $clog2(DEPTH_BEATS);
  localparam int unsigned HdrBeats = (64 + W - 1) / W;   // beats touched by the header
  localparam int unsigned HdrPadW  = HdrBeats * W;        // header bytes, padded
  localparam int unsigned CommitW  = 1 + 16 + 64 * 8 + 64 + META_W;
  localparam int unsigned LenW     = FreeW + 16;          // {beats, bytes}

`ifndef SYNTHESIS
  initial begin
    if ((DEPTH_BEATS & (DEPTH_BEATS - 1)) != 0) $fatal(1, "pkt_commit_fifo: DEPTH_BEATS must be a power of two");
    if (W < 8 || (W & (W - 1)) != 0) $fatal(1, "pkt_commit_fifo: DATA_W must be 64 * 2^n");
  end
`endif

  // ---------------------------------------------------------------------------
  // Write side.
  // ---------------------------------------------------------------------------
  logic [DATA_W-1:0] mem [DEPTH_BEATS];
  logic [AddrW-1:0]  wr_ptr_q;
  logic [FreeW-1:0]  used_q;
  logic [FreeW-1:0]  pkt_beats_q;
  logic [15:0]       pkt_bytes_q;
  logic              len_ready, wr_fire;
  logic [15:0]       beat_bytes;

  assign s_axis_tready = (32'(used_q) != DEPTH_BEATS) && len_ready;
  assign wr_fire       = s_axis_tvalid && s_axis_tready;

  always_comb begin
    beat_bytes = 16'(W);
    if (s_axis_tlast) begin
      beat_bytes = '0;
      for (int unsigned l = 0; l < W; l++) if (s_axis_tkeep[l]) beat_bytes = 16'(l + 1);
    end
  end

  logic            len_valid, len_pop;
  logic [$clog2(PKTS + 1)-1:0] len_count_unused, commit_count_unused;
  logic [LenW-1:0] len_head;
  sync_fifo #(.WIDTH(LenW), .DEPTH(PKTS)) u_len_fifo (
    .clk_i,
    .rst_ni,
    .wr_valid_i (wr_fire && s_axis_tlast),
    .wr_ready_o (len_ready),
    .wr_data_i  ({pkt_beats_q + 1'b1, pkt_bytes_q + beat_bytes}),
    .rd_valid_o (len_valid),
    .rd_ready_i (len_pop),
    .rd_data_o  (len_head),
    .count_o    (len_count_unused)
  );

  logic               commit_valid, commit_pop;
  logic [CommitW-1:0] commit_head;
  sync_fifo #(.WIDTH(CommitW), .DEPTH(PKTS)) u_commit_fifo (
    .clk_i,
    .rst_ni,
    .wr_valid_i (commit_valid_i),
    .wr_ready_o (commit_ready_o),
    .wr_data_i  ({commit_drop_i, commit_len_i, commit_hdr_i, commit_hdr_mask_i, commit_meta_i}),
    .rd_valid_o (commit_valid),
    .rd_ready_i (commit_pop),
    .rd_data_o  (commit_head),
    .count_o    (commit_count_unused)
  );

  // ---------------------------------------------------------------------------
  // Read side: issue (RAM read) -> stage A (RAM data) -> stage B (output).
  // ---------------------------------------------------------------------------
  logic              h_drop;
  logic [15:0]       h_len, h_bytes, h_out_len;
  logic [FreeW-1:0]  h_beats;
  logic [64*8-1:0]   h_hdr;
  logic [63:0]       h_mask;
  logic [META_W-1:0] h_meta;
  assign {h_drop, h_len, h_hdr, h_mask, h_meta} = commit_head;
  assign {h_beats, h_bytes} = len_head;
  assign h_out_len = (h_len < h_bytes) ? h_len : h_bytes;

  logic [AddrW-1:0]  rd_base_q;     // first beat of the head packet
  logic [15:0]       beat_idx_q;    // next beat of the head packet to read
  logic [15:0]       rem_q;         // output bytes left after beat_idx_q - 1

  logic              a_valid_q, b_valid_q, a_free, b_free;
  logic [DATA_W-1:0] a_data_q;
  logic [KeepW-1:0]  a_keep_q, a_hmask_q;
  logic [DATA_W-1:0] a_hdr_q;
  logic              a_last_q;
  logic [META_W-1:0] a_meta_q;

  assign b_free = !b_valid_q || m_axis_tready;
  assign a_free = !a_valid_q || b_free;

  logic              head_ready, skip, issue, issue_last;
  logic [15:0]       rem;
  logic [AddrW-1:0]  rd_addr;
  logic [HdrPadW*8-1:0] hdr_pad;
  logic [HdrPadW-1:0]   mask_pad;
  logic [DATA_W-1:0] hdr_chunk;
  logic [KeepW-1:0]  mask_chunk, keep;
  always_comb begin
    head_ready = len_valid && commit_valid;
    skip       = head_ready && (h_drop || h_out_len == '0);
    issue      = head_ready && !skip && a_free;
    rem        = (beat_idx_q == '0) ? h_out_len : rem_q;
    issue_last = 32'(rem) <= W;
    rd_addr    = rd_base_q + AddrW'(beat_idx_q);
    len_pop    = skip || (issue && issue_last);
    commit_pop = len_pop;
    keep = '1;
    if (issue_last) for (int unsigned l = 0; l < W; l++) keep[l] = (16'(l) < rem);
    hdr_pad  = (HdrPadW*8)'(h_hdr);
    mask_pad = HdrPadW'(h_mask);
    hdr_chunk  = '0;
    mask_chunk = '0;
    for (int unsigned b = 0; b < HdrBeats; b++) begin
      if (32'(beat_idx_q) == b) begin
        hdr_chunk  = hdr_pad[b*DATA_W +: DATA_W];
        mask_chunk = mask_pad[b*W +: W];
      end
    end
  end

  logic [AddrW-1:0] freed;
  always_comb begin
    freed = '0;
    if (len_pop) freed = AddrW'(h_beats);
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      wr_ptr_q    <= '0;
      used_q      <= '0;
      pkt_beats_q <= '0;
      pkt_bytes_q <= '0;
      rd_base_q   <= '0;
      beat_idx_q  <= '0;
      rem_q       <= '0;
      a_valid_q   <= 1'b0;
      b_valid_q   <= 1'b0;
    end else begin
      if (wr_fire) begin
        wr_ptr_q    <= wr_ptr_q + 1'b1;
        pkt_beats_q <= s_axis_tlast ? '0 : pkt_beats_q + 1'b1;
        pkt_bytes_q <= s_axis_tlast ? '0 : pkt_bytes_q + beat_bytes;
      end
      // h_beats == DEPTH_BEATS wraps to 0 in AddrW bits: same RAM position.
      used_q <= used_q + FreeW'(wr_fire) - (len_pop ? h_beats : '0);
      if (len_pop) begin
        rd_base_q  <= rd_base_q + freed;
        beat_idx_q <= '0;
      end else if (issue) begin
        beat_idx_q <= beat_idx_q + 16'd1;
      end
      if (issue) rem_q <= rem - 16'(W);
      if (a_free) a_valid_q <= issue;
      if (b_free) b_valid_q <= a_valid_q;
    end
  end

  always_ff @(posedge clk_i) begin
    if (wr_fire) mem[wr_ptr_q] <= s_axis_tdata;
    if (issue) a_data_q <= mem[rd_addr];
  end

  logic [DATA_W-1:0] b_data_q;
  logic [KeepW-1:0]  b_keep_q;
  logic              b_last_q;
  logic [META_W-1:0] b_meta_q;
  always_ff @(posedge clk_i) begin
    if (issue) begin
      a_keep_q  <= keep;
      a_last_q  <= issue_last;
      a_hdr_q   <= hdr_chunk;
      a_hmask_q <= mask_chunk;
      a_meta_q  <= h_meta;
    end
    if (b_free && a_valid_q) begin
      for (int unsigned l = 0; l < W; l++) begin
        b_data_q[8*l +: 8] <= a_hmask_q[l] ? a_hdr_q[8*l +: 8] : a_data_q[8*l +: 8];
      end
      b_keep_q <= a_keep_q;
      b_last_q <= a_last_q;
      b_meta_q <= a_meta_q;
    end
  end

  assign m_axis_tdata  = b_data_q;
  assign m_axis_tkeep  = b_keep_q;
  assign m_axis_tlast  = b_last_q;
  assign m_axis_tvalid = b_valid_q;
  assign m_meta_o      = b_meta_q;
  assign free_beats_o  = FreeW'(DEPTH_BEATS) - used_q;
endmodule
