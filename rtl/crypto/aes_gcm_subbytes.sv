// aes_gcm_subbytes: N parallel AES S-boxes (byte k in bits [8k+7:8k]).
module aes_gcm_subbytes #(
  parameter int N = 16
) (
  input  logic [8*N-1:0] x_i,
  output logic [8*N-1:0] s_o
);
  for (genvar k = 0; k < N; k++) begin : g_sbox
    aes_gcm_sbox u_sbox (.x_i(x_i[8*k +: 8]), .s_o(s_o[8*k +: 8]));
  end
endmodule
