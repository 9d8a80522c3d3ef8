// aes_gcm_aes_final: the last (round 14) stage of the unrolled AES pipeline:
// like aes_gcm_aes_round without a key schedule output (AES-256 only).
module aes_gcm_aes_final #(
  parameter int L = 4
) (
  input  logic             clk_i,
  input  logic             en_i,
  input  logic [127:0]     rk_i,
  input  logic [128*L-1:0] state_i,
  output logic [128*L-1:0] state_o
);
  logic [128*L-1:0] state_d, sb;

  aes_gcm_subbytes #(.N(16*L)) u_sb (.x_i(state_i), .s_o(sb));

  always_comb begin
    for (int i = 0; i < L; i++) begin
      state_d[128*i +: 128] = aes_gcm_pkg::aes_pipe_round(4'd14, state_i[128*i +: 128],
                                                          sb[128*i +: 128], rk_i);
    end
  end

  always_ff @(posedge clk_i) begin
    if (en_i) state_o <= state_d;
  end
endmodule
