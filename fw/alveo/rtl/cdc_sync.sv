// cdc_sync: a level synchronizer, STAGES flip-flops in the destination
// clock domain. The input must come from a flip-flop of the source domain
// (no logic between it and the first stage) and must hold each level long
// enough for the destination to see it (a toggle or a handshake does). The
// stages carry ASYNC_REG so Vivado places them together and treats the first
// as a metastability catcher; RESET_VAL is what they hold in reset and after
// configuration.
module cdc_sync #(
  parameter int unsigned STAGES    = 2,
  parameter logic        RESET_VAL = 1'b0
) (
  input  logic clk_i,      // destination clock
  input  logic rst_ni,     // destination reset (synchronous)
  input  logic d_i,        // from a source-domain flip-flop
  output logic q_o
);
  (* ASYNC_REG = "TRUE" *) logic [STAGES-1:0] sync_q = {STAGES{RESET_VAL}};

  always_ff @(posedge clk_i) begin
    if (!rst_ni) sync_q <= {STAGES{RESET_VAL}};
    else         sync_q <= {sync_q[STAGES-2:0], d_i};
  end

  assign q_o = sync_q[STAGES-1];
endmodule
