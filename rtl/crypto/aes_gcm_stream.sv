// aes_gcm_stream: fully unrolled AES-GCM (RFC 4106 ESP) streaming core with
// L = DATA_W/128 lanes, one beat per cycle.
//
// Input packet: [header block 16 B][aad_blocks x 16 B AAD][payload len B].
// Block b of a packet sits in lane b % L of beat b / L. Lane of block 0 (the
// header) computes E(K, J0) (counter 1); payload block p uses counter p+2;
// AAD lanes are hashed, not encrypted. GHASH blocks: ctx.aad (in the header
// slot), AAD blocks, ciphertext blocks, then len(A)||len(C).
//
// E = 16 + 16*aad_blocks + ciphertext bytes is where the ICV starts; the
// "tag beat" is the beat holding byte E-1. Encrypt writes the tag at bytes
// [E, E+16) (one extra output beat if it does not fit); decrypt compares
// those input bytes with the tag and cuts the output at E.
//
// Pipeline (one global enable): R0 input register, R1 the packet's figures
// (ICV position), 15 AES stages (round 0..14, AES-128 passes rounds
// 11..14) with the per-beat flags and byte masks computed beside round 0,
// XR (XOR and GHASH input), GHASH_LAT stages of GHASH with the data in a
// delay line beside it (the last one, P, places the tag and compares it
// byte by byte), the output formatting and the output register. Latency from an accepted
// beat to its output beat: 30 cycles. Inside a packet the pipeline advances
// only when an input beat is accepted (no bubbles inside a packet; a stalled
// sender therefore also holds that packet's tail in the pipeline); between
// packets it drains freely.
module aes_gcm_stream #(
  parameter int DATA_W = 512
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic [DATA_W-1:0]        s_axis_tdata,
  input  logic [DATA_W/8-1:0]      s_axis_tkeep,
  input  logic                     s_axis_tlast,
  input  logic                     s_axis_tvalid,
  output logic                     s_axis_tready,
  input  aes_gcm_pkg::gcm_ctx_t    s_ctx_i,
  output logic [DATA_W-1:0]        m_axis_tdata,
  output logic [DATA_W/8-1:0]      m_axis_tkeep,
  output logic                     m_axis_tlast,
  output logic                     m_axis_tvalid,
  input  logic                     m_axis_tready,
  output logic                     m_axis_tuser
);
  localparam int L     = DATA_W / 128;
  localparam int WB    = DATA_W / 8;
  localparam int LOGL  = $clog2(L);
  localparam int LOGWB = $clog2(WB);
  localparam int HN    = aes_gcm_pkg::HPOW_N;
  localparam int AES_STAGES = 15;
  localparam int GL    = aes_gcm_pkg::GHASH_LAT;

  logic en;          // global pipeline enable
  logic accept;

  // ------------------------------------------------------------ input --
  logic                   in_pkt_q;
  logic [15:0]            beat_q;
  aes_gcm_pkg::gcm_ctx_t  ctx_q;
  logic [63:0]            iv_q;

  logic                   r0_valid_q, r0_first_q, r0_last_q;
  logic [DATA_W-1:0]      r0_data_q;
  logic [WB-1:0]          r0_keep_q;
  logic [15:0]            r0_beat_q;
  aes_gcm_pkg::gcm_ctx_t  r0_ctx_q;
  logic [63:0]            r0_iv_q;

  assign accept = s_axis_tvalid && s_axis_tready;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      in_pkt_q   <= 1'b0;
      beat_q     <= '0;
      r0_valid_q <= 1'b0;
    end else if (en) begin
      r0_valid_q <= accept;
      if (accept) begin
        in_pkt_q <= !s_axis_tlast;
        beat_q   <= (in_pkt_q ? beat_q : 16'd0) + 16'd1;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (en && accept) begin
      r0_data_q  <= s_axis_tdata;
      r0_keep_q  <= s_axis_tkeep;
      r0_last_q  <= s_axis_tlast;
      r0_first_q <= !in_pkt_q;
      r0_beat_q  <= in_pkt_q ? beat_q : 16'd0;
      r0_ctx_q   <= in_pkt_q ? ctx_q : s_ctx_i;
      r0_iv_q    <= in_pkt_q ? iv_q : s_axis_tdata[127:64];
      if (!in_pkt_q) begin
        ctx_q <= s_ctx_i;
        iv_q  <= s_axis_tdata[127:64];
      end
    end
  end

  // ------------------------------------------------------- annotation --
  // Two steps, so that neither is deep: R1 computes the packet's figures
  // from the context (each a single adder over registers), the step after
  // it (beside AES round 0) the per-beat flags and byte masks from them.
  //   e   = 16 + 16*aad_blocks + ciphertext bytes (ICV position)
  //   em1 = e - 1, eblk = e / 16, q = e mod 16 = ciphertext bytes mod 16
  logic          a_byp, a_enc, a_dec, a_short;
  logic [15:0]   a_ctlen;
  logic [16:0]   a_em1, a_eblk, a_sum;
  logic [16:0]   a_k_dec, a_k_enc, a_m_dec, a_m_enc, a_b0;
  logic [12:0]   a_sh, a_sh1;
  logic [128*L-1:0] a_cblk;
  logic [L-1:0]  a_hdr0;
  logic [127:0]  a_lenblk;
  logic [16:0]   a_b;
  logic [31:0]   a_ctr, a_1mna;
  logic [5:0]    a_na;

  always_comb begin
    a_na    = r0_ctx_q.aad_blocks;
    a_enc   = (r0_ctx_q.op == aes_gcm_pkg::GCM_ENCRYPT);
    a_dec   = (r0_ctx_q.op == aes_gcm_pkg::GCM_DECRYPT);
    a_byp   = !a_enc && !a_dec;
    a_short = r0_ctx_q.len < 16'd16;
    a_ctlen = a_dec ? (a_short ? 16'd0 : r0_ctx_q.len - 16'd16) : r0_ctx_q.len;
    // em1: decrypt: len - 16 + 16*na + 15 (len >= 16) or 16*na + 15;
    // otherwise len + 16*na + 15. The na terms depend on na alone.
    a_m_dec   = {7'd0, a_na, 4'd0} - 17'd1;
    a_m_enc   = {7'd0, a_na, 4'hf};
    a_sum     = {1'b0, r0_ctx_q.len} + (a_dec ? a_m_dec : a_m_enc);
    a_em1     = (a_dec && a_short) ? a_m_enc : a_sum;
    // eblk = e / 16: decrypt: len/16 + na (len >= 16) or na + 1; otherwise
    // len/16 + na + 1.
    a_k_dec = {11'd0, a_na};
    a_k_enc = {11'd0, a_na} + 17'd1;
    a_sh    = {1'b0, r0_ctx_q.len[15:4]} + 13'(a_dec ? a_k_dec : a_k_enc);
    a_sh1   = 13'(a_k_enc);
    a_eblk  = (a_dec && a_short) ? {4'd0, a_sh1} : {4'd0, a_sh};
    a_b0    = ({1'b0, r0_beat_q} << LOGL);
    a_1mna  = 32'd1 - {26'd0, a_na};
    for (int i = 0; i < L; i++) begin
      a_b       = a_b0 + 17'(i);
      a_hdr0[i] = (a_b == 17'd0);
      a_ctr     = a_hdr0[i] ? 32'd1 : (32'(a_b) + a_1mna);
      a_cblk[128*i +: 128] = {a_ctr[7:0], a_ctr[15:8], a_ctr[23:16], a_ctr[31:24],
                              r0_iv_q, r0_ctx_q.salt};
    end
    a_lenblk = {aes_gcm_pkg::gcm_bswap64({45'd0, a_ctlen, 3'd0}),
                aes_gcm_pkg::gcm_bswap64({45'd0, r0_ctx_q.aad_len, 3'd0})};
  end

  // R1 register: AES inputs, the packet's figures and the side band.
  localparam int R1_W = DATA_W + WB + 1 + 1 + 1 + 1                // data keep last first byp enc
                      + 16 + 17 + 17 + 4 + 6                       // beat em1 eblk q na
                      + 128 + 128 + HN*128;                        // aad lenblk hpow
  logic             r1_valid_q, r1_key256_q;
  logic [255:0]     r1_key_q;
  logic [128*L-1:0] r1_cblk_q;
  logic [R1_W-1:0]  r1_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) r1_valid_q <= 1'b0;
    else if (en) r1_valid_q <= r0_valid_q;
  end
  always_ff @(posedge clk_i) begin
    if (en) begin
      r1_key256_q <= r0_ctx_q.key256;
      r1_key_q    <= r0_ctx_q.key;
      r1_cblk_q   <= a_cblk;
      r1_q        <= {r0_data_q, r0_keep_q, r0_last_q, r0_first_q, a_byp, a_enc,
                      r0_beat_q, a_em1, a_eblk, a_ctlen[3:0], a_na,
                      r0_ctx_q.aad, a_lenblk, r0_ctx_q.hpow};
    end
  end

  // Masks: flags and byte masks of the beat in R1.
  logic [DATA_W-1:0] m_data;
  logic [WB-1:0]     m_keep;
  logic              m_last, m_first, m_byp, m_enc;
  logic [15:0]       m_beat;
  logic [16:0]       m_em1, m_eblk, m_kbeat, m_nprime, m_b;
  logic [3:0]        m_q;
  logic [5:0]        m_na;
  logic [127:0]      m_ctxaad, m_lenblk;
  logic [HN*128-1:0] m_hpow;
  assign {m_data, m_keep, m_last, m_first, m_byp, m_enc, m_beat, m_em1, m_eblk, m_q, m_na,
          m_ctxaad, m_lenblk, m_hpow} = r1_q;

  logic          m_tag, m_drop, m_ovf;
  logic [LOGWB:0] m_o;
  logic [1:0]    m_r;
  logic [WB-1:0] m_ctm, m_outm, m_encm;
  logic [WB+15:0] m_tagm;
  logic [L-1:0]  m_hdr, m_aad;
  always_comb begin
    m_kbeat  = m_em1 >> LOGWB;
    m_o      = (LOGWB+1)'(m_em1[LOGWB-1:0]) + 1'b1;
    m_nprime = m_eblk + {16'd0, m_q != 4'd0};
    m_r      = 2'((-m_nprime) & 17'(L - 1));
    m_tag    = !m_byp && (({1'b0, m_beat} == m_kbeat) ||
                          (m_last && ({1'b0, m_beat} < m_kbeat)));
    m_drop   = !m_byp && ({1'b0, m_beat} > m_kbeat);
    m_ovf    = (17'(m_o) + 17'd16) > 17'(WB);
    for (int i = 0; i < L; i++) begin
      m_b      = ({1'b0, m_beat} << LOGL) + 17'(i);
      m_hdr[i] = (m_b == 17'd0);
      m_aad[i] = (m_b != 17'd0) && (m_b <= {11'd0, m_na});
      for (int j = 0; j < 16; j++) begin
        m_ctm[16*i+j] = !m_byp && (m_b > {11'd0, m_na}) &&
                        ((m_b < m_eblk) || ((m_b == m_eblk) && (4'(j) < m_q)));
      end
    end
    for (int j = 0; j < WB; j++) begin
      m_outm[j] = ((LOGWB+1)'(j) < m_o);
      m_encm[j] = (17'(m_o) + 17'd16) > 17'(j);
    end
    for (int j = 0; j < WB + 16; j++) begin
      m_tagm[j] = (17'(j) >= 17'(m_o)) && (17'(j) < 17'(m_o) + 17'd16);
    end
  end

  // M register (beside AES round 0), then the side band waits beside the
  // other AES stages.
  localparam int SB_W = DATA_W + WB + 1 + 1 + 1 + 1 + 1 + 1 + 1   // data keep last first byp enc tag drop ovf
                      + WB + WB + WB + (WB + 16)                  // ctm outm encm tagm
                      + L + L + 2 + 4 + 128 + 128 + HN*128;        // hdr aad r q aad lenblk hpow
  logic [SB_W-1:0]  m_sb_q, x_sb;
  always_ff @(posedge clk_i) begin
    if (en) begin
      m_sb_q <= {m_data, m_keep, m_last, m_first, m_byp, m_enc, m_tag, m_drop, m_ovf,
                 m_ctm, m_outm, m_encm, m_tagm, m_hdr, m_aad, m_r, m_q,
                 m_ctxaad, m_lenblk, m_hpow};
    end
  end

  // ------------------------------------------------------------- AES --
  localparam int LW = 128 * L;
  logic [LW-1:0] aes_ks;
  aes_gcm_aes_pipe #(.L(L)) u_aes (
    .clk_i,
    .en_i    (en),
    .kwin_i  ({r1_key256_q, r1_key_q}),
    .state_i (r1_cblk_q),
    .state_o (aes_ks)
  );
  aes_gcm_delay #(.W(SB_W), .D(AES_STAGES-1)) u_d_aes (
    .clk_i, .en_i(en), .d_i(m_sb_q), .q_o(x_sb));
  logic [AES_STAGES-1:0] aes_v_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) aes_v_q <= '0;
    else if (en) aes_v_q <= {aes_v_q[AES_STAGES-2:0], r1_valid_q};
  end

  // ------------------------------------------------------- XOR stage --
  logic [DATA_W-1:0] x_data;
  logic [WB-1:0]     x_keep, x_ctm, x_outm, x_encm;
  logic              x_last, x_first, x_byp, x_enc, x_tag, x_drop, x_ovf, x_valid;
  logic [WB+15:0]    x_tagm;
  logic [L-1:0]      x_hdr, x_aad;
  logic [1:0]        x_r;
  logic [3:0]        x_q;
  logic [127:0]      x_ctxaad, x_lenblk;
  logic [HN*128-1:0] x_hpow;
  assign {x_data, x_keep, x_last, x_first, x_byp, x_enc, x_tag, x_drop, x_ovf, x_ctm, x_outm,
          x_encm, x_tagm, x_hdr, x_aad, x_r, x_q, x_ctxaad, x_lenblk, x_hpow} = x_sb;
  assign x_valid = aes_v_q[AES_STAGES-1];

  logic [DATA_W-1:0] x_ks, x_ctmb, x_out;
  logic [128*L-1:0]  x_gh;
  logic [127:0]      x_ekj0, ekj0_q;
  logic              x_second_q;
  assign x_ks = aes_ks;
  always_comb begin
    for (int j = 0; j < WB; j++) x_ctmb[8*j +: 8] = {8{x_ctm[j]}};
    x_out = x_data ^ (x_ks & x_ctmb);
    for (int i = 0; i < L; i++) begin
      if (x_hdr[i])      x_gh[128*i +: 128] = x_ctxaad;
      else if (x_aad[i]) x_gh[128*i +: 128] = x_data[128*i +: 128];
      else               x_gh[128*i +: 128] = (x_enc ? x_out[128*i +: 128]
                                                     : x_data[128*i +: 128])
                                              & x_ctmb[128*i +: 128];
    end
    x_ekj0 = x_first ? x_ks[127:0] : ekj0_q;
  end

  // XR register: GHASH inputs and output side band.
  localparam int OB_W = DATA_W + WB + 1 + 1 + 1 + 1 + 1 + 1 + WB + WB + (WB + 16);
  logic             xr_valid_q, xr_first_q, xr_rst2_q;
  logic [128*L-1:0] xr_gh_q;
  logic [HN*128-1:0] xr_hpow_q;
  logic [1:0]       xr_r_q;
  logic [127:0]     xr_lenblk_q, xr_ekj0_q;
  logic [3:0]       xr_q_q;
  logic [OB_W-1:0]  xr_ob_q, p_ob;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      xr_valid_q <= 1'b0;
      x_second_q <= 1'b0;
    end else if (en) begin
      xr_valid_q <= x_valid;
      if (x_valid) x_second_q <= x_first;
    end
  end
  always_ff @(posedge clk_i) begin
    if (en) begin
      if (x_valid) ekj0_q <= x_ekj0;
      xr_gh_q     <= x_gh;
      xr_hpow_q   <= x_hpow;
      xr_r_q      <= x_r;
      xr_lenblk_q <= x_lenblk;
      xr_ekj0_q   <= x_ekj0;
      xr_q_q      <= x_q;
      xr_first_q  <= x_first;
      xr_rst2_q   <= x_first || x_second_q;
      xr_ob_q     <= {x_out, x_keep, x_last, x_byp, x_enc, x_tag, x_drop, x_ovf,
                      x_outm, x_encm, x_tagm};
    end
  end

  // ----------------------------------------------------------- GHASH --
  logic [127:0] g_tag;
  logic [3:0]   g_q;
  aes_gcm_ghash #(.L(L)) u_ghash (
    .clk_i,
    .en_i     (en),
    .x_i      (xr_gh_q),
    .hpow_i   (xr_hpow_q),
    .r_i      (xr_r_q),
    .first_i  (xr_first_q),
    .rst2_i   (xr_rst2_q),
    .lenblk_i (xr_lenblk_q),
    .ekj0_i   (xr_ekj0_q),
    .q_i      (xr_q_q),
    .tag_o    (g_tag),
    .q_o      (g_q)
  );
  logic [OB_W-1:0] p1_ob;
  aes_gcm_delay #(.W(OB_W), .D(GL-1)) u_d_gh (
    .clk_i, .en_i(en), .d_i(xr_ob_q), .q_o(p1_ob));

  // Stage P-1 (the beat beside GHASH's last stage): the tag rotated to its
  // place in the beat, and for decrypt the bytes of this beat that differ
  // from it where the ICV is (ne), so that stage P only ORs them.
  logic [DATA_W-1:0] p1_data;
  logic [WB+15:0]    p1_tagm;
  logic [127:0]      p1_tagv;
  logic [WB-1:0]     p1_ne;
  assign p1_data = p1_ob[OB_W-1 -: DATA_W];
  assign p1_tagm = p1_ob[WB+15:0];
  always_comb begin
    p1_tagv = aes_gcm_pkg::gcm_rot_bytes(g_tag, g_q);
    for (int j = 0; j < WB; j++)
      p1_ne[j] = p1_tagm[j] && (p1_data[8*j +: 8] != p1_tagv[8*(j % 16) +: 8]);
  end
  logic [127:0]  p_tagv;
  logic [WB-1:0] p_ne_q;
  always_ff @(posedge clk_i) begin
    if (en) begin
      p_ob   <= p1_ob;
      p_tagv <= p1_tagv;
      p_ne_q <= p1_ne;
    end
  end
  logic [GL-1:0] gh_v_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) gh_v_q <= '0;
    else if (en) gh_v_q <= {gh_v_q[GL-2:0], xr_valid_q};
  end

  // ---------------------------------------------------------- output --
  logic [DATA_W-1:0] p_data;
  logic [WB-1:0]     p_keep, p_outm, p_encm;
  logic              p_valid, p_last, p_byp, p_enc, p_tag, p_drop, p_ovf;
  logic [WB+15:0]    p_tagm;
  assign {p_data, p_keep, p_last, p_byp, p_enc, p_tag, p_drop, p_ovf, p_outm, p_encm,
          p_tagm} = p_ob;
  assign p_valid = gh_v_q[GL-1];

  logic [DATA_W+127:0] p_placed, p_tagmb;
  logic [DATA_W-1:0]   p_outmb;
  logic                p_c0, p_c1;

  logic              o_valid_q, o_last_q, o_user_q, o_wait_q, ext_q, c0_q;
  logic [DATA_W-1:0] o_data_q;
  logic [WB-1:0]     o_keep_q;
  logic [127:0]      phi_q, mhi_q;

  logic              o_free, consume_raw, gate;
  logic              o_load, o_last_d, o_user_d, o_wait_d, ext_d, c0_d;
  logic [DATA_W-1:0] o_data_d;
  logic [WB-1:0]     o_keep_d;
  logic              o_emit;

  always_comb begin
    for (int j = 0; j < WB + 16; j++) p_tagmb[8*j +: 8] = {8{p_tagm[j]}};
    for (int j = 0; j < WB; j++)      p_outmb[8*j +: 8] = {8{p_outm[j]}};
    for (int i = 0; i <= L; i++)      p_placed[128*i +: 128] = p_tagv & p_tagmb[128*i +: 128];
    p_c0 = ~|p_ne_q;
    p_c1 = ~|((p_data[127:0] ^ phi_q) & mhi_q);
  end

  assign gate   = s_axis_tvalid || !in_pkt_q;
  assign o_emit = o_valid_q && !o_wait_q && m_axis_tready;
  assign o_free = !o_valid_q || (m_axis_tready && !o_wait_q);

  always_comb begin
    consume_raw = 1'b0;
    o_load      = 1'b0;
    o_data_d    = o_data_q;
    o_keep_d    = o_keep_q;
    o_last_d    = o_last_q;
    o_user_d    = o_user_q;
    o_wait_d    = o_wait_q;
    ext_d       = ext_q;
    c0_d        = c0_q;
    if (p_valid) begin
      if (o_wait_q && !p_drop) begin
        // The ICV beat of a decrypted packet never came: fail it.
        o_wait_d = 1'b0;
        o_user_d = 1'b0;
      end else if (p_drop) begin
        consume_raw = 1'b1;
        if (o_wait_q) begin
          o_wait_d = 1'b0;
          o_user_d = c0_q && p_c1;
        end
      end else if (p_byp || !p_tag) begin
        if (o_free) begin
          consume_raw = 1'b1;
          o_load      = 1'b1;
          o_data_d    = p_data;
          o_keep_d    = p_byp ? p_keep : '1;
          o_last_d    = p_byp ? p_last : 1'b0;
          o_user_d    = 1'b1;
        end
      end else if (p_enc) begin
        if (o_free) begin
          o_load   = 1'b1;
          o_user_d = 1'b1;
          if (!ext_q) begin
            o_data_d = (p_data & p_outmb) | p_placed[DATA_W-1:0];
            o_keep_d = p_encm;
            o_last_d = !p_ovf;
            ext_d    = p_ovf;
            consume_raw = !p_ovf;
          end else begin
            o_data_d = {{(DATA_W-128){1'b0}}, p_placed[DATA_W +: 128]};
            for (int j = 0; j < WB; j++) o_keep_d[j] = (j < 16) && p_tagm[WB + (j % 16)];
            o_last_d = 1'b1;
            ext_d    = 1'b0;
            consume_raw = 1'b1;
          end
        end
      end else begin
        // decrypt tag beat
        if (o_free) begin
          consume_raw = 1'b1;
          o_load   = 1'b1;
          o_data_d = p_data & p_outmb;
          o_keep_d = p_outm;
          o_last_d = 1'b1;
          o_user_d = p_c0;
          o_wait_d = p_ovf;
          c0_d     = p_c0;
        end
      end
    end
  end

  assign s_axis_tready = !p_valid || consume_raw;
  assign en            = (!p_valid || consume_raw) && gate;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      o_valid_q <= 1'b0;
      o_wait_q  <= 1'b0;
      ext_q     <= 1'b0;
    end else begin
      // Actions that consume P happen only with the global enable; the
      // first half of an extended beat and the failure release do not.
      if (o_load && (en || !consume_raw)) begin
        o_valid_q <= 1'b1;
      end else if (o_emit) begin
        o_valid_q <= 1'b0;
      end
      if (en || !consume_raw) begin
        o_wait_q <= o_wait_d;
        ext_q    <= ext_d;
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if (en || !consume_raw) begin
      o_data_q <= o_data_d;
      o_keep_q <= o_keep_d;
      o_last_q <= o_last_d;
      o_user_q <= o_user_d;
      c0_q     <= c0_d;
      if (p_valid && p_tag && !p_enc && !p_byp) begin
        phi_q <= p_placed[DATA_W +: 128];
        mhi_q <= p_tagmb[DATA_W +: 128];
      end
    end
  end

  assign m_axis_tdata  = o_data_q;
  assign m_axis_tkeep  = o_keep_q;
  assign m_axis_tlast  = o_last_q;
  assign m_axis_tvalid = o_valid_q && !o_wait_q;
  assign m_axis_tuser  = o_user_q;
endmodule
