// aes_gcm_delay: W-bit delay line of D >= 1 stages with a common enable and
// no reset (maps to SRL shift registers). Valid bits travel elsewhere.
module aes_gcm_delay #(
  parameter int W = 8,
  parameter int D = 1
) (
  input  logic         clk_i,
  input  logic         en_i,
  input  logic [W-1:0] d_i,
  output logic [W-1:0] q_o
);
  logic [D*W-1:0] sr_q;   // stage k in bits [W*k +: W]

  if (D == 1) begin : g_one
    always_ff @(posedge clk_i) begin
      if (en_i) sr_q <= d_i;
    end
  end else begin : g_many
    always_ff @(posedge clk_i) begin
      if (en_i) sr_q <= {sr_q[(D-1)*W-1:0], d_i};
    end
  end

  assign q_o = sr_q[(D-1)*W +: W];
endmodule
