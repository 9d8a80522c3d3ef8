// frame_entry: where each ESP pipeline takes its frames. frame_capture hands
// the frame's header bytes and length to the parse (meta_*) and passes the
// frame into a store-and-forward FIFO of DEPTH beats, from which the pipeline
// reads it (m_axis_*) once the parse has decided what to do with it.
module frame_entry
#(
  parameter int DATA_W    = 512,
  parameter int MAX_FRAME = 2048,
  parameter int DEPTH     = 2 * MAX_FRAME / (DATA_W / 8)   // frame FIFO beats
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,

  input  logic [DATA_W-1:0]       s_axis_tdata,
  input  logic [DATA_W/8-1:0]     s_axis_tkeep,
  input  logic                    s_axis_tlast,
  input  logic                    s_axis_tvalid,
  output logic                    s_axis_tready,

  output logic [DATA_W-1:0]       m_axis_tdata,
  output logic [DATA_W/8-1:0]     m_axis_tkeep,
  output logic                    m_axis_tlast,
  output logic                    m_axis_tvalid,
  input  logic                    m_axis_tready,

  // frame_capture's meta: one entry per frame, after its last beat.
  output logic                    meta_valid_o,
  input  logic                    meta_ready_i,
  output logic [espnic_pkg::HDR_BYTES*8-1:0] meta_hdr_o,
  output logic [15:0]             meta_len_o,
  output logic                    meta_oversize_o
);
  logic [DATA_W-1:0]   cap_tdata;
  logic [DATA_W/8-1:0] cap_tkeep;
  logic                cap_tlast, cap_tvalid, cap_tready;

  frame_capture #(.DATA_W(DATA_W), .MAX_FRAME(MAX_FRAME)) u_capture (
    .clk_i, .rst_ni,
    .s_axis_tdata, .s_axis_tkeep, .s_axis_tlast, .s_axis_tvalid, .s_axis_tready,
    .m_axis_tdata(cap_tdata), .m_axis_tkeep(cap_tkeep), .m_axis_tlast(cap_tlast),
    .m_axis_tvalid(cap_tvalid), .m_axis_tready(cap_tready),
    .meta_valid_o, .meta_ready_i, .meta_hdr_o, .meta_len_o, .meta_oversize_o
  );

  axis_fifo #(.DATA_W(DATA_W), .DEPTH(DEPTH), .USER_W(1)) u_frames (
    .clk_i, .rst_ni,
    .s_axis_tdata(cap_tdata), .s_axis_tkeep(cap_tkeep), .s_axis_tlast(cap_tlast),
    .s_axis_tuser(1'b0), .s_axis_tvalid(cap_tvalid), .s_axis_tready(cap_tready),
    .m_axis_tdata, .m_axis_tkeep, .m_axis_tlast,
    .m_axis_tuser(), .m_axis_tvalid, .m_axis_tready,
    .count_o()
  );
endmodule
