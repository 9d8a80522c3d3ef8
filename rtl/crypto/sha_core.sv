// sha_core: the SHA-1 / SHA-256 / SHA-512 compression function (ALG, one
// family per instance; SHA-384 is the SHA-512 core with the SHA-384 IV) with
// contexts interleaved, so that one engine works on blocks of many packets
// at once.
//
// Structure: a ring of U round units (sha_round), each two pipeline stages,
// so 2*U contexts are in flight; every cycle every unit does one round of the
// context in it. A context enters at unit 0 with round 0 and goes around the
// ring R/U times (R = 64 or 80 rounds; R % U == 0), one round per unit, and
// leaves after unit U-1's last round: 2*R cycles per block whatever U, and
// U/R blocks per cycle per engine (U = 1: one block per 64 or 80 cycles;
// U = R: fully unrolled, one block per cycle). A new block enters in the
// slot a finished (or empty) context leaves, so chained blocks of one packet
// follow each other at 2*R + 3 cycles and other packets fill the ring.
//
// Interface: s_* hands in one block (s_block_i, bytes, byte k in bits
// [8k+7:8k]) with the chaining value it starts from (s_state_i, words, H0 in
// the low bits: an IV, an HMAC pad state, or the previous block's m_state_o)
// and a tag (s_meta_i) that comes back with the result. s_ready_o does not
// depend on s_valid_i. m_* has no ready: a result is valid for one cycle,
// 2*R + 3 cycles after its block was taken (the caller keeps it).
module sha_core #(
  parameter int ALG    = sha_pkg::ALG_SHA256,
  parameter int U      = 1,      // round units: R % U == 0
  parameter int META_W = 8,
  // derived, not to be overridden
  parameter int WS = (ALG == sha_pkg::ALG_SHA512) ? 64 : 32,
  parameter int NW = (ALG == sha_pkg::ALG_SHA1) ? 5 : 8,
  parameter int BB = 2 * WS      // block bytes (16 words)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              s_valid_i,
  output logic              s_ready_o,
  input  logic [META_W-1:0] s_meta_i,
  input  logic [NW*WS-1:0]  s_state_i,
  input  logic [8*BB-1:0]   s_block_i,
  output logic              m_valid_o,
  output logic [META_W-1:0] m_meta_o,
  output logic [NW*WS-1:0]  m_state_o
);
  localparam int SW = (NW - 1) * WS;

  // ---------------------------------------------------------- input --
  // The input register: inserting a block adds h[NW-1] + K_0 + W_0, so the
  // block waits here first (s_* may come from logic of the caller).
  logic              in_v_q;
  logic [META_W-1:0] in_meta_q;
  logic [NW*WS-1:0]  in_h_q;
  logic [16*WS-1:0]  in_w_q;
  logic              free;      // the ring's entry slot is free this cycle

  logic [16*WS-1:0]  s_words;   // big-endian words of the block
  always_comb begin
    for (int i = 0; i < 16; i++) begin
      for (int b = 0; b < WS / 8; b++) begin
        s_words[WS*i + WS - 8 - 8*b +: 8] = s_block_i[8*(WS/8*i + b) +: 8];
      end
    end
  end

  assign s_ready_o = !in_v_q || free;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) in_v_q <= 1'b0;
    else if (s_ready_o) in_v_q <= s_valid_i;
  end
  always_ff @(posedge clk_i) begin
    if (s_ready_o && s_valid_i) begin
      in_meta_q <= s_meta_i;
      in_h_q    <= s_state_i;
      in_w_q    <= s_words;
    end
  end

  // ----------------------------------------------------------- ring --
  // Register j (the input of unit j), j = 0..U-1, in the slices below.
  logic [U-1:0]        r_v;
  logic [7*U-1:0]      r_t;
  logic [META_W*U-1:0] r_meta;
  logic [SW*U-1:0]     r_st;
  logic [WS*U-1:0]     r_xkw, r_kn;
  logic [16*WS*U-1:0]  r_w;
  logic [NW*WS*U-1:0]  r_h;
  // Unit j's stage B outputs.
  logic [U-1:0]        u_v, u_last, u_free;
  logic [7*U-1:0]      u_t;
  logic [META_W*U-1:0] u_meta;
  logic [SW*U-1:0]     u_st;
  logic [WS*U-1:0]     u_xkw, u_kn;
  logic [16*WS*U-1:0]  u_w;
  logic [NW*WS*U-1:0]  u_h;

  for (genvar j = 0; j < U; j++) begin : g_unit
    sha_round #(.ALG(ALG), .META_W(META_W)) u_round (
      .clk_i, .rst_ni,
      .v_i    (r_v[j]),
      .t_i    (r_t[7*j +: 7]),
      .meta_i (r_meta[META_W*j +: META_W]),
      .st_i   (r_st[SW*j +: SW]),
      .xkw_i  (r_xkw[WS*j +: WS]),
      .kn_i   (r_kn[WS*j +: WS]),
      .w_i    (r_w[16*WS*j +: 16*WS]),
      .h_i    (r_h[NW*WS*j +: NW*WS]),
      .v_o    (u_v[j]),
      .last_o (u_last[j]),
      .free_o (u_free[j]),
      .t_o    (u_t[7*j +: 7]),
      .meta_o (u_meta[META_W*j +: META_W]),
      .st_o   (u_st[SW*j +: SW]),
      .xkw_o  (u_xkw[WS*j +: WS]),
      .kn_o   (u_kn[WS*j +: WS]),
      .w_o    (u_w[16*WS*j +: 16*WS]),
      .h_o    (u_h[NW*WS*j +: NW*WS])
    );
    if (j > 0) begin : g_next
      always_ff @(posedge clk_i) begin
        if (!rst_ni) r_v[j] <= 1'b0;
        else         r_v[j] <= u_v[j-1];
      end
      always_ff @(posedge clk_i) begin
        r_t[7*j +: 7]                 <= u_t[7*(j-1) +: 7];
        r_meta[META_W*j +: META_W]    <= u_meta[META_W*(j-1) +: META_W];
        r_st[SW*j +: SW]              <= u_st[SW*(j-1) +: SW];
        r_xkw[WS*j +: WS]             <= u_xkw[WS*(j-1) +: WS];
        r_kn[WS*j +: WS]              <= u_kn[WS*(j-1) +: WS];
        r_w[16*WS*j +: 16*WS]         <= u_w[16*WS*(j-1) +: 16*WS];
        r_h[NW*WS*j +: NW*WS]         <= u_h[NW*WS*(j-1) +: NW*WS];
      end
    end
  end

  // Register 0: unit U-1's context goes around again, or a finished one
  // leaves and the input block (if any) takes its slot.
  localparam int LU = U - 1;
  assign free = u_free[LU];
  always_ff @(posedge clk_i) begin
    if (!rst_ni) r_v[0] <= 1'b0;
    else         r_v[0] <= free ? in_v_q : u_v[LU];
  end
  always_ff @(posedge clk_i) begin
    if (free) begin
      r_t[6:0]           <= 7'd0;
      r_meta[META_W-1:0] <= in_meta_q;
      r_st[SW-1:0]       <= in_h_q[SW-1:0];
      r_xkw[WS-1:0]      <= in_h_q[SW +: WS] + WS'(sha_pkg::round_k(ALG, 0)) + in_w_q[WS-1:0];
      r_kn[WS-1:0]       <= WS'(sha_pkg::round_k(ALG, 1));
      r_w[16*WS-1:0]     <= in_w_q;
      r_h[NW*WS-1:0]     <= in_h_q;
    end else begin
      r_t[6:0]           <= u_t[7*LU +: 7];
      r_meta[META_W-1:0] <= u_meta[META_W*LU +: META_W];
      r_st[SW-1:0]       <= u_st[SW*LU +: SW];
      r_xkw[WS-1:0]      <= u_xkw[WS*LU +: WS];
      r_kn[WS-1:0]       <= u_kn[WS*LU +: WS];
      r_w[16*WS-1:0]     <= u_w[16*WS*LU +: 16*WS];
      r_h[NW*WS-1:0]     <= u_h[NW*WS*LU +: NW*WS];
    end
  end

  // --------------------------------------------------------- output --
  // o1: the finished working variables; m_*: plus the chaining value.
  logic              o1_v_q;
  logic [META_W-1:0] o1_meta_q;
  logic [NW*WS-1:0]  o1_st_q, o1_h_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      o1_v_q    <= 1'b0;
      m_valid_o <= 1'b0;
    end else begin
      o1_v_q    <= u_last[LU];
      m_valid_o <= o1_v_q;
    end
  end
  always_ff @(posedge clk_i) begin
    o1_meta_q <= u_meta[META_W*LU +: META_W];
    o1_st_q   <= {u_xkw[WS*LU +: WS], u_st[SW*LU +: SW]};
    o1_h_q    <= u_h[NW*WS*LU +: NW*WS];
    m_meta_o  <= o1_meta_q;
    for (int i = 0; i < NW; i++) begin
      m_state_o[WS*i +: WS] <= o1_st_q[WS*i +: WS] + o1_h_q[WS*i +: WS];
    end
  end
endmodule
