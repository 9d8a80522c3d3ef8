// aes_gcm_ghash: aggregated, fully pipelined GHASH + tag for L lanes.
//
// One beat per enabled cycle; beats of one packet arrive on consecutive
// enabled cycles (the stream core never lets a bubble into a packet). The
// GHASH block sequence of a packet (n' blocks, length block excluded) is
// right-aligned virtually by r = (-n') mod L leading zero blocks, so lane i of
// every beat has the fixed weight H^(L-((i+r) mod L)); lanes i < L-r belong to
// the current virtual beat (S_lo), the others to the next one (S_hi):
//   V_t = S_lo(t) ^ S_hi(t-1).
// The loop runs two interleaved accumulators (a 2-stage pipelined multiply):
//   Y_t = Y_(t-2) * H^(2L) ^ V_t,    Y = Y_T ^ Y_(T-1) * H^L,
//   tag = ((Y ^ lenblk) * H) ^ E(K,J0), rotated up by q bytes.
// Stages (each one register): G0 power select, G1/G2 lane multiply, G3 V,
// G4/G5 loop, F1/F2 * H^L, F3/F4 * H: 10 stages. The stream core rotates
// the tag by q_o bytes in its stage P (the eleventh: GHASH_LAT = 11).
// The tag output belongs to the beat that entered GHASH_LAT-1 enables
// earlier; it is meaningful for the last hashed beat (the tag beat) of a
// packet.
module aes_gcm_ghash #(
  parameter int L = 4
) (
  input  logic                           clk_i,
  input  logic                           en_i,
  input  logic [128*L-1:0]               x_i,       // GHASH blocks per lane
  input  logic [aes_gcm_pkg::HPOW_N*128-1:0] hpow_i,
  input  logic [1:0]                     r_i,       // virtual right shift (lanes)
  input  logic                           first_i,   // beat 0 of its packet
  input  logic                           rst2_i,    // beat 0 or 1 of its packet
  input  logic [127:0]                   lenblk_i,  // len(A)||len(C) block
  input  logic [127:0]                   ekj0_i,    // E(K, J0)
  input  logic [3:0]                     q_i,       // tag rotation (bytes)
  output logic [127:0]                   tag_o,     // tag, not rotated
  output logic [3:0]                     q_o        // its rotation (bytes)
);
  localparam int HN = aes_gcm_pkg::HPOW_N;

  // ---- G0: lane power select, convert to poly form
  // Lane i weight: H^(L-((i+r) mod L)) = hpow[L-1-((i+r) mod L)].
  logic [128*L-1:0] psel;
  logic [L-1:0]     lo;
  always_comb begin
    psel = '0;
    lo   = '0;
    for (int rr = 0; rr < L; rr++) begin
      if (r_i == 2'(rr)) begin
        for (int i = 0; i < L; i++) begin
          psel[128*i +: 128] = hpow_i[128*(L - 1 - ((i + rr) % L)) +: 128];
          lo[i]              = (i < L - rr);
        end
      end
    end
  end
  logic [128*L-1:0] g0_x_q, g0_p_q;
  logic [L-1:0]     g0_lo_q;
  always_ff @(posedge clk_i) begin
    if (en_i) begin
      for (int i = 0; i < L; i++) begin
        g0_x_q[128*i +: 128] <= aes_gcm_pkg::gf_poly(x_i[128*i +: 128]);
        g0_p_q[128*i +: 128] <= aes_gcm_pkg::gf_poly(psel[128*i +: 128]);
      end
      g0_lo_q <= lo;
    end
  end

  // Side band per beat: first, rst2, q, H^2L, H^L, H, lenblk, ekj0.
  logic [127:0] hsq_p, hl_p, h1_p, len_p, ekj0_p;
  assign hsq_p  = aes_gcm_pkg::gf_poly(hpow_i[128*(HN-1) +: 128]);
  assign hl_p   = aes_gcm_pkg::gf_poly(hpow_i[128*(L-1) +: 128]);
  assign h1_p   = aes_gcm_pkg::gf_poly(hpow_i[127:0]);
  assign len_p  = aes_gcm_pkg::gf_poly(lenblk_i);
  assign ekj0_p = aes_gcm_pkg::gf_poly(ekj0_i);

  // A stage written by the k-th enable after the beat entered reads side band
  // delayed by k-1: first at G3 (3) and F1 (6), H^2L and rst2 at G4 (4),
  // H^L at F1 (6), lenblk at F2 (7), H at F3 (8), ekj0 at F4 (9); q leaves
  // with the tag (10).
  logic [127:0] hsq_4, hl_6, len_7, h1_8, ekj0_9;
  logic         rst2_4, first_3, first_6;
  logic [3:0]   q_10;
  aes_gcm_delay #(.W(128), .D(4)) u_d_hsq (.clk_i, .en_i, .d_i(hsq_p), .q_o(hsq_4));
  aes_gcm_delay #(.W(1),   .D(4)) u_d_rst (.clk_i, .en_i, .d_i(rst2_i), .q_o(rst2_4));
  aes_gcm_delay #(.W(1),   .D(3)) u_d_f3  (.clk_i, .en_i, .d_i(first_i), .q_o(first_3));
  aes_gcm_delay #(.W(1),   .D(3)) u_d_f6  (.clk_i, .en_i, .d_i(first_3), .q_o(first_6));
  aes_gcm_delay #(.W(128), .D(6)) u_d_hl  (.clk_i, .en_i, .d_i(hl_p), .q_o(hl_6));
  aes_gcm_delay #(.W(128), .D(7)) u_d_len (.clk_i, .en_i, .d_i(len_p), .q_o(len_7));
  aes_gcm_delay #(.W(128), .D(8)) u_d_h1  (.clk_i, .en_i, .d_i(h1_p), .q_o(h1_8));
  aes_gcm_delay #(.W(128), .D(9)) u_d_ek  (.clk_i, .en_i, .d_i(ekj0_p), .q_o(ekj0_9));
  aes_gcm_delay #(.W(4),   .D(10)) u_d_q  (.clk_i, .en_i, .d_i(q_i), .q_o(q_10));

  // ---- G1/G2: lane products x_i * H^e_i
  logic [4*159*L-1:0] g1_pp_q;
  logic [L-1:0]       g1_lo_q, g2_lo_q;
  logic [128*L-1:0]   g2_z_q;
  always_ff @(posedge clk_i) begin
    if (en_i) begin
      for (int i = 0; i < L; i++) begin
        for (int c = 0; c < 4; c++) begin
          g1_pp_q[4*159*i + 159*c +: 159] <= aes_gcm_pkg::gf_pp(g0_x_q[128*i +: 128],
                                                                g0_p_q[128*i +: 128], c);
        end
        g2_z_q[128*i +: 128] <= aes_gcm_pkg::gf_red(g1_pp_q[4*159*i +: 4*159]);
      end
      g1_lo_q <= g0_lo_q;
      g2_lo_q <= g1_lo_q;
    end
  end

  // ---- G3: V_t = S_lo(t) ^ S_hi(t-1)
  logic [127:0] slo, shi, shi_q, g3_v_q;
  always_comb begin
    slo = '0;
    shi = '0;
    for (int i = 0; i < L; i++) begin
      if (g2_lo_q[i]) slo = slo ^ g2_z_q[128*i +: 128];
      else            shi = shi ^ g2_z_q[128*i +: 128];
    end
  end
  always_ff @(posedge clk_i) begin
    if (en_i) begin
      g3_v_q <= slo ^ (first_3 ? 128'h0 : shi_q);
      shi_q  <= shi;
    end
  end

  // ---- G4/G5: two-slot loop Y <- Y * H^(2L) ^ V
  logic [4*159-1:0] g4_pp_q;
  logic [127:0]     g4_v_q, g5_y_q, g5_yprev_q;
  logic             g4_rst_q;
  always_ff @(posedge clk_i) begin
    if (en_i) begin
      for (int c = 0; c < 4; c++) begin
        g4_pp_q[159*c +: 159] <= aes_gcm_pkg::gf_pp(g5_y_q, hsq_4, c);
      end
      g4_v_q     <= g3_v_q;
      g4_rst_q   <= rst2_4;
      g5_y_q     <= (g4_rst_q ? 128'h0 : aes_gcm_pkg::gf_red(g4_pp_q)) ^ g4_v_q;
      g5_yprev_q <= g5_y_q;
    end
  end

  // ---- F1/F2: Y = Y_T ^ Y_(T-1) * H^L, then ^ lenblk
  logic [4*159-1:0] f1_pp_q, f3_pp_q;
  logic [127:0]     f1_y_q, f2_y_q, f4_t_q;
  always_ff @(posedge clk_i) begin
    if (en_i) begin
      for (int c = 0; c < 4; c++) begin
        f1_pp_q[159*c +: 159] <= aes_gcm_pkg::gf_pp(first_6 ? 128'h0 : g5_yprev_q, hl_6, c);
        f3_pp_q[159*c +: 159] <= aes_gcm_pkg::gf_pp(f2_y_q, h1_8, c);
      end
      f1_y_q   <= g5_y_q;
      f2_y_q   <= aes_gcm_pkg::gf_red(f1_pp_q) ^ f1_y_q ^ len_7;
      f4_t_q   <= aes_gcm_pkg::gf_poly(aes_gcm_pkg::gf_red(f3_pp_q) ^ ekj0_9);
    end
  end

  assign tag_o = f4_t_q;
  assign q_o   = q_10;
endmodule
