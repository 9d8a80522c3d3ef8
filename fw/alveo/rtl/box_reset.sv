// box_reset: the OpenNIC shell's reset pair (mod_rstn, mod_rst_done, both in
// the AXI-Lite clock domain) turned into one synchronous reset per clock
// domain, with a request/acknowledge handshake so the shell hears "done" only
// after both domains went through reset and came out of it.
//
// The shell pulls mod_rstn low (one cycle or more) and waits for
// mod_rst_done to rise. Here, in the AXI-Lite domain: on mod_rstn low (and at
// configuration) done falls and a reset request rises; the request reaches
// the core clock through a synchronizer and holds the core in reset; the core
// domain's view of it comes back through a second synchronizer. After at
// least HOLD_CYCLES AXI-Lite cycles and the acknowledge, the request falls;
// once the core domain has seen it fall (acknowledge low), the AXI-Lite
// domain leaves reset too and done rises. The core is out of reset before
// any register access can start, whatever the ratio of the two clocks.
module box_reset #(
  parameter int unsigned HOLD_CYCLES = 32    // AXI-Lite cycles, at least 2
) (
  input  logic axil_clk_i,
  input  logic core_clk_i,
  input  logic mod_rstn_i,       // shell: reset request, active low (AXI-Lite domain)
  output logic mod_rst_done_o,   // shell: reset finished (AXI-Lite domain)
  output logic axil_rst_no,      // AXI-Lite domain reset, synchronous, active low
  output logic core_rst_no       // core domain reset, synchronous, active low
);
  typedef enum logic [1:0] { S_HOLD, S_RELEASE, S_DONE } state_e;
  localparam int unsigned CW = $clog2(HOLD_CYCLES + 1);

  // Configuration values: the card starts in reset whether or not the shell
  // pulses mod_rstn at power-up.
  state_e          state_q = S_HOLD;
  logic [CW-1:0]   hold_q  = '0;
  logic            req_q   = 1'b1;   // to the core domain: be in reset
  logic            ack;              // the core domain is in reset (synchronized)

  always_ff @(posedge axil_clk_i) begin
    if (!mod_rstn_i) begin
      state_q <= S_HOLD;
      hold_q  <= '0;
      req_q   <= 1'b1;
    end else begin
      case (state_q)
        S_HOLD: begin
          if (32'(hold_q) != HOLD_CYCLES) hold_q <= hold_q + 1'b1;
          else if (ack) begin
            state_q <= S_RELEASE;
            req_q   <= 1'b0;
          end
        end
        S_RELEASE: if (!ack) state_q <= S_DONE;
        default: ;
      endcase
    end
  end

  assign axil_rst_no    = (state_q == S_DONE);
  assign mod_rst_done_o = (state_q == S_DONE);

  // Core domain: the request, synchronized, is the core's reset.
  logic core_in_reset;
  cdc_sync #(.RESET_VAL(1'b1)) u_req_sync (
    .clk_i(core_clk_i), .rst_ni(1'b1), .d_i(req_q), .q_o(core_in_reset)
  );
  // A flip-flop of the core domain drives the way back (and the core's reset).
  logic core_rst_q = 1'b1;
  always_ff @(posedge core_clk_i) core_rst_q <= core_in_reset;
  assign core_rst_no = !core_rst_q;

  cdc_sync #(.RESET_VAL(1'b1)) u_ack_sync (
    .clk_i(axil_clk_i), .rst_ni(1'b1), .d_i(core_rst_q), .q_o(ack)
  );
endmodule
