// host_rx_steer: the host port's input, in front of esp_egress. A frame whose
// ethertype (bytes 12-13 of its first beat) is ETHERTYPE_REASSEMBLY (0x88B5)
// is a whole IP packet the host reassembled from fragments the card punted
// (esp_ingress): it does not go to egress but to the reinject output (into
// ingress through ingress_merge) with its ethertype restored from the IP
// version (high nibble of byte 14): 4 gives 0x0800, 6 gives 0x86DD. Any
// other version is dropped whole and counted (cnt_bad_o, IN_REINJECT_BAD);
// reinjected frames are counted in cnt_reinject_o (IN_REINJECTED). Every
// other frame goes to egress unchanged. The decision is taken at a frame's
// first beat and held to its last; the host port is held off while the
// chosen output is.
module host_rx_steer #(
  parameter int unsigned DATA_W = 512,
  localparam int unsigned KeepW = DATA_W / 8
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // from the host
  input  logic [DATA_W-1:0] s_axis_tdata,
  input  logic [KeepW-1:0]  s_axis_tkeep,
  input  logic              s_axis_tlast,
  input  logic              s_axis_tvalid,
  output logic              s_axis_tready,
  // to egress
  output logic [DATA_W-1:0] m_eg_tdata,
  output logic [KeepW-1:0]  m_eg_tkeep,
  output logic              m_eg_tlast,
  output logic              m_eg_tvalid,
  input  logic              m_eg_tready,
  // to ingress (ingress_merge), ethertype restored
  output logic [DATA_W-1:0] m_ri_tdata,
  output logic [KeepW-1:0]  m_ri_tkeep,
  output logic              m_ri_tlast,
  output logic              m_ri_tvalid,
  input  logic              m_ri_tready,
  output logic [63:0]       cnt_reinject_o,
  output logic [63:0]       cnt_bad_o
);
`ifndef SYNTHESIS
  initial if (DATA_W < 128) $fatal(1, "host_rx_steer: the first beat must hold bytes 12 to 14");
`endif

  // Where the frame in progress goes: 0 egress, 1 reinject, 2 dropped.
  logic       in_frame_q;
  logic [1:0] dest_q;
  logic       f_reasm, f_v4, f_v6;
  logic [1:0] dest;
  assign f_reasm = {s_axis_tdata[8*12 +: 8], s_axis_tdata[8*13 +: 8]} == espnic_regs_pkg::ETHERTYPE_REASSEMBLY;
  assign f_v4    = s_axis_tdata[8*14+4 +: 4] == 4'd4;
  assign f_v6    = s_axis_tdata[8*14+4 +: 4] == 4'd6;
  assign dest    = in_frame_q ? dest_q : !f_reasm ? 2'd0 : (f_v4 || f_v6) ? 2'd1 : 2'd2;

  always_comb begin
    m_eg_tdata  = s_axis_tdata;
    m_eg_tkeep  = s_axis_tkeep;
    m_eg_tlast  = s_axis_tlast;
    m_eg_tvalid = s_axis_tvalid && dest == 2'd0;
    m_ri_tdata  = s_axis_tdata;
    m_ri_tkeep  = s_axis_tkeep;
    m_ri_tlast  = s_axis_tlast;
    m_ri_tvalid = s_axis_tvalid && dest == 2'd1;
    if (!in_frame_q)
      m_ri_tdata[8*12 +: 16] = f_v6 ? 16'hDD86 : 16'h0008;   // 0x86DD, 0x0800 in wire order
    s_axis_tready = dest == 2'd0 ? m_eg_tready : dest == 2'd1 ? m_ri_tready : 1'b1;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      in_frame_q     <= 1'b0;
      dest_q         <= 2'd0;
      cnt_reinject_o <= '0;
      cnt_bad_o      <= '0;
    end else if (s_axis_tvalid && s_axis_tready) begin
      in_frame_q <= !s_axis_tlast;
      dest_q     <= dest;
      if (!in_frame_q && dest == 2'd1) cnt_reinject_o <= cnt_reinject_o + 64'd1;
      if (!in_frame_q && dest == 2'd2) cnt_bad_o      <= cnt_bad_o + 64'd1;
    end
  end
endmodule
