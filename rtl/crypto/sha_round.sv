// sha_round: one round unit of sha_core: one SHA-1 / SHA-256 / SHA-512 round
// in two pipeline stages, so that a round stays within 6 LUT levels (the
// 64-bit additions of SHA-512 alone are 3). Stage A (from the unit's input
// register, in sha_core) computes the partial sums and the next message
// word halves into the mid register here; stage B (combinational, into the
// next register of sha_core's ring) finishes the additions. The two stages
// hold two different contexts: a context spends two cycles per round.
//
// The context that travels (see sha_core):
//   st  : the working variables but the last (SHA-2 a..g, SHA-1 a..d)
//   xkw : the last variable plus K_t and W_t (SHA-2 h+K+W, SHA-1 e+K+W);
//         after the last round it holds the last variable itself
//   kn  : K_{t+1};  w : W_t .. W_{t+15} (word k in [WS*k +: WS])
//   h   : the chaining value the block started from (for the final add)
module sha_round #(
  parameter int ALG    = sha_pkg::ALG_SHA256,
  parameter int META_W = 1,
  // derived (sha_pkg::word_w, state_words, rounds), not to be overridden
  parameter int WS = (ALG == sha_pkg::ALG_SHA512) ? 64 : 32,
  parameter int NW = (ALG == sha_pkg::ALG_SHA1) ? 5 : 8,
  parameter int R  = (ALG == sha_pkg::ALG_SHA256) ? 64 : 80
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   v_i,
  input  logic [6:0]             t_i,
  input  logic [META_W-1:0]      meta_i,
  input  logic [(NW-1)*WS-1:0]   st_i,
  input  logic [WS-1:0]          xkw_i,
  input  logic [WS-1:0]          kn_i,
  input  logic [16*WS-1:0]       w_i,
  input  logic [NW*WS-1:0]       h_i,
  output logic                   v_o,
  output logic                   last_o,     // v_o and the round just done was the last
  output logic                   free_o,     // the context in stage B leaves or is empty
  output logic [6:0]             t_o,
  output logic [META_W-1:0]      meta_o,
  output logic [(NW-1)*WS-1:0]   st_o,
  output logic [WS-1:0]          xkw_o,
  output logic [WS-1:0]          kn_o,
  output logic [16*WS-1:0]       w_o,
  output logic [NW*WS-1:0]       h_o
);
  function automatic logic [WS-1:0] rotr(input logic [WS-1:0] x, input int n);
    rotr = (x >> n) | (x << (WS - n));
  endfunction

  // ----------------------------------------------------------- stage A --
  // Mid register: common part.
  logic              m_v_q, m_last_q;
  logic [6:0]        m_tn_q, m_tk_q;       // t+1; t+2 (the K index for kn_o)
  logic [META_W-1:0] m_meta_q;
  logic [15*WS-1:0]  m_w_q;                // W_{t+1} .. W_{t+15}
  logic [NW*WS-1:0]  m_h_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) m_v_q <= 1'b0;
    else         m_v_q <= v_i;
  end
  always_ff @(posedge clk_i) begin
    m_last_q <= (t_i == 7'(R - 1));
    m_tn_q   <= t_i + 7'd1;
    m_tk_q   <= t_i + 7'd2;
    m_meta_q <= meta_i;
    m_w_q    <= w_i[16*WS-1:WS];
    m_h_q    <= h_i;
  end

  // K_{t+2} for the next round's precomputation: a ROM indexed by a
  // register (a table, not a chain of compares: 2 LUT levels), zero past
  // the last round.
  function automatic logic [WS*128-1:0] k_table();
    logic [WS*128-1:0] tab;
    tab = '0;
    for (int i = 0; i < R; i++) tab[WS*i +: WS] = WS'(sha_pkg::round_k(ALG, i));
    k_table = tab;
  endfunction
  localparam logic [WS*128-1:0] KTAB = k_table();
  logic [WS-1:0] k_next;
  assign k_next = KTAB[WS*m_tk_q +: WS];

  assign v_o    = m_v_q;
  assign last_o = m_v_q && m_last_q;
  assign free_o = !m_v_q || m_last_q;
  assign t_o    = m_tn_q;
  assign meta_o = m_meta_q;
  assign h_o    = m_h_q;
  assign kn_o   = k_next;

  if (ALG == sha_pkg::ALG_SHA1) begin : g_sha1
    // a' = rotl5(a) + f_t(b,c,d) + (e + K_t + W_t); b' = a; c' = rotl30(b);
    // d' = c; e' = d; next e+K+W = d + K_{t+1} + W_{t+1}.
    logic [31:0] a, b, c, d, f, w0, w1, w2, w8, w13;
    logic [31:0] m_tmp_q, m_a_q, m_b_q, m_c_q, m_d_q, m_dkw_q, m_wn_q;
    assign {d, c, b, a} = st_i;
    assign w0  = w_i[0 +: 32];
    assign w1  = w_i[32 +: 32];
    assign w2  = w_i[64 +: 32];
    assign w8  = w_i[256 +: 32];
    assign w13 = w_i[416 +: 32];
    always_comb begin
      if (t_i < 7'd20)      f = (b & c) | (~b & d);
      else if (t_i < 7'd40) f = b ^ c ^ d;
      else if (t_i < 7'd60) f = (b & c) | (b & d) | (c & d);
      else                  f = b ^ c ^ d;
    end
    logic [31:0] wx;
    assign wx = w13 ^ w8 ^ w2 ^ w0;
    always_ff @(posedge clk_i) begin
      m_tmp_q <= {a[26:0], a[31:27]} + f + xkw_i;
      m_dkw_q <= d + kn_i + w1;
      m_wn_q  <= {wx[30:0], wx[31]};
      m_a_q   <= a;
      m_b_q   <= b;
      m_c_q   <= c;
      m_d_q   <= d;
    end
    // ------------------------------------------------------- stage B --
    assign st_o  = {m_c_q, {m_b_q[1:0], m_b_q[31:2]}, m_a_q, m_tmp_q};
    assign xkw_o = m_last_q ? m_d_q : m_dkw_q;
    assign w_o   = {m_wn_q, m_w_q};
  end else begin : g_sha2
    logic [WS-1:0] a, b, c, d, e, f, g, w0, w1, w9, w14;
    logic [WS-1:0] bs0, bs1, ss0, ss1, ch, maj;
    logic [WS-1:0] m_t1_q, m_t2_q, m_gkw_q, m_p0_q, m_p1_q;
    logic [WS-1:0] m_a_q, m_b_q, m_c_q, m_d_q, m_e_q, m_f_q, m_g_q;
    assign {g, f, e, d, c, b, a} = st_i;
    assign w0  = w_i[0 +: WS];
    assign w1  = w_i[WS +: WS];
    assign w9  = w_i[9*WS +: WS];
    assign w14 = w_i[14*WS +: WS];
    always_comb begin
      if (WS == 32) begin
        bs0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        bs1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        ss0 = rotr(w1, 7) ^ rotr(w1, 18) ^ (w1 >> 3);
        ss1 = rotr(w14, 17) ^ rotr(w14, 19) ^ (w14 >> 10);
      end else begin
        bs0 = rotr(a, 28) ^ rotr(a, 34) ^ rotr(a, 39);
        bs1 = rotr(e, 14) ^ rotr(e, 18) ^ rotr(e, 41);
        ss0 = rotr(w1, 1) ^ rotr(w1, 8) ^ (w1 >> 7);
        ss1 = rotr(w14, 19) ^ rotr(w14, 61) ^ (w14 >> 6);
      end
      ch  = (e & f) ^ (~e & g);
      maj = (a & b) ^ (a & c) ^ (b & c);
    end
    always_ff @(posedge clk_i) begin
      m_t1_q  <= xkw_i + bs1 + ch;
      m_t2_q  <= bs0 + maj;
      m_gkw_q <= g + kn_i + w1;
      m_p0_q  <= ss0 + w0;
      m_p1_q  <= ss1 + w9;
      m_a_q   <= a;
      m_b_q   <= b;
      m_c_q   <= c;
      m_d_q   <= d;
      m_e_q   <= e;
      m_f_q   <= f;
      m_g_q   <= g;
    end
    // ------------------------------------------------------- stage B --
    assign st_o  = {m_f_q, m_e_q, m_d_q + m_t1_q, m_c_q, m_b_q, m_a_q, m_t1_q + m_t2_q};
    assign xkw_o = m_last_q ? m_g_q : m_gkw_q;
    assign w_o   = {m_p0_q + m_p1_q, m_w_q};
  end
endmodule
