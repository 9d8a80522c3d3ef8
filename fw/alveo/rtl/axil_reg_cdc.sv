// axil_reg_cdc: an AXI4-Lite register slave in its own clock domain (the
// OpenNIC shell's 125 MHz AXI-Lite clock) in front of espnic_core's register
// port in the core clock domain (250 MHz), with a request/acknowledge
// handshake across the two.
//
// One access at a time: the slave takes a write (AW and W together) or a
// read (AR), alternating between them when both wait. It latches the
// address and data, then toggles a request flag. The core domain sees the
// toggle through a two-flop synchronizer, pulses reg_we or reg_re for one
// core cycle with the latched address and data (copied into core flops in
// the cycle it sees the toggle: they hold still from the toggle to the
// acknowledge), takes the read data the cycle after, and toggles its
// acknowledge flag; the AXI-Lite domain sees that
// through its own synchronizer and answers with B or R, the read data being
// stable in the core domain until the next request. No multi-bit value is
// sampled while it changes, at any ratio of the two clocks.
//
// The shell gives the box a 1 MB window; espnic's registers are its first
// ADDR_W bits (64 KB). An access above them is not forwarded and is answered
// DECERR (reads return 0). The shell's AXI-Lite has no WSTRB: every write is
// a whole 32-bit word, as the core expects.
module axil_reg_cdc #(
  parameter int unsigned ADDR_W = 16       // the core's register space, bytes
) (
  // AXI-Lite domain
  input  logic              axil_clk_i,
  input  logic              axil_rst_ni,
  input  logic              s_axil_awvalid,
  input  logic [31:0]       s_axil_awaddr,
  output logic              s_axil_awready,
  input  logic              s_axil_wvalid,
  input  logic [31:0]       s_axil_wdata,
  output logic              s_axil_wready,
  output logic              s_axil_bvalid,
  output logic [1:0]        s_axil_bresp,
  input  logic              s_axil_bready,
  input  logic              s_axil_arvalid,
  input  logic [31:0]       s_axil_araddr,
  output logic              s_axil_arready,
  output logic              s_axil_rvalid,
  output logic [31:0]       s_axil_rdata,
  output logic [1:0]        s_axil_rresp,
  input  logic              s_axil_rready,

  // core domain: espnic_core's register port (read data valid the cycle after re)
  input  logic              core_clk_i,
  input  logic              core_rst_ni,
  output logic              reg_we_o,
  output logic              reg_re_o,
  output logic [ADDR_W-1:0] reg_addr_o,
  output logic [31:0]       reg_wdata_o,
  input  logic [31:0]       reg_rdata_i
);
  localparam logic [1:0] RESP_OKAY   = 2'b00;
  localparam logic [1:0] RESP_DECERR = 2'b11;

  // ------------------------------------------------------- AXI-Lite domain
  typedef enum logic [1:0] { A_IDLE, A_WAIT, A_RESP } a_state_e;
  a_state_e          a_state_q;
  logic              a_write_q;           // the access in flight is a write
  logic              a_last_write_q;      // the last access taken was a write
  logic [ADDR_W-1:0] a_addr_q;
  logic [31:0]       a_wdata_q;
  logic              a_req_q;             // toggles once per forwarded access
  logic              a_ack_seen_q;        // the acknowledge level last seen
  logic [1:0]        a_resp_q;
  logic [31:0]       a_rdata_q;
  logic              ack_sync;            // the core's acknowledge, synchronized
  logic [31:0]       c_rdata_q;           // core domain, stable while read here

  logic take_write, take_read, addr_ok;
  always_comb begin
    take_write = 1'b0;
    take_read  = 1'b0;
    if (a_state_q == A_IDLE) begin
      if (s_axil_awvalid && s_axil_wvalid && (!s_axil_arvalid || !a_last_write_q))
        take_write = 1'b1;
      else if (s_axil_arvalid)
        take_read = 1'b1;
    end
    addr_ok = take_write ? (s_axil_awaddr[31:ADDR_W] == '0) : (s_axil_araddr[31:ADDR_W] == '0);
  end

  assign s_axil_awready = take_write;
  assign s_axil_wready  = take_write;
  assign s_axil_arready = take_read;

  always_ff @(posedge axil_clk_i) begin
    if (!axil_rst_ni) begin
      a_state_q      <= A_IDLE;
      a_write_q      <= 1'b0;
      a_last_write_q <= 1'b0;
      a_req_q        <= 1'b0;
      a_ack_seen_q   <= 1'b0;
      a_resp_q       <= RESP_OKAY;
      a_rdata_q      <= '0;
      a_addr_q       <= '0;
      a_wdata_q      <= '0;
    end else begin
      case (a_state_q)
        A_IDLE: if (take_write || take_read) begin
          a_write_q      <= take_write;
          a_last_write_q <= take_write;
          a_addr_q       <= take_write ? s_axil_awaddr[ADDR_W-1:0] : s_axil_araddr[ADDR_W-1:0];
          a_wdata_q      <= s_axil_wdata;
          a_rdata_q      <= '0;
          if (addr_ok) begin
            a_req_q   <= !a_req_q;
            a_state_q <= A_WAIT;
          end else begin
            a_resp_q  <= RESP_DECERR;
            a_state_q <= A_RESP;
          end
        end
        A_WAIT: if (ack_sync != a_ack_seen_q) begin
          a_ack_seen_q <= ack_sync;
          a_rdata_q    <= c_rdata_q;
          a_resp_q     <= RESP_OKAY;
          a_state_q    <= A_RESP;
        end
        A_RESP: if (a_write_q ? s_axil_bready : s_axil_rready) a_state_q <= A_IDLE;
        default: a_state_q <= A_IDLE;
      endcase
    end
  end

  assign s_axil_bvalid = (a_state_q == A_RESP) && a_write_q;
  assign s_axil_bresp  = a_resp_q;
  assign s_axil_rvalid = (a_state_q == A_RESP) && !a_write_q;
  assign s_axil_rdata  = a_rdata_q;
  assign s_axil_rresp  = a_resp_q;

  // ----------------------------------------------------------- core domain
  logic req_sync;
  cdc_sync u_req_sync (.clk_i(core_clk_i), .rst_ni(core_rst_ni), .d_i(a_req_q), .q_o(req_sync));

  logic c_req_seen_q, c_read_pending_q, c_ack_q, c_pulse_q, c_write_q;
  logic [ADDR_W-1:0] c_addr_q;
  logic [31:0]       c_wdata_q;
  always_ff @(posedge core_clk_i) begin
    if (!core_rst_ni) begin
      c_req_seen_q     <= 1'b0;
      c_pulse_q        <= 1'b0;
      c_write_q        <= 1'b0;
      c_read_pending_q <= 1'b0;
      c_ack_q          <= 1'b0;
      c_rdata_q        <= '0;
      c_addr_q         <= '0;
      c_wdata_q        <= '0;
    end else begin
      // Cycle 0: a new request; cycle 1: the strobe; cycle 2: read data, acknowledge.
      c_pulse_q <= 1'b0;
      if (req_sync != c_req_seen_q) begin
        c_req_seen_q <= req_sync;
        c_pulse_q    <= 1'b1;
        c_write_q    <= a_write_q;
        c_addr_q     <= a_addr_q;
        c_wdata_q    <= a_wdata_q;
      end
      c_read_pending_q <= c_pulse_q;
      if (c_read_pending_q) begin
        if (!c_write_q) c_rdata_q <= reg_rdata_i;
        c_ack_q <= !c_ack_q;
      end
    end
  end

  assign reg_we_o    = c_pulse_q && c_write_q;
  assign reg_re_o    = c_pulse_q && !c_write_q;
  assign reg_addr_o  = c_addr_q;
  assign reg_wdata_o = c_wdata_q;

  cdc_sync u_ack_sync (.clk_i(axil_clk_i), .rst_ni(axil_rst_ni), .d_i(c_ack_q), .q_o(ack_sync));
endmodule
