// aes_gcm_aes_round: one registered stage of the unrolled AES pipeline for L
// lanes plus the shared on-the-fly key schedule. Stage ROUND (0..13) applies
// round ROUND with round key kwin_i[127:0] and advances the key window
// {key256, hi, lo} = {k, rk(ROUND+1), rk(ROUND)} to {k, rk(ROUND+2), rk(ROUND+1)}.
// Stage 13 outputs only rk(14) (KOUT_W = 128): the last stage needs no more.
// Stages run full rounds whatever the key size (see aes_gcm_aes_fork).
module aes_gcm_aes_round #(
  parameter int L      = 4,
  parameter int ROUND  = 1,
  parameter int KOUT_W = (ROUND == 13) ? 128 : 257
) (
  input  logic             clk_i,
  input  logic             en_i,
  input  logic [256:0]     kwin_i,    // {key256, hi, lo}
  input  logic [128*L-1:0] state_i,
  output logic [KOUT_W-1:0] kwin_o,
  output logic [128*L-1:0] state_o
);
  localparam logic [3:0] R = 4'(ROUND);

  logic [128*L-1:0]  state_d, sb;
  logic [KOUT_W-1:0] kwin_d;

  aes_gcm_subbytes #(.N(16*L)) u_sb (.x_i(state_i), .s_o(sb));

  always_comb begin
    for (int i = 0; i < L; i++) begin
      state_d[128*i +: 128] = aes_gcm_pkg::aes_pipe_round(R, state_i[128*i +: 128],
                                                          sb[128*i +: 128], kwin_i[127:0]);
    end
  end

  if (KOUT_W == 257) begin : g_key
    logic [63:0] ksb;   // SubWord of the last word of lo (low half) and hi
    aes_gcm_subbytes #(.N(8)) u_ksb (.x_i({kwin_i[255:224], kwin_i[127:96]}), .s_o(ksb));
    always_comb begin
      kwin_d = {kwin_i[256], aes_gcm_pkg::aes_key_next(kwin_i[256], R, kwin_i[127:0], kwin_i[255:128],
                                         ksb[31:0], ksb[63:32])};
    end
  end else begin : g_key_last
    // rk(14): AES-256 has it in hi already; AES-128 does not use it.
    always_comb kwin_d = kwin_i[256] ? kwin_i[255:128] : 128'h0;
  end

  always_ff @(posedge clk_i) begin
    if (en_i) begin
      state_o  <= state_d;
      kwin_o   <= kwin_d;
    end
  end
endmodule
