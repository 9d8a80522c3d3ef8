// aes_cbc_dec_round: one registered stage of the unrolled AES decryption
// pipeline of aes_cbc_dec (inverse cipher, FIPS-197 5.3): round ROUND
// (14: AddRoundKey only; 13..1 a full inverse round; 0 the last one,
// without InvMixColumns) with round key kwin_i lo, and the key schedule run
// backwards on the fly. The ROUND 14 stage takes AES-128 keys too (their
// round 10: the key step uses Rcon(10)).
// Key window {key256, hi, lo}: lo = rk(ROUND), hi = rk(ROUND-1) (AES-256);
// out: AES-256 {rk(ROUND-1), rk(ROUND-2)}, AES-128 {0, rk(ROUND-1)}.
// ROUND is the same for both key sizes at a stage: AES-128 joins the
// pipeline at round 9.
module aes_cbc_dec_round #(
  parameter int ROUND = 13
) (
  input  logic         clk_i,
  input  logic [256:0] kwin_i,
  input  logic [127:0] state_i,
  output logic [256:0] kwin_o,
  output logic [127:0] state_o
);
  localparam logic [3:0] R    = 4'(ROUND);
  localparam logic [3:0] R128 = (ROUND == 14) ? 4'd10 : 4'(ROUND);

  function automatic logic [127:0] inv_shift_rows(input logic [127:0] s);
    logic [127:0] o;
    for (int c = 0; c < 4; c++) begin
      for (int r = 0; r < 4; r++) begin
        o[8*(4*c+r) +: 8] = s[8*(4*((c - r + 4) % 4) + r) +: 8];
      end
    end
    inv_shift_rows = o;
  endfunction

  function automatic logic [7:0] gmul(input logic [7:0] a, input logic [3:0] b);
    logic [7:0] r, x;
    r = '0;
    x = a;
    for (int i = 0; i < 4; i++) begin
      if (b[i]) r = r ^ x;
      x = aes_gcm_pkg::aes_xtime(x);
    end
    gmul = r;
  endfunction

  function automatic logic [127:0] inv_mix_columns(input logic [127:0] s);
    logic [127:0] o;
    logic [7:0] a0, a1, a2, a3;
    for (int c = 0; c < 4; c++) begin
      a0 = s[32*c +: 8];
      a1 = s[32*c+8 +: 8];
      a2 = s[32*c+16 +: 8];
      a3 = s[32*c+24 +: 8];
      o[32*c +: 8]    = gmul(a0, 4'he) ^ gmul(a1, 4'hb) ^ gmul(a2, 4'hd) ^ gmul(a3, 4'h9);
      o[32*c+8 +: 8]  = gmul(a0, 4'h9) ^ gmul(a1, 4'he) ^ gmul(a2, 4'hb) ^ gmul(a3, 4'hd);
      o[32*c+16 +: 8] = gmul(a0, 4'hd) ^ gmul(a1, 4'h9) ^ gmul(a2, 4'he) ^ gmul(a3, 4'hb);
      o[32*c+24 +: 8] = gmul(a0, 4'hb) ^ gmul(a1, 4'hd) ^ gmul(a2, 4'h9) ^ gmul(a3, 4'he);
    end
    inv_mix_columns = o;
  endfunction

  logic [127:0] isr, isb, ark;
  assign isr = inv_shift_rows(state_i);
  for (genvar k = 0; k < 16; k++) begin : g_isb
    aes_inv_sbox u_isb (.x_i(isr[8*k +: 8]), .s_o(isb[8*k +: 8]));
  end
  assign ark = isb ^ kwin_i[127:0];

  // Key schedule backwards. The S-box input: AES-256 hi word 3 (rk(r-1)),
  // AES-128 lo words 3 ^ 2 (word 3 of rk(r-1)).
  logic         key256;
  logic [127:0] lo, hi;
  logic [31:0]  kin, ksb, t256, t128;
  logic [127:0] p256, p128;
  assign {key256, hi, lo} = kwin_i;
  assign kin = key256 ? hi[127:96] : (lo[127:96] ^ lo[95:64]);
  for (genvar k = 0; k < 4; k++) begin : g_ksb
    aes_gcm_sbox u_ksb (.x_i(kin[8*k +: 8]), .s_o(ksb[8*k +: 8]));
  end
  always_comb begin
    // AES-256: rk(r) word 0 came from rk(r-1) word 3 by SubWord(RotWord) and
    // Rcon(r/2) (r even) or SubWord (r odd).
    if (!R[0]) t256 = {ksb[7:0], ksb[31:8]} ^ {24'h0, aes_gcm_pkg::aes_rcon({1'b0, R[3:1]})};
    else       t256 = ksb;
    t128 = {ksb[7:0], ksb[31:8]} ^ {24'h0, aes_gcm_pkg::aes_rcon(R128)};
    p256 = {lo[127:96] ^ lo[95:64], lo[95:64] ^ lo[63:32], lo[63:32] ^ lo[31:0],
            lo[31:0] ^ t256};
    p128 = {lo[127:96] ^ lo[95:64], lo[95:64] ^ lo[63:32], lo[63:32] ^ lo[31:0],
            lo[31:0] ^ t128};
  end

  always_ff @(posedge clk_i) begin
    if (ROUND == 14)     state_o <= state_i ^ lo;
    else if (ROUND == 0) state_o <= ark;
    else                 state_o <= inv_mix_columns(ark);
    kwin_o <= key256 ? {1'b1, p256, hi} : {1'b0, 128'h0, p128};
  end
endmodule
