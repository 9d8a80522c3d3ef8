// esp_inbound_check: watches decrypted packets go by (header block, then
// plaintext) without touching them, and reports per packet what the
// decision after decryption needs: the ICV verdict, the first 96 plaintext
// bytes (the inner IP header, for the RFC 4301 inbound policy check, and the
// TCP header whose MSS option is clamped) and the last 16 (padding, pad
// length, next header). One report per packet, in order.
// Where a packet's last byte falls in its last beat comes with the packet's
// length, known when it was classified (end_*: one per packet, in order),
// so the trailer is a mux with a registered select, not a search over tkeep.
module esp_inbound_check #(
  parameter int DATA_W = 512,
  localparam int HEAD  = 96            // plaintext bytes reported
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  input  logic [DATA_W-1:0]   s_axis_tdata,
  input  logic [DATA_W/8-1:0] s_axis_tkeep,
  input  logic                s_axis_tlast,
  input  logic                s_axis_tuser,   // ICV verified (or bypass)
  input  logic                s_axis_tvalid,
  output logic                s_axis_tready,

  output logic [DATA_W-1:0]   m_axis_tdata,
  output logic [DATA_W/8-1:0] m_axis_tkeep,
  output logic                m_axis_tlast,
  output logic                m_axis_tuser,
  output logic                m_axis_tvalid,
  input  logic                m_axis_tready,

  input  logic                end_valid_i,    // (packet length - 1) mod bytes per beat
  output logic                end_ready_o,
  input  logic [$clog2(DATA_W/8)-1:0] end_i,

  output logic                rep_valid_o,
  input  logic                rep_ready_i,
  output logic                rep_icv_ok_o,
  output logic [HEAD*8-1:0]   rep_head_o,     // plaintext bytes 0..95
  output logic [16*8-1:0]     rep_tail_o      // the packet's last 16 bytes
);
  localparam int BYTES  = DATA_W / 8;
  localparam int SKIP   = 16;                 // the ESP header + IV block
  localparam int CAP    = SKIP + HEAD;
  localparam int CBEATS = (CAP + BYTES - 1) / BYTES;

  // Reports wait in a small queue until the decision takes them (when the
  // packet has been written out behind this block); a packet cannot end while
  // the queue is full. A single report register here would make every packet
  // wait for the previous one to cross the delivery pipeline (four cycles per
  // packet at 512 bits).
  localparam int REP_DEPTH = 4;
  localparam int REP_W     = 1 + HEAD*8 + 16*8;
  logic                   rep_wr_ready;
  logic [CBEATS*DATA_W-1:0] cap_q;
  logic [DATA_W-1:0]      prev_q;
  logic [15:0]            beat_q;

  // The end position of the packet going by, taken before its last beat.
  localparam int EB = $clog2(BYTES);
  logic          end_have_q;
  logic [EB-1:0] end_q;
  wire   can_end = rep_wr_ready && end_have_q;
  assign s_axis_tready = m_axis_tready && (!s_axis_tlast || can_end);
  assign m_axis_tvalid = s_axis_tvalid && (!s_axis_tlast || can_end);
  assign m_axis_tdata  = s_axis_tdata;
  assign m_axis_tkeep  = s_axis_tkeep;
  assign m_axis_tlast  = s_axis_tlast;
  assign m_axis_tuser  = s_axis_tuser;
  wire   take = s_axis_tvalid && s_axis_tready;

  wire   end_load = end_valid_i && (!end_have_q || (take && s_axis_tlast));
  assign end_ready_o = end_load;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      end_have_q <= 1'b0;
    end else begin
      if (take && s_axis_tlast) end_have_q <= 1'b0;
      if (end_load) end_have_q <= 1'b1;
    end
    if (end_load) end_q <= end_i;
  end

  // The last 16 bytes: from the previous beat and this one, ending at byte
  // end_q of this beat.
  logic [2*DATA_W-1:0] two;
  logic [16*8-1:0]     tail;
  assign two  = {s_axis_tdata, prev_q};
  assign tail = two[8*(BYTES - 15) + 8*end_q +: 128];

  // The capture window with this beat written in.
  logic [CBEATS*DATA_W-1:0] cap_next;
  always_comb begin
    cap_next = cap_q;
    for (int b = 0; b < CBEATS; b++)
      if (beat_q == 16'(b)) cap_next[b*DATA_W +: DATA_W] = s_axis_tdata;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      beat_q <= '0;
    end else if (take) begin
      prev_q <= s_axis_tdata;
      cap_q  <= cap_next;
      beat_q <= s_axis_tlast ? '0 : beat_q + 16'd1;
    end
  end

  // Bytes of the capture window past the packet's end are stale; the decision
  // checks lengths before it reads them.
  sync_fifo #(.WIDTH(REP_W), .DEPTH(REP_DEPTH)) u_reports (
    .clk_i, .rst_ni,
    .wr_valid_i(take && s_axis_tlast), .wr_ready_o(rep_wr_ready),
    .wr_data_i({s_axis_tuser, cap_next[8*SKIP +: HEAD*8], tail}),
    .rd_valid_o(rep_valid_o), .rd_ready_i(rep_ready_i),
    .rd_data_o({rep_icv_ok_o, rep_head_o, rep_tail_o}), .count_o()
  );
endmodule
