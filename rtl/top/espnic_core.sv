// espnic_core: the card without board specifics. Two stream ports (host and
// wire, each with an input and an output), the register interface (BAR0:
// registers, command, completion and event rings), and the two ESP pipelines
// with their shared control block. Board wrappers (fw/)
// and the simulator (sim/) instantiate this.
module espnic_core
#(
  parameter int DATA_W    = 512,
  parameter int SA_N      = 16384,   // SAs per direction (a power of two, 32 to 16384)
  parameter int SPD_N     = 1024,    // SPD rules (a power of two, up to 16384)
  parameter int SPD_L     = 8,       // classifier rules per leaf
  parameter int SPD_D     = 8,       // classifier tree levels
  parameter int MAX_FRAME = 2048,
  parameter logic [31:0] BUILD_ID = 32'h0   // set by the gateware build (REG_BUILD_ID)
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // host -> card (egress input)
  input  logic [DATA_W-1:0]   s_host_tdata,
  input  logic [DATA_W/8-1:0] s_host_tkeep,
  input  logic                s_host_tlast,
  input  logic                s_host_tvalid,
  output logic                s_host_tready,
  // card -> host (ingress output)
  output logic [DATA_W-1:0]   m_host_tdata,
  output logic [DATA_W/8-1:0] m_host_tkeep,
  output logic                m_host_tlast,
  output logic                m_host_tvalid,
  input  logic                m_host_tready,
  // wire -> card (ingress input). A MAC cannot be held off: s_wire_tready
  // is always 1 (kept for the AXI-Stream port list of board wrappers); a
  // frame that does not fit in the wire input buffer is dropped whole at
  // entry and counted (IN_BUFFER_DROP).
  input  logic [DATA_W-1:0]   s_wire_tdata,
  input  logic [DATA_W/8-1:0] s_wire_tkeep,
  input  logic                s_wire_tlast,
  input  logic                s_wire_tvalid,
  output logic                s_wire_tready,
  // card -> wire (egress output)
  output logic [DATA_W-1:0]   m_wire_tdata,
  output logic [DATA_W/8-1:0] m_wire_tkeep,
  output logic                m_wire_tlast,
  output logic                m_wire_tvalid,
  input  logic                m_wire_tready,

  input  logic                reg_we_i,
  input  logic                reg_re_i,
  input  logic [15:0]         reg_addr_i,
  input  logic [31:0]         reg_wdata_i,
  output logic [31:0]         reg_rdata_o,
  output logic                event_pending_o,   // the event ring is not empty
  output logic                irq_o,             // an unmasked interrupt cause (INT_STATUS)
  output logic                busy_o             // working without moving a beat: the tables
                                                 // clearing after reset, a command running
                                                 // (the simulator clocks the card meanwhile)
);
`ifndef SYNTHESIS
  // Sizes espnic_pkg writes out (yosys 0.23 cannot take them from the owning
  // package in a package-level type) must match their source.
  initial begin
    if (espnic_pkg::HPOW_N != aes_gcm_pkg::HPOW_N)
      $fatal(1, "espnic_pkg::HPOW_N differs from aes_gcm_pkg::HPOW_N");
    if (espnic_pkg::SA_DROPS != espnic_regs_pkg::DROP_N)
      $fatal(1, "espnic_pkg::SA_DROPS differs from espnic_regs_pkg::DROP_N");
  end
`endif

  logic [15:0]  mtu;
  logic         default_discard;
  logic [1:0]   sa_ready;                     // [0] egress, [1] ingress
  logic         sa_req_valid, sa_req_inbound, sa_req_both;
  espnic_pkg::sa_req_t sa_req;
  logic [1:0]   sa_rsp_valid;                 // [0] egress, [1] ingress
  espnic_pkg::sa_cfg_t sa_rsp_cfg_eg, sa_rsp_cfg_in;
  espnic_pkg::sa_dyn_t sa_rsp_dyn_eg, sa_rsp_dyn_in;
  logic         spd_wr_valid, spd_wr_enable;
  espnic_pkg::spd_rule_t spd_wr_rule;
  logic         cls_wr_valid, cls_wr_ready, cls_wr_ready_eg, cls_wr_ready_in;
  // Both classifiers (egress's SPD, ingress's inbound policy) take every
  // write in the same cycle.
  assign cls_wr_ready = cls_wr_ready_eg && cls_wr_ready_in;
  logic [3:0]   cls_wr_table;
  logic [15:0]  cls_wr_addr;
  logic [511:0] cls_wr_data;
  logic [1:0]   event_valid;
  logic [1:0]   event_ready;
  espnic_pkg::event_t       event_eg, event_in;
  logic [espnic_regs_pkg::PORT_COUNTERS*64-1:0] cnt;   // counter i at [64i +: 64]

  espnic_ctrl #(
    .DATA_W(DATA_W), .SA_N(SA_N), .SPD_N(SPD_N), .SPD_L(SPD_L), .SPD_D(SPD_D),
    .MAX_FRAME(MAX_FRAME), .BUILD_ID(BUILD_ID)
  ) u_ctrl (
    .clk_i, .rst_ni,
    .reg_we_i, .reg_re_i, .reg_addr_i, .reg_wdata_i, .reg_rdata_o,
    .mtu_o(mtu), .default_discard_o(default_discard),
    .sa_ready_i(sa_ready), .sa_req_valid_o(sa_req_valid), .sa_req_inbound_o(sa_req_inbound),
    .sa_req_both_o(sa_req_both),
    .sa_req_o(sa_req),
    .spd_wr_valid_o(spd_wr_valid), .spd_wr_enable_o(spd_wr_enable), .spd_wr_rule_o(spd_wr_rule),
    .cls_wr_valid_o(cls_wr_valid), .cls_wr_ready_i(cls_wr_ready), .cls_wr_table_o(cls_wr_table),
    .cls_wr_addr_o(cls_wr_addr), .cls_wr_data_o(cls_wr_data),
    .sa_rsp_valid_i(sa_rsp_valid), .sa_rsp_cfg_eg_i(sa_rsp_cfg_eg), .sa_rsp_cfg_in_i(sa_rsp_cfg_in),
    .sa_rsp_dyn_eg_i(sa_rsp_dyn_eg), .sa_rsp_dyn_in_i(sa_rsp_dyn_in),
    .event_valid_i(event_valid), .event_ready_o(event_ready),
    .event_eg_i(event_eg), .event_in_i(event_in),
    .port_counters_i(cnt), .irq_o, .event_pending_o, .busy_o
  );

  // The host port's input: frames with ethertype REASSEMBLY (whole packets
  // the host reassembled from punted fragments) go to ingress (host_rx_steer),
  // the rest to egress.
  logic [DATA_W-1:0]   eg_tdata, ri_tdata;
  logic [DATA_W/8-1:0] eg_tkeep, ri_tkeep;
  logic                eg_tlast, eg_tvalid, eg_tready, ri_tlast, ri_tvalid, ri_tready;
  host_rx_steer #(.DATA_W(DATA_W)) u_host_steer (
    .clk_i, .rst_ni,
    .s_axis_tdata(s_host_tdata), .s_axis_tkeep(s_host_tkeep), .s_axis_tlast(s_host_tlast),
    .s_axis_tvalid(s_host_tvalid), .s_axis_tready(s_host_tready),
    .m_eg_tdata(eg_tdata), .m_eg_tkeep(eg_tkeep), .m_eg_tlast(eg_tlast),
    .m_eg_tvalid(eg_tvalid), .m_eg_tready(eg_tready),
    .m_ri_tdata(ri_tdata), .m_ri_tkeep(ri_tkeep), .m_ri_tlast(ri_tlast),
    .m_ri_tvalid(ri_tvalid), .m_ri_tready(ri_tready),
    .cnt_reinject_o(cnt[64*espnic_regs_pkg::CNT_IN_REINJECTED +: 64]),
    .cnt_bad_o(cnt[64*espnic_regs_pkg::CNT_IN_REINJECT_BAD +: 64])
  );

  esp_egress #(
    .DATA_W(DATA_W), .SA_N(SA_N), .SPD_N(SPD_N), .SPD_L(SPD_L), .SPD_D(SPD_D), .MAX_FRAME(MAX_FRAME)
  ) u_egress (
    .clk_i, .rst_ni,
    .s_axis_tdata(eg_tdata), .s_axis_tkeep(eg_tkeep), .s_axis_tlast(eg_tlast),
    .s_axis_tvalid(eg_tvalid), .s_axis_tready(eg_tready),
    .m_axis_tdata(m_wire_tdata), .m_axis_tkeep(m_wire_tkeep), .m_axis_tlast(m_wire_tlast),
    .m_axis_tvalid(m_wire_tvalid), .m_axis_tready(m_wire_tready),
    .mtu_i(mtu), .default_discard_i(default_discard),
    .sa_ready_o(sa_ready[0]), .sa_req_valid_i(sa_req_valid && (!sa_req_inbound || sa_req_both)), .sa_req_i(sa_req),
    .sa_rsp_valid_o(sa_rsp_valid[0]), .sa_rsp_cfg_o(sa_rsp_cfg_eg), .sa_rsp_dyn_o(sa_rsp_dyn_eg),
    .spd_wr_valid_i(spd_wr_valid), .spd_wr_enable_i(spd_wr_enable), .spd_wr_rule_i(spd_wr_rule),
    .cls_wr_valid_i(cls_wr_valid && cls_wr_ready), .cls_wr_ready_o(cls_wr_ready_eg), .cls_wr_table_i(cls_wr_table),
    .cls_wr_addr_i(cls_wr_addr), .cls_wr_data_i(cls_wr_data),
    .event_valid_o(event_valid[0]), .event_ready_i(event_ready[0]), .event_o(event_eg),
    .cnt_frames_in_o(cnt[64*espnic_regs_pkg::CNT_EG_FRAMES_IN +: 64]), .cnt_frames_out_o(cnt[64*espnic_regs_pkg::CNT_EG_FRAMES_OUT +: 64]),
    .cnt_bytes_out_o(cnt[64*espnic_regs_pkg::CNT_EG_BYTES_OUT +: 64]), .cnt_protected_o(cnt[64*espnic_regs_pkg::CNT_EG_PROTECTED +: 64]),
    .cnt_bypassed_o(cnt[64*espnic_regs_pkg::CNT_EG_BYPASSED +: 64]), .cnt_discarded_o(cnt[64*espnic_regs_pkg::CNT_EG_DISCARDED +: 64]),
    .cnt_no_rule_o(cnt[64*espnic_regs_pkg::CNT_EG_NO_RULE +: 64]),
    .cnt_rule_discard_o(cnt[64*espnic_regs_pkg::CNT_EG_RULE_DISCARD +: 64]),
    .cnt_malformed_o(cnt[64*espnic_regs_pkg::CNT_EG_MALFORMED +: 64]), .cnt_no_sa_o(cnt[64*espnic_regs_pkg::CNT_EG_NO_SA +: 64]),
    .cnt_event_lost_o(cnt[64*espnic_regs_pkg::CNT_EG_EVENT_LOST +: 64])
  );

  // The wire input buffer (wire_rx_buffer: 16 * MAX_FRAME bytes, 32 KB, the
  // depth of the BRAM a 512-bit beat needs anyway; its header says why).
  logic [DATA_W-1:0]   wb_tdata;
  logic [DATA_W/8-1:0] wb_tkeep;
  logic                wb_tlast, wb_tvalid, wb_tready;
  assign s_wire_tready = 1'b1;
  wire_rx_buffer #(
    .DATA_W(DATA_W), .MAX_FRAME(MAX_FRAME), .DEPTH_BEATS(16 * MAX_FRAME / (DATA_W / 8))
  ) u_wire_buf (
    .clk_i, .rst_ni,
    .s_axis_tdata(s_wire_tdata), .s_axis_tkeep(s_wire_tkeep), .s_axis_tlast(s_wire_tlast),
    .s_axis_tvalid(s_wire_tvalid),
    .m_axis_tdata(wb_tdata), .m_axis_tkeep(wb_tkeep), .m_axis_tlast(wb_tlast),
    .m_axis_tvalid(wb_tvalid), .m_axis_tready(wb_tready),
    .cnt_drop_o(cnt[64*espnic_regs_pkg::CNT_IN_BUFFER_DROP +: 64])
  );

  // Ingress takes whole frames from the wire buffer and the reinjected ones
  // in turn (ingress_merge).
  logic [DATA_W-1:0]   in_tdata;
  logic [DATA_W/8-1:0] in_tkeep;
  logic                in_tlast, in_tvalid, in_tready;
  ingress_merge #(.DATA_W(DATA_W)) u_in_merge (
    .clk_i, .rst_ni,
    .s0_tdata(wb_tdata), .s0_tkeep(wb_tkeep), .s0_tlast(wb_tlast), .s0_tvalid(wb_tvalid), .s0_tready(wb_tready),
    .s1_tdata(ri_tdata), .s1_tkeep(ri_tkeep), .s1_tlast(ri_tlast), .s1_tvalid(ri_tvalid), .s1_tready(ri_tready),
    .m_tdata(in_tdata), .m_tkeep(in_tkeep), .m_tlast(in_tlast), .m_tvalid(in_tvalid), .m_tready(in_tready)
  );

  esp_ingress #(
    .DATA_W(DATA_W), .SA_N(SA_N), .SPD_N(SPD_N), .SPD_L(SPD_L), .SPD_D(SPD_D), .MAX_FRAME(MAX_FRAME)
  ) u_ingress (
    .clk_i, .rst_ni,
    .default_discard_i(default_discard),
    .cls_wr_valid_i(cls_wr_valid && cls_wr_ready), .cls_wr_ready_o(cls_wr_ready_in),
    .cls_wr_table_i(cls_wr_table), .cls_wr_addr_i(cls_wr_addr), .cls_wr_data_i(cls_wr_data),
    .s_axis_tdata(in_tdata), .s_axis_tkeep(in_tkeep), .s_axis_tlast(in_tlast),
    .s_axis_tvalid(in_tvalid), .s_axis_tready(in_tready),
    .m_axis_tdata(m_host_tdata), .m_axis_tkeep(m_host_tkeep), .m_axis_tlast(m_host_tlast),
    .m_axis_tvalid(m_host_tvalid), .m_axis_tready(m_host_tready),
    .sa_ready_o(sa_ready[1]), .sa_req_valid_i(sa_req_valid && (sa_req_inbound || sa_req_both)), .sa_req_i(sa_req),
    .sa_rsp_valid_o(sa_rsp_valid[1]), .sa_rsp_cfg_o(sa_rsp_cfg_in), .sa_rsp_dyn_o(sa_rsp_dyn_in),
    .event_valid_o(event_valid[1]), .event_ready_i(event_ready[1]), .event_o(event_in),
    .cnt_frames_in_o(cnt[64*espnic_regs_pkg::CNT_IN_FRAMES_IN +: 64]), .cnt_frames_out_o(cnt[64*espnic_regs_pkg::CNT_IN_FRAMES_OUT +: 64]),
    .cnt_bytes_out_o(cnt[64*espnic_regs_pkg::CNT_IN_BYTES_OUT +: 64]), .cnt_decrypted_o(cnt[64*espnic_regs_pkg::CNT_IN_DECRYPTED +: 64]),
    .cnt_bypassed_o(cnt[64*espnic_regs_pkg::CNT_IN_BYPASSED +: 64]), .cnt_malformed_o(cnt[64*espnic_regs_pkg::CNT_IN_MALFORMED +: 64]),
    .cnt_no_sa_o(cnt[64*espnic_regs_pkg::CNT_IN_NO_SA +: 64]), .cnt_dummy_o(cnt[64*espnic_regs_pkg::CNT_IN_DUMMY +: 64]),
    .cnt_policy_o(cnt[64*espnic_regs_pkg::CNT_IN_POLICY +: 64]),
    .cnt_punted_o(cnt[64*espnic_regs_pkg::CNT_IN_REASM_PUNTED +: 64]),
    .cnt_event_lost_o(cnt[64*espnic_regs_pkg::CNT_IN_EVENT_LOST +: 64])
  );
endmodule
