// axis_pkt_size: a store-and-forward packet FIFO that gives each packet its
// size in bytes on every beat (the OpenNIC shell's tuser_size, which the QDMA
// needs on the first beat of a C2H packet and the packet adapter on a TX
// packet). A packet leaves only once its last beat is in and its size known.
//
// The size is counted on the way in: 64 bytes per beat (DATA_W 512) before
// the last, and the last beat's tkeep (contiguous from byte 0, as the core
// writes it) registered and decoded the cycle after, so the count never sits
// behind the data path's logic. The data FIFO holds DEPTH beats and must take
// a whole packet of the largest size the core sends plus room for the next
// (espnic_core's MAX_FRAME plus the ESP overhead is under 40 beats).
module axis_pkt_size #(
  parameter int unsigned DATA_W = 512,
  parameter int unsigned DEPTH  = 128,    // beats
  parameter int unsigned PKTS   = 16,     // packets in the FIFO at once
  localparam int unsigned KeepW = DATA_W / 8
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic [DATA_W-1:0] s_axis_tdata,
  input  logic [KeepW-1:0]  s_axis_tkeep,
  input  logic              s_axis_tlast,
  input  logic              s_axis_tvalid,
  output logic              s_axis_tready,
  output logic [DATA_W-1:0] m_axis_tdata,
  output logic [KeepW-1:0]  m_axis_tkeep,
  output logic              m_axis_tlast,
  output logic [15:0]       m_axis_tuser_size,
  output logic              m_axis_tvalid,
  input  logic              m_axis_tready
);
  localparam int unsigned KW = $clog2(KeepW + 1);

  // Sizes, one per packet whose last beat is in. A beat comes in only while
  // the size FIFO has room for two more sizes: the size of a last beat is
  // written the cycle after it, when the next beat may be a last one too.
  logic        size_ready, size_valid, size_pop, size_full_unused;
  logic [$clog2(PKTS + 1)-1:0] size_count;
  logic [15:0] size_head;
  logic        data_ready, data_valid, data_last;
  logic        in_fire;

  assign size_ready    = 32'(size_count) < PKTS - 1;
  assign s_axis_tready = data_ready && size_ready;
  assign in_fire       = s_axis_tvalid && s_axis_tready;

  logic [15:0]      bytes_q;        // bytes of the packet before the current beat
  logic             last_q;         // a last beat came in the cycle before
  logic [KeepW-1:0] last_keep_q;
  logic [15:0]      last_base_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      bytes_q     <= '0;
      last_q      <= 1'b0;
      last_keep_q <= '0;
      last_base_q <= '0;
    end else begin
      last_q <= in_fire && s_axis_tlast;
      if (in_fire) begin
        bytes_q <= s_axis_tlast ? 16'd0 : bytes_q + 16'(KeepW);
        if (s_axis_tlast) begin
          last_keep_q <= s_axis_tkeep;
          last_base_q <= bytes_q;
        end
      end
    end
  end

  // tkeep is a thermometer code: the count is where its ones end. Bit k of
  // it is an OR of (keep[i] and not keep[i+1]) over the positions i+1 whose
  // bit k is set (no priority chain or adder tree: 3 LUT levels at 64 bytes,
  // as frame_capture decodes it).
  logic [KW-1:0]   last_bytes;
  logic [KeepW:0]  keep_ext;
  always_comb begin
    last_bytes = '0;
    keep_ext   = {1'b0, last_keep_q};
    for (int i = 0; i < KeepW; i++)
      for (int k = 0; k < KW; k++)
        if (((i + 1) >> k) % 2 == 1) last_bytes[k] = last_bytes[k] | (keep_ext[i] & !keep_ext[i + 1]);
  end

  sync_fifo #(.WIDTH(16), .DEPTH(PKTS)) u_sizes (
    .clk_i, .rst_ni,
    .wr_valid_i (last_q),
    .wr_ready_o (size_full_unused),
    .wr_data_i  (last_base_q + 16'(last_bytes)),
    .rd_valid_o (size_valid),
    .rd_ready_i (size_pop),
    .rd_data_o  (size_head),
    .count_o    (size_count)
  );

  logic [$clog2(DEPTH + 1)-1:0] data_count_unused;
  logic                         data_user_unused;
  axis_fifo #(.DATA_W(DATA_W), .DEPTH(DEPTH), .USER_W(1)) u_data (
    .clk_i, .rst_ni,
    .s_axis_tdata, .s_axis_tkeep, .s_axis_tlast, .s_axis_tuser(1'b0),
    .s_axis_tvalid (s_axis_tvalid && size_ready),
    .s_axis_tready (data_ready),
    .m_axis_tdata,
    .m_axis_tkeep,
    .m_axis_tlast  (data_last),
    .m_axis_tuser  (data_user_unused),
    .m_axis_tvalid (data_valid),
    .m_axis_tready (m_axis_tready && size_valid),
    .count_o       (data_count_unused)
  );

  // The head beat belongs to the head size's packet: packets leave in order
  // and a size is there only once its packet is wholly in.
  assign m_axis_tvalid     = data_valid && size_valid;
  assign m_axis_tlast      = data_last;
  assign m_axis_tuser_size = size_head;
  assign size_pop          = m_axis_tvalid && m_axis_tready && data_last;

  logic unused_ok;
  assign unused_ok = ^{size_full_unused, data_count_unused, data_user_unused};
endmodule
