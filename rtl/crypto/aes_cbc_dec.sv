// aes_cbc_dec: AES-CBC decryption (RFC 3602): P_i = D(K, C_i) ^ C_{i-1},
// C_0 = IV. Decryption is not chained (every C_i is known), so blocks of
// any packets, one packet's blocks back to back included, enter one per
// cycle; NCH channels keep their key and last ciphertext block between the
// blocks of a packet.
//
// Pipeline (no stalls, 18 cycles from s_* to m_*): the input register (key
// and C_{i-1} of the channel), the AddRoundKey stage (round 14 or 10), AES-256
// rounds 13..10 beside a four-stage delay for AES-128, the join register,
// rounds 9..1, the last round, the output register (XOR C_{i-1}). The key
// schedule runs backwards from the last round keys: s_dkey_i =
// {rk(Nr-1), rk(Nr)} (AES-256: {rk13, rk14}; AES-128: {0, rk10}), given
// with a packet's first block like the key of aes_cbc_enc (the host computes
// them with the SA's key, as it does the GHASH powers of GCM).
module aes_cbc_dec #(
  parameter int NCH = 18,
  // derived, not to be overridden
  parameter int CHW = (NCH > 1) ? $clog2(NCH) : 1
) (
  input  logic           clk_i,
  input  logic           rst_ni,
  input  logic           s_valid_i,
  input  logic [CHW-1:0] s_ch_i,
  input  logic           s_first_i,
  input  logic           s_key256_i,   // first block
  input  logic [255:0]   s_dkey_i,     // first block
  input  logic [127:0]   s_iv_i,       // first block
  input  logic [127:0]   s_block_i,
  output logic           m_valid_o,
  output logic [CHW-1:0] m_ch_o,
  output logic [127:0]   m_block_o
);
  localparam int STAGES = 17;      // X, ARK, 4 (AES-256) or delay, join, rounds 9..0
  logic [256:0] key_mem [NCH];     // {key256, dkey} per channel (LUTRAM)
  logic [127:0] prev_mem [NCH];    // C_{i-1} per channel (LUTRAM)

  // ------------------------------------------------------------ input --
  logic [256:0] x_kw_q;
  logic [127:0] x_c_q, x_prev_q;
  logic [CHW-1:0] x_ch_q;
  always_ff @(posedge clk_i) begin
    x_ch_q   <= s_ch_i;
    x_c_q    <= s_block_i;
    x_kw_q   <= s_first_i ? {s_key256_i, s_dkey_i} : key_mem[s_ch_i];
    x_prev_q <= s_first_i ? s_iv_i : prev_mem[s_ch_i];
    if (s_valid_i && s_first_i) key_mem[s_ch_i] <= {s_key256_i, s_dkey_i};
    if (s_valid_i) prev_mem[s_ch_i] <= s_block_i;
  end

  // -------------------------------------------------------------- AES --
  // st/kw of round r's input in st_r / kw_r.
  logic [127:0] a_st, j_st_q, s128;
  logic [256:0] a_kw, j_kw_q, k128;
  aes_cbc_dec_round #(.ROUND(14)) u_ark (
    .clk_i, .kwin_i(x_kw_q), .state_i(x_c_q), .kwin_o(a_kw), .state_o(a_st));
  // AES-256: rounds 13..10.
  logic [5*128-1:0] st256;
  logic [5*257-1:0] kw256;
  assign st256[127:0] = a_st;
  assign kw256[256:0] = a_kw;
  for (genvar i = 0; i < 4; i++) begin : g_r256
    aes_cbc_dec_round #(.ROUND(13 - i)) u_round (
      .clk_i,
      .kwin_i  (kw256[257*i +: 257]),
      .state_i (st256[128*i +: 128]),
      .kwin_o  (kw256[257*(i+1) +: 257]),
      .state_o (st256[128*(i+1) +: 128]));
  end
  aes_gcm_delay #(.W(128 + 257), .D(4)) u_d128 (
    .clk_i, .en_i(1'b1), .d_i({a_st, a_kw}), .q_o({s128, k128}));
  always_ff @(posedge clk_i) begin
    j_st_q <= k128[256] ? st256[4*128 +: 128] : s128;
    j_kw_q <= k128[256] ? kw256[4*257 +: 257] : k128;
  end
  // Rounds 9..0.
  logic [11*128-1:0] st;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [11*257-1:0] kw;           // the last window is not used
  /* verilator lint_on UNUSEDSIGNAL */
  assign st[127:0] = j_st_q;
  assign kw[256:0] = j_kw_q;
  for (genvar i = 0; i < 10; i++) begin : g_round
    aes_cbc_dec_round #(.ROUND(9 - i)) u_round (
      .clk_i,
      .kwin_i  (kw[257*i +: 257]),
      .state_i (st[128*i +: 128]),
      .kwin_o  (kw[257*(i+1) +: 257]),
      .state_o (st[128*(i+1) +: 128]));
  end

  // ----------------------------------------------------------- output --
  logic [STAGES-1:0] v_q;
  logic [CHW-1:0]    ch;
  logic [127:0]      prev;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) v_q <= '0;
    else         v_q <= {v_q[STAGES-2:0], s_valid_i};
  end
  aes_gcm_delay #(.W(CHW), .D(STAGES - 1)) u_d_ch (
    .clk_i, .en_i(1'b1), .d_i(x_ch_q), .q_o(ch));
  aes_gcm_delay #(.W(128), .D(STAGES - 1)) u_d_prev (
    .clk_i, .en_i(1'b1), .d_i(x_prev_q), .q_o(prev));
  always_ff @(posedge clk_i) begin
    if (!rst_ni) m_valid_o <= 1'b0;
    else         m_valid_o <= v_q[STAGES-1];
  end
  always_ff @(posedge clk_i) begin
    m_ch_o    <= ch;
    m_block_o <= st[10*128 +: 128] ^ prev;
  end
endmodule
