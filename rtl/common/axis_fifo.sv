// axis_fifo: synchronous AXI-Stream FIFO (tdata, tkeep, tlast, tuser) of DEPTH
// beats, one beat per cycle, registered outputs. A thin wrapper over sync_fifo.
module axis_fifo #(
  parameter int unsigned DATA_W = 128,
  parameter int unsigned DEPTH  = 16,
  parameter int unsigned USER_W = 1,
  localparam int unsigned KeepW  = DATA_W / 8,
  localparam int unsigned CountW = $clog2(DEPTH + 1)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic [DATA_W-1:0] s_axis_tdata,
  input  logic [KeepW-1:0]  s_axis_tkeep,
  input  logic              s_axis_tlast,
  input  logic [USER_W-1:0] s_axis_tuser,
  input  logic              s_axis_tvalid,
  output logic              s_axis_tready,
  output logic [DATA_W-1:0] m_axis_tdata,
  output logic [KeepW-1:0]  m_axis_tkeep,
  output logic              m_axis_tlast,
  output logic [USER_W-1:0] m_axis_tuser,
  output logic              m_axis_tvalid,
  input  logic              m_axis_tready,
  output logic [CountW-1:0] count_o
);
  localparam int unsigned WordW = DATA_W + KeepW + 1 + USER_W;

  sync_fifo #(.WIDTH(WordW), .DEPTH(DEPTH)) u_fifo (
    .clk_i,
    .rst_ni,
    .wr_valid_i (s_axis_tvalid),
    .wr_ready_o (s_axis_tready),
    .wr_data_i  ({s_axis_tuser, s_axis_tlast, s_axis_tkeep, s_axis_tdata}),
    .rd_valid_o (m_axis_tvalid),
    .rd_ready_i (m_axis_tready),
    .rd_data_o  ({m_axis_tuser, m_axis_tlast, m_axis_tkeep, m_axis_tdata}),
    .count_o
  );
endmodule
