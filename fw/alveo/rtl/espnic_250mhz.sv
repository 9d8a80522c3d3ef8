// espnic_250mhz: espnic as the user plugin of the AMD OpenNIC shell's 250 MHz
// box (src/box_250mhz/box_250mhz.sv of open-nic-shell). Its ports are the
// box's own, by name, width and parameter, less the box's reset pair
// (box_rstn, box_rst_done), which the box consumes itself:
//   - s_axil_*: the box's AXI-Lite window (1 MB at BAR2 + 0x100000), in the
//     axil_aclk domain (125 MHz); espnic's registers are its first 64 KB;
//   - s_axis_qdma_h2c_* / m_axis_qdma_c2h_*: the QDMA side (host), 512 bits
//     at axis_aclk (250 MHz): espnic_core's host port;
//   - m_axis_adap_tx_250mhz_* / s_axis_adap_rx_250mhz_*: the packet adapter
//     side (CMAC), 512 bits at axis_aclk: espnic_core's wire port;
//   - mod_rstn / mod_rst_done: the box's 16 user reset pairs (AXI-Lite
//     domain); pair 0 resets espnic, the others are reported done.
//
// tuser, as the shell defines it: packets leaving the box carry their size
// in bytes in tuser_size on every beat (a packet FIFO per output counts it
// before the first beat leaves), tuser_src the port they come from (C2H: MAC
// port 0, bit 6; TX: PCIe PF 0, bit 0) and tuser_dst where they go (C2H: PF
// 0, bit 0; TX: MAC port 0, bit 6, which the packet adapter requires, or it
// drops the packet). Packets entering the box carry tkeep consistent with
// tuser_size (the shell guarantees it), so espnic_core reads tkeep and the
// entering tuser fields are not needed.
//
// espnic is one host port and one wire port: the box must be built with one
// QDMA, one physical function and one CMAC port (the shell's defaults). The
// core's event and interrupt lines have no way out of the box (the shell
// gives it no interrupt): the host polls EV_PROD.
module espnic_250mhz #(
  parameter int MIN_PKT_LEN   = 64,
  parameter int MAX_PKT_LEN   = 1518,
  parameter int USE_PHYS_FUNC = 1,
  parameter int NUM_PHYS_FUNC = 1,
  parameter int NUM_QDMA      = 1,
  parameter int NUM_CMAC_PORT = 1,
  // espnic_core's sizes (the core's defaults; the testbench makes them small)
  parameter int SA_N          = 16384,
  parameter int SPD_N         = 1024,
  parameter int SPD_D         = 8,
  parameter int MAX_FRAME     = 2048,
  parameter logic [31:0] BUILD_ID = 32'h0
) (
  input                          s_axil_awvalid,
  input                   [31:0] s_axil_awaddr,
  output                         s_axil_awready,
  input                          s_axil_wvalid,
  input                   [31:0] s_axil_wdata,
  output                         s_axil_wready,
  output                         s_axil_bvalid,
  output                   [1:0] s_axil_bresp,
  input                          s_axil_bready,
  input                          s_axil_arvalid,
  input                   [31:0] s_axil_araddr,
  output                         s_axil_arready,
  output                         s_axil_rvalid,
  output                  [31:0] s_axil_rdata,
  output                   [1:0] s_axil_rresp,
  input                          s_axil_rready,

  input      [NUM_PHYS_FUNC*NUM_QDMA-1:0] s_axis_qdma_h2c_tvalid,
  input  [512*NUM_PHYS_FUNC*NUM_QDMA-1:0] s_axis_qdma_h2c_tdata,
  input   [64*NUM_PHYS_FUNC*NUM_QDMA-1:0] s_axis_qdma_h2c_tkeep,
  input      [NUM_PHYS_FUNC*NUM_QDMA-1:0] s_axis_qdma_h2c_tlast,
  input   [16*NUM_PHYS_FUNC*NUM_QDMA-1:0] s_axis_qdma_h2c_tuser_size,
  input   [16*NUM_PHYS_FUNC*NUM_QDMA-1:0] s_axis_qdma_h2c_tuser_src,
  input   [16*NUM_PHYS_FUNC*NUM_QDMA-1:0] s_axis_qdma_h2c_tuser_dst,
  output     [NUM_PHYS_FUNC*NUM_QDMA-1:0] s_axis_qdma_h2c_tready,

  output     [NUM_PHYS_FUNC*NUM_QDMA-1:0] m_axis_qdma_c2h_tvalid,
  output [512*NUM_PHYS_FUNC*NUM_QDMA-1:0] m_axis_qdma_c2h_tdata,
  output  [64*NUM_PHYS_FUNC*NUM_QDMA-1:0] m_axis_qdma_c2h_tkeep,
  output     [NUM_PHYS_FUNC*NUM_QDMA-1:0] m_axis_qdma_c2h_tlast,
  output  [16*NUM_PHYS_FUNC*NUM_QDMA-1:0] m_axis_qdma_c2h_tuser_size,
  output  [16*NUM_PHYS_FUNC*NUM_QDMA-1:0] m_axis_qdma_c2h_tuser_src,
  output  [16*NUM_PHYS_FUNC*NUM_QDMA-1:0] m_axis_qdma_c2h_tuser_dst,
  input      [NUM_PHYS_FUNC*NUM_QDMA-1:0] m_axis_qdma_c2h_tready,

  output     [NUM_CMAC_PORT-1:0] m_axis_adap_tx_250mhz_tvalid,
  output [512*NUM_CMAC_PORT-1:0] m_axis_adap_tx_250mhz_tdata,
  output  [64*NUM_CMAC_PORT-1:0] m_axis_adap_tx_250mhz_tkeep,
  output     [NUM_CMAC_PORT-1:0] m_axis_adap_tx_250mhz_tlast,
  output  [16*NUM_CMAC_PORT-1:0] m_axis_adap_tx_250mhz_tuser_size,
  output  [16*NUM_CMAC_PORT-1:0] m_axis_adap_tx_250mhz_tuser_src,
  output  [16*NUM_CMAC_PORT-1:0] m_axis_adap_tx_250mhz_tuser_dst,
  input      [NUM_CMAC_PORT-1:0] m_axis_adap_tx_250mhz_tready,

  input      [NUM_CMAC_PORT-1:0] s_axis_adap_rx_250mhz_tvalid,
  input  [512*NUM_CMAC_PORT-1:0] s_axis_adap_rx_250mhz_tdata,
  input   [64*NUM_CMAC_PORT-1:0] s_axis_adap_rx_250mhz_tkeep,
  input      [NUM_CMAC_PORT-1:0] s_axis_adap_rx_250mhz_tlast,
  input   [16*NUM_CMAC_PORT-1:0] s_axis_adap_rx_250mhz_tuser_size,
  input   [16*NUM_CMAC_PORT-1:0] s_axis_adap_rx_250mhz_tuser_src,
  input   [16*NUM_CMAC_PORT-1:0] s_axis_adap_rx_250mhz_tuser_dst,
  output     [NUM_CMAC_PORT-1:0] s_axis_adap_rx_250mhz_tready,

  input                   [15:0] mod_rstn,
  output                  [15:0] mod_rst_done,

  input                          axil_aclk,

`ifdef __au55n__
  input                          ref_clk_100mhz,
`elsif __au55c__
  input                          ref_clk_100mhz,
`elsif __au50__
  input                          ref_clk_100mhz,
`elsif __au280__
  input                          ref_clk_100mhz,
`endif
  input                          axis_aclk
);
  localparam logic [15:0] PORT_PF0  = 16'h0001;   // tuser_src/dst: PCIe PF 0
  localparam logic [15:0] PORT_MAC0 = 16'h0040;   // tuser_src/dst: MAC port 0

`ifndef SYNTHESIS
  initial begin
    if (USE_PHYS_FUNC != 1 || NUM_PHYS_FUNC != 1 || NUM_QDMA != 1 || NUM_CMAC_PORT != 1)
      $fatal(1, "espnic_250mhz: build the shell with one QDMA, one PF and one CMAC port");
  end
`endif

  // ------------------------------------------------------------ resets
  logic axil_rst_n, core_rst_n, rst_done;
  box_reset u_reset (
    .axil_clk_i(axil_aclk), .core_clk_i(axis_aclk),
    .mod_rstn_i(mod_rstn[0]), .mod_rst_done_o(rst_done),
    .axil_rst_no(axil_rst_n), .core_rst_no(core_rst_n)
  );
  // Unused reset pairs are reported done (the shell waits for all of them).
  assign mod_rst_done = {15'h7fff, rst_done};

  // ------------------------------------------------------------ registers
  logic        reg_we, reg_re;
  logic [15:0] reg_addr;
  logic [31:0] reg_wdata, reg_rdata;
  axil_reg_cdc #(.ADDR_W(16)) u_regs (
    .axil_clk_i(axil_aclk), .axil_rst_ni(axil_rst_n),
    .s_axil_awvalid, .s_axil_awaddr, .s_axil_awready,
    .s_axil_wvalid, .s_axil_wdata, .s_axil_wready,
    .s_axil_bvalid, .s_axil_bresp, .s_axil_bready,
    .s_axil_arvalid, .s_axil_araddr, .s_axil_arready,
    .s_axil_rvalid, .s_axil_rdata, .s_axil_rresp, .s_axil_rready,
    .core_clk_i(axis_aclk), .core_rst_ni(core_rst_n),
    .reg_we_o(reg_we), .reg_re_o(reg_re), .reg_addr_o(reg_addr),
    .reg_wdata_o(reg_wdata), .reg_rdata_i(reg_rdata)
  );

  // ------------------------------------------------------------ the card
  logic [511:0] c2h_tdata, tx_tdata;
  logic [63:0]  c2h_tkeep, tx_tkeep;
  logic         c2h_tlast, c2h_tvalid, c2h_tready, tx_tlast, tx_tvalid, tx_tready;
  logic         event_pending_unused, irq_unused, busy_unused;

  espnic_core #(
    .DATA_W(512), .SA_N(SA_N), .SPD_N(SPD_N), .SPD_D(SPD_D), .MAX_FRAME(MAX_FRAME),
    .BUILD_ID(BUILD_ID)
  ) u_core (
    .clk_i(axis_aclk), .rst_ni(core_rst_n),
    .s_host_tdata(s_axis_qdma_h2c_tdata[511:0]), .s_host_tkeep(s_axis_qdma_h2c_tkeep[63:0]),
    .s_host_tlast(s_axis_qdma_h2c_tlast[0]), .s_host_tvalid(s_axis_qdma_h2c_tvalid[0]),
    .s_host_tready(s_axis_qdma_h2c_tready[0]),
    .m_host_tdata(c2h_tdata), .m_host_tkeep(c2h_tkeep), .m_host_tlast(c2h_tlast),
    .m_host_tvalid(c2h_tvalid), .m_host_tready(c2h_tready),
    .s_wire_tdata(s_axis_adap_rx_250mhz_tdata[511:0]), .s_wire_tkeep(s_axis_adap_rx_250mhz_tkeep[63:0]),
    .s_wire_tlast(s_axis_adap_rx_250mhz_tlast[0]), .s_wire_tvalid(s_axis_adap_rx_250mhz_tvalid[0]),
    .s_wire_tready(s_axis_adap_rx_250mhz_tready[0]),
    .m_wire_tdata(tx_tdata), .m_wire_tkeep(tx_tkeep), .m_wire_tlast(tx_tlast),
    .m_wire_tvalid(tx_tvalid), .m_wire_tready(tx_tready),
    .reg_we_i(reg_we), .reg_re_i(reg_re), .reg_addr_i(reg_addr), .reg_wdata_i(reg_wdata),
    .reg_rdata_o(reg_rdata), .event_pending_o(event_pending_unused), .irq_o(irq_unused),
    .busy_o(busy_unused)
  );

  // ------------------------------------------------ outputs with their size
  axis_pkt_size u_c2h_size (
    .clk_i(axis_aclk), .rst_ni(core_rst_n),
    .s_axis_tdata(c2h_tdata), .s_axis_tkeep(c2h_tkeep), .s_axis_tlast(c2h_tlast),
    .s_axis_tvalid(c2h_tvalid), .s_axis_tready(c2h_tready),
    .m_axis_tdata(m_axis_qdma_c2h_tdata[511:0]), .m_axis_tkeep(m_axis_qdma_c2h_tkeep[63:0]),
    .m_axis_tlast(m_axis_qdma_c2h_tlast[0]), .m_axis_tuser_size(m_axis_qdma_c2h_tuser_size[15:0]),
    .m_axis_tvalid(m_axis_qdma_c2h_tvalid[0]), .m_axis_tready(m_axis_qdma_c2h_tready[0])
  );
  assign m_axis_qdma_c2h_tuser_src[15:0] = PORT_MAC0;
  assign m_axis_qdma_c2h_tuser_dst[15:0] = PORT_PF0;

  axis_pkt_size u_tx_size (
    .clk_i(axis_aclk), .rst_ni(core_rst_n),
    .s_axis_tdata(tx_tdata), .s_axis_tkeep(tx_tkeep), .s_axis_tlast(tx_tlast),
    .s_axis_tvalid(tx_tvalid), .s_axis_tready(tx_tready),
    .m_axis_tdata(m_axis_adap_tx_250mhz_tdata[511:0]), .m_axis_tkeep(m_axis_adap_tx_250mhz_tkeep[63:0]),
    .m_axis_tlast(m_axis_adap_tx_250mhz_tlast[0]), .m_axis_tuser_size(m_axis_adap_tx_250mhz_tuser_size[15:0]),
    .m_axis_tvalid(m_axis_adap_tx_250mhz_tvalid[0]), .m_axis_tready(m_axis_adap_tx_250mhz_tready[0])
  );
  assign m_axis_adap_tx_250mhz_tuser_src[15:0] = PORT_PF0;
  assign m_axis_adap_tx_250mhz_tuser_dst[15:0] = PORT_MAC0;

  // Entering tuser fields (tkeep carries the size), the reset pairs 1..15,
  // MIN_PKT_LEN/MAX_PKT_LEN (the core bounds frames by MAX_FRAME and the MTU
  // register) and the HBM reference clock are not used.
  logic unused_ok;
  assign unused_ok = ^{s_axis_qdma_h2c_tuser_size, s_axis_qdma_h2c_tuser_src,
                       s_axis_qdma_h2c_tuser_dst, s_axis_adap_rx_250mhz_tuser_size,
                       s_axis_adap_rx_250mhz_tuser_src, s_axis_adap_rx_250mhz_tuser_dst,
                       mod_rstn[15:1], event_pending_unused, irq_unused, busy_unused,
                       32'(MIN_PKT_LEN), 32'(MAX_PKT_LEN)
`ifdef __au55n__
                       , ref_clk_100mhz
`elsif __au55c__
                       , ref_clk_100mhz
`elsif __au50__
                       , ref_clk_100mhz
`elsif __au280__
                       , ref_clk_100mhz
`endif
                       };
endmodule
