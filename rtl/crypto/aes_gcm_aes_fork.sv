// aes_gcm_aes_fork: the round-10 stage of the unrolled AES pipeline for L
// lanes, like aes_gcm_aes_round with ROUND = 10 (key window
// {key256, hi, lo} = {k, rk11, rk10} -> {k, rk12, rk11}).
// Besides the full round 10 (AES-256 continues) it registers the final round
// 10 in fin_o: the AES-128 result, which bypasses stages 11..14 in a delay
// line, so that no stage of the pipeline needs a key-size mux.
module aes_gcm_aes_fork #(
  parameter int L      = 4
) (
  input  logic             clk_i,
  input  logic             en_i,
  input  logic [256:0]     kwin_i,    // {key256, hi, lo}
  input  logic [128*L-1:0] state_i,
  output logic [KOUT_W-1:0] kwin_o,
  output logic [128*L-1:0] state_o,
  output logic [128*L-1:0] fin_o
);
  localparam logic [3:0] R = 4'd10;
  localparam int KOUT_W = 257;

  logic [128*L-1:0]  state_d, fin_d, sb;
  logic [KOUT_W-1:0] kwin_d;

  aes_gcm_subbytes #(.N(16*L)) u_sb (.x_i(state_i), .s_o(sb));

  always_comb begin
    for (int i = 0; i < L; i++) begin
      state_d[128*i +: 128] = aes_gcm_pkg::aes_pipe_round(R, state_i[128*i +: 128],
                                                          sb[128*i +: 128], kwin_i[127:0]);
      fin_d[128*i +: 128]   = aes_gcm_pkg::aes_shift_rows(sb[128*i +: 128]) ^ kwin_i[127:0];
    end
  end

  logic [63:0] ksb;   // SubWord of the last word of lo (low half) and hi
  aes_gcm_subbytes #(.N(8)) u_ksb (.x_i({kwin_i[255:224], kwin_i[127:96]}), .s_o(ksb));
  always_comb begin
    kwin_d = {kwin_i[256], aes_gcm_pkg::aes_key_next(kwin_i[256], R, kwin_i[127:0], kwin_i[255:128],
                                       ksb[31:0], ksb[63:32])};
  end

  always_ff @(posedge clk_i) begin
    if (en_i) begin
      state_o  <= state_d;
      fin_o    <= fin_d;
      kwin_o   <= kwin_d;
    end
  end
endmodule
