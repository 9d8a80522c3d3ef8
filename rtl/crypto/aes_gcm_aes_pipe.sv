// aes_gcm_aes_pipe: the unrolled AES encryption pipeline for L lanes (one
// key per stage, shared by the lanes): round 0..13 stages with the key
// schedule on the fly (aes_gcm_aes_round, the round-10 stage
// aes_gcm_aes_fork), the round-14 stage (aes_gcm_aes_final), and the
// AES-128 results of the fork waiting four stages beside rounds 11..14, so
// that every block leaves AES_STAGES = 15 enabled cycles after it entered,
// AES-128 or AES-256. Used by the GCM stream core and the CBC engine.
module aes_gcm_aes_pipe #(
  parameter int L = 4
) (
  input  logic             clk_i,
  input  logic             en_i,
  input  logic [256:0]     kwin_i,    // {key256, key} (AES-128: key[127:0])
  input  logic [128*L-1:0] state_i,   // the blocks to encrypt
  output logic [128*L-1:0] state_o    // E(K, block), 15 cycles later
);
  localparam int AES_STAGES = 15;
  // Stage s of the state in st[LW*s +: LW].
  localparam int LW = 128 * L;
  logic [LW*(AES_STAGES+1)-1:0] st;
  // Key window {key256, hi, lo} of stage s in kw[257*s +: 257]; the last
  // stage gets only its round key.
  logic [257*(AES_STAGES-1)+127:0] kw;
  assign st[LW-1:0] = state_i;
  assign kw[256:0]  = kwin_i;
  logic [LW-1:0] fin10, fin14;
  for (genvar s = 0; s < AES_STAGES - 1; s++) begin : g_aes
    if (s == 10) begin : g_fork
      aes_gcm_aes_fork #(.L(L)) u_round (
        .clk_i,
        .en_i     (en_i),
        .kwin_i   (kw[257*s +: 257]),
        .state_i  (st[LW*s +: LW]),
        .kwin_o   (kw[257*(s+1) +: 257]),
        .state_o  (st[LW*(s+1) +: LW]),
        .fin_o    (fin10)
      );
    end else begin : g_round
      aes_gcm_aes_round #(.L(L), .ROUND(s)) u_round (
        .clk_i,
        .en_i     (en_i),
        .kwin_i   (kw[257*s +: 257]),
        .state_i  (st[LW*s +: LW]),
        .kwin_o   (kw[257*(s+1) +: ((s == AES_STAGES - 2) ? 128 : 257)]),
        .state_o  (st[LW*(s+1) +: LW])
      );
    end
  end
  aes_gcm_aes_final #(.L(L)) u_final (
    .clk_i,
    .en_i     (en_i),
    .rk_i     (kw[257*(AES_STAGES-1) +: 128]),
    .state_i  (st[LW*(AES_STAGES-1) +: LW]),
    .state_o  (st[LW*AES_STAGES +: LW])
  );
  // AES-128 results leave after round 10 and wait beside stages 11..14.
  aes_gcm_delay #(.W(LW), .D(4)) u_d_fin (.clk_i, .en_i, .d_i(fin10), .q_o(fin14));
  logic k256;
  aes_gcm_delay #(.W(1), .D(AES_STAGES)) u_d_k256 (.clk_i, .en_i, .d_i(kwin_i[256]), .q_o(k256));
  assign state_o = k256 ? st[LW*AES_STAGES +: LW] : fin14;
endmodule
