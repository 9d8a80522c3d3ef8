// mss_clamp_tb_top: the MSS clamping blocks as the egress pipeline joins
// them, for test_mss_clamp.cpp: a frame's header goes into esp_mss_find and,
// with its clamp, into a queue beside it; the find's answer and the queued
// header make esp_mss_clamp's command; the frame streams through
// esp_mss_clamp.
module mss_clamp_tb_top #(
  parameter int DATA_W = 128
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  input  logic                               hdr_valid_i,
  input  logic [espnic_pkg::HDR_BYTES*8-1:0] hdr_i,
  input  logic [15:0]                        clamp_i,
  input  logic [DATA_W-1:0]                  s_axis_tdata,
  input  logic [DATA_W/8-1:0]                s_axis_tkeep,
  input  logic                               s_axis_tlast,
  input  logic                               s_axis_tvalid,
  output logic                               s_axis_tready,
  output logic [DATA_W-1:0]                  m_axis_tdata,
  output logic [DATA_W/8-1:0]                m_axis_tkeep,
  output logic                               m_axis_tlast,
  output logic                               m_axis_tvalid,
  input  logic                               m_axis_tready,
  output logic                               clamped_o
);
  localparam int HW = espnic_pkg::HDR_BYTES * 8;
  logic       loc_valid, loc_found, q_valid, unused_wr_ready;
  logic [5:0] loc_pos;
  logic [HW+15:0] q_data;
  esp_mss_find u_find (
    .clk_i, .rst_ni, .in_valid_i(hdr_valid_i), .hdr_i,
    .out_valid_o(loc_valid), .found_o(loc_found), .pos_o(loc_pos)
  );
  // The find answers 24 cycles after the header; the queue's word is there.
  sync_fifo #(.WIDTH(HW + 16), .DEPTH(32)) u_hdr_q (
    .clk_i, .rst_ni,
    .wr_valid_i(hdr_valid_i), .wr_ready_o(unused_wr_ready), .wr_data_i({clamp_i, hdr_i}),
    .rd_valid_o(q_valid), .rd_ready_i(loc_valid), .rd_data_o(q_data), .count_o()
  );
  logic unused_q_valid;
  assign unused_q_valid = q_valid;
  esp_mss_clamp #(.DATA_W(DATA_W), .Q_D(32)) u_clamp (
    .clk_i, .rst_ni,
    .cmd_valid_i(loc_valid), .cmd_hdr_i(q_data[HW-1:0]), .cmd_found_i(loc_found),
    .cmd_pos_i(loc_pos), .cmd_clamp_i(q_data[HW +: 16]), .cmd_apply_i(1'b1),
    .cmd_tag_i(espnic_pkg::hbe16(q_data[HW-1:0], 12) == 16'h8100),   // as egress: the frame's own tag
    .s_axis_tdata, .s_axis_tkeep, .s_axis_tlast, .s_axis_tvalid, .s_axis_tready,
    .m_axis_tdata, .m_axis_tkeep, .m_axis_tlast, .m_axis_tvalid, .m_axis_tready,
    .clamped_o
  );
endmodule
