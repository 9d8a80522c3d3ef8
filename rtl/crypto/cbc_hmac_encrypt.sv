// cbc_hmac_encrypt: ESP outbound AES-CBC + HMAC-SHA, encrypt then MAC (RFC
// 4303, RFC 3602, RFC 2404, RFC 4868), as an AXI stream: the CBC twin of
// aes_gcm_stream (DATA_W 128 or 512, tkeep, tlast, byte 0 of a packet in
// bits [7:0] of its first beat).
//
// Input packet: [SPI 4][SEQ 4][IV 16][P, n >= 1 blocks of 16 bytes, already
// padded, with the ESP trailer]. Context on the packet's first beat: s_key_i
// (AES-128 in [127:0]), s_key256_i, s_mac_alg_i (0 HMAC-SHA-1-96, 1
// HMAC-SHA-256-128, 2 HMAC-SHA-384-192, 3 HMAC-SHA-512-256), s_istate_i /
// s_ostate_i (the HMAC pad states in sha_hmac's layout, SHA-1 in [159:0]),
// s_esn_i and s_seq_hi_i (hashed after the ciphertext, big-endian, not sent).
// Output packet: [SPI][SEQ][IV][C = AES-CBC(key, IV, P)][ICV 12/16/24/32],
// ICV = HMAC(SPI||SEQ||IV||C[||seq_hi]) truncated; m_axis_tuser low.
//
// Bad input: a packet whose length is not 24 + 16n with n >= 1, or longer
// than MAX_LEN - 8 bytes, is consumed whole and leaves, in its place in the
// order, as a one-beat marker (tuser high, tlast, tkeep = byte 0, data zero)
// that the caller drops. Later packets are unaffected.
//
// Structure. CBC chains the blocks of a packet, so packets are interleaved:
// NS slots (packets in flight), taken in order by the input and drained in
// order by the output, so packets leave in the order they came. A slot is
// also the packet's aes_cbc_enc channel and its sha_hmac context (one
// sha_hmac per family: SHA-1, SHA-256, SHA-512 also doing SHA-384).
//   input    beats -> 16-byte chunks (one a cycle) -> pbuf, the packet held
//            8 bytes later so that buffer unit 1+i is plaintext block P_i
//            (unit 0: SPI, SEQ in its upper half; unit 1: the IV)
//   CBC      a feeder picks a loaded slot whose channel is idle (oldest
//            first), reads its next block, the engine returns C_i 18 cycles
//            later into cbuf (same layout) -- one block a cycle in all
//   HMAC     when a slot's C is complete, a feeder assembles its SHA blocks
//            (64 or 128 bytes, read as 5 or 9 buffer units) and hands them to
//            the family's sha_hmac, one block of a packet in flight at a time,
//            other packets' blocks meanwhile; the MAC comes back per slot
//   output   the oldest slot, once its MAC is there: units -> 16-byte chunks
//            (shifted back by 8 bytes, ICV appended) -> beats, with tready.
// The buffers (pbuf; cbuf twice, one per reader) are BRAM-style arrays read
// at registered addresses; per-slot context in LUTRAM-style arrays.
// Throughput (v1): one 16-byte unit a cycle at the input, the CBC engine and
// the output; the HMAC feeder 64 (128) bytes in 13 (17) cycles; the SHA cores
// U/R blocks a cycle (sha_core). Figures: fw/synth/README.md "cbcenc".
module cbc_hmac_encrypt #(
  parameter int DATA_W   = 512,
  parameter int NS       = 18,     // packets in flight = CBC channels = HMAC contexts
  parameter int MAX_LEN  = 2048,   // buffer bytes per slot (power of two)
  parameter int U_SHA1   = 1,      // round units of the SHA cores (sha_core)
  parameter int U_SHA256 = 1,
  parameter int U_SHA512 = 1,
  // derived, not to be overridden
  parameter int SW = (NS > 1) ? $clog2(NS) : 1
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic [DATA_W-1:0]   s_axis_tdata,
  input  logic [DATA_W/8-1:0] s_axis_tkeep,
  input  logic                s_axis_tlast,
  input  logic                s_axis_tvalid,
  output logic                s_axis_tready,
  input  logic [255:0]        s_key_i,       // first beat
  input  logic                s_key256_i,    // first beat
  input  logic [1:0]          s_mac_alg_i,   // first beat
  input  logic [511:0]        s_istate_i,    // first beat
  input  logic [511:0]        s_ostate_i,    // first beat
  input  logic                s_esn_i,       // first beat
  input  logic [31:0]         s_seq_hi_i,    // first beat
  output logic [DATA_W-1:0]   m_axis_tdata,
  output logic [DATA_W/8-1:0] m_axis_tkeep,
  output logic                m_axis_tlast,
  output logic                m_axis_tvalid,
  input  logic                m_axis_tready,
  output logic                m_axis_tuser
);
  localparam int L    = DATA_W / 128;
  localparam int LW   = (L > 1) ? $clog2(L) : 1;
  localparam int MAXU = MAX_LEN / 16;
  localparam int UW   = $clog2(MAXU);
  localparam int AW   = SW + UW;

  // ------------------------------------------------------ slot state --
  logic [NS-1:0]    used_q, loaded_q, bad_q;
  logic [NS-1:0]    cmore_q, cinfl_q, cdone_q, hmore_q, hdone_q;
  logic [NS*UW-1:0] nblk_q, cissue_q, cout_q, hblk_q;
  logic [NS-1:0]    prio_q;      // slots at or after the oldest
  logic [SW-1:0]    wr_slot_q, rd_slot_q;
  logic [NS-1:0]    wr_oh_q;     // wr_slot_q one-hot
  logic             wr_ok_q;     // wr_slot_q free (a cycle late; low after a packet's last beat)

  // Per-slot context (LUTRAM) and packet buffers (BRAM).
  logic [256:0]     key_mem [NS];
  logic [511:0]     ist_mem [NS];
  logic [511:0]     ost_mem [NS];
  logic [34:0]      ctx_mem [NS];     // {esn, mac_alg, seq_hi}
  logic [63:0]      hdr_mem [NS];     // SPI, SEQ
  logic [127:0]     iv_mem [NS];
  logic [95:0]      icv1_mem [NS];
  logic [127:0]     icv2_mem [NS];
  logic [255:0]     icv5_mem [NS];
  logic [127:0]     pbuf [2**AW];
  logic [127:0]     cbuf_h [2**AW];   // read by the HMAC feeder
  logic [127:0]     cbuf_o [2**AW];   // read by the output

  // ============================================================ input --
  logic                b_v_q, b_first_q, b_last_q;
  logic [DATA_W-1:0]   b_data_q;
  logic [DATA_W/8-1:0] b_keep_q;
  logic [LW:0]         b_lane_q, b_end_q;   // lane now, last lane with data
  logic [SW-1:0]       b_slot_q;
  logic                in_pkt_q;
  logic [2**(LW+1)-1:0] b_has;       // lanes of the held beat with data
  logic                b_fin, accept, a_first;

  logic [LW:0] a_end;
  always_comb begin
    b_has = '0;
    for (int i = 0; i < L; i++) b_has[i] = s_axis_tkeep[16*i];
    a_end = '0;
    for (int i = 1; i < L; i++) if (b_has[i]) a_end = (LW+1)'(i);
  end
  assign b_fin   = b_v_q && (b_lane_q == b_end_q);
  assign a_first = !in_pkt_q;
  assign s_axis_tready = (!b_v_q || b_fin) && (in_pkt_q || wr_ok_q);
  assign accept  = s_axis_tvalid && s_axis_tready;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      b_v_q     <= 1'b0;
      in_pkt_q  <= 1'b0;
      wr_slot_q <= '0;
      wr_oh_q   <= NS'(1);
      wr_ok_q   <= 1'b0;
    end else begin
      wr_ok_q <= !(accept && s_axis_tlast) && |(wr_oh_q & ~used_q);
      if (accept) begin
        b_v_q    <= 1'b1;
        in_pkt_q <= !s_axis_tlast;
        if (s_axis_tlast) begin
          wr_slot_q <= (wr_slot_q == SW'(NS - 1)) ? '0 : wr_slot_q + 1'b1;
          wr_oh_q   <= {wr_oh_q[NS-2:0], wr_oh_q[NS-1]};
        end
      end else if (b_fin) begin
        b_v_q <= 1'b0;
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if (accept) begin
      b_data_q  <= s_axis_tdata;
      b_keep_q  <= s_axis_tkeep;
      b_last_q  <= s_axis_tlast;
      b_first_q <= a_first;
      b_slot_q  <= wr_slot_q;
      b_lane_q  <= '0;
      b_end_q   <= a_end;
    end else if (b_v_q) begin
      b_lane_q  <= b_lane_q + 1'b1;
      b_first_q <= 1'b0;
    end
    if (accept && a_first) begin
      key_mem[wr_slot_q] <= {s_key256_i, s_key_i};
      ist_mem[wr_slot_q] <= s_istate_i;
      ost_mem[wr_slot_q] <= s_ostate_i;
      ctx_mem[wr_slot_q] <= {s_esn_i, s_mac_alg_i, s_seq_hi_i};
    end
  end

  // Chunk stage: one 16-byte chunk of the held beat a cycle.
  logic          k_v_q, k_first_q, k_last_q;
  logic [127:0]  k_data_q;
  logic [4:0]    k_nb_q;
  logic [SW-1:0] k_slot_q;
  logic [4:0]    c_nb;
  logic [15:0]   c_keep;
  assign c_keep = b_keep_q[16*b_lane_q[LW-1:0] +: 16];
  always_comb begin
    c_nb = '0;
    for (int i = 0; i < 16; i++) c_nb = c_nb + {4'd0, c_keep[i]};
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) k_v_q <= 1'b0;
    else         k_v_q <= b_v_q;
  end
  always_ff @(posedge clk_i) begin
    k_data_q  <= b_data_q[128*b_lane_q[LW-1:0] +: 128];
    k_nb_q    <= c_nb;
    k_first_q <= b_first_q;
    k_last_q  <= b_last_q && b_fin;
    k_slot_q  <= b_slot_q;
  end

  // Unit stage: unit idx = {chunk idx lower half, chunk idx-1 upper half}.
  logic [15:0]   ci_q, len_q, k_idx, k_len;
  logic [63:0]   carry_q;
  logic          ovf_q, k_ovf;
  logic          ld_v_q, ld_bad_q;
  logic [SW-1:0] ld_slot_q;
  logic [UW-1:0] ld_n_q;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [15:0]   k_len24;    // (len - 24) / 16 is n: bits [UW+3:4] read
  /* verilator lint_on UNUSEDSIGNAL */
  assign k_idx   = k_first_q ? 16'd0 : ci_q;
  assign k_len   = (k_first_q ? 16'd0 : len_q) + {11'd0, k_nb_q};
  assign k_ovf   = (!k_first_q && ovf_q) || (k_idx >= 16'(MAXU));
  assign k_len24 = k_len - 16'd24;
  always_ff @(posedge clk_i) begin
    if (k_v_q) begin
      ci_q    <= k_idx + 16'd1;
      len_q   <= k_len;
      ovf_q   <= k_ovf;
      carry_q <= k_data_q[127:64];
      if (!k_ovf) pbuf[{k_slot_q, k_idx[UW-1:0]}] <= {k_data_q[63:0], carry_q};
      if (k_idx == 16'd0) hdr_mem[k_slot_q] <= k_data_q[63:0];
      if (k_idx == 16'd1) iv_mem[k_slot_q] <= {k_data_q[63:0], carry_q};
    end
    ld_slot_q <= k_slot_q;
    ld_bad_q  <= k_ovf || (k_len < 16'd40) || (k_len[3:0] != 4'd8);
    ld_n_q    <= k_len24[UW+3:4];
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) ld_v_q <= 1'b0;
    else         ld_v_q <= k_v_q && k_last_q;
  end

  // ============================================================== CBC --
  // The pick takes two registered stages. PA: per group of GS slots, the
  // lowest candidate (registered as pa_oh_q, pa_gv_q: the group has one).
  // PB: the lowest group with a pick; its slot goes to F1 (f1_oh_q). F1 its
  // block index and the address, F2 reads the buffer and the key, F3 hands the
  // block to the engine. The candidates are registered (c_cand_q); PA leaves
  // out its own picks of the cycle before (pa_oh_q: PB takes one of them now)
  // and PB's of the cycle before (f1_oh_q), so a slot is not issued twice
  // before its in-flight flag (set from f1_oh_q) is in c_cand_q. A group's
  // pick that PB does not take is a candidate again the cycle after. The
  // lowest slot wins: a picked slot is out for more than NS cycles (the
  // engine's 18 and the feeder's), so every candidate is picked within NS
  // cycles. Every register here is a LUT or two from registers.
  localparam int GS = 3;                    // slots per group in PA
  localparam int NG = (NS + GS - 1) / GS;   // groups
  logic [NS-1:0]    c_cand_q, f1_oh_q, pb_oh;
  logic [NG*GS-1:0] pa_x, pa_oh, pa_oh_q;
  logic [NG-1:0]    pa_gv_q;
  logic [NS-1:0] clast_q;        // the slot's next block is its last
  logic [NS-1:0] cfirst_q;       // the slot's next block is its first
  logic [NS-1:0] cend_q;         // the slot's next returning block is its last
  logic          f0_v, f1_v_q, f2_v_q, f3_v_q;
  logic [SW-1:0] f1_s, f2_s_q, f3_s_q;
  logic [UW-1:0] f1_bi;
  logic [AW-1:0] f2_addr_q;
  logic          f2_first_q, f3_first_q;
  logic [256:0]  f3_key_q;
  logic [127:0]  f3_iv_q, f3_blk_q;
  always_ff @(posedge clk_i) begin
    c_cand_q <= cmore_q & ~cinfl_q & ~f1_oh_q;
    for (int i = 0; i < NS; i++) begin
      clast_q[i]  <= (cissue_q[UW*i +: UW] + UW'(1) == nblk_q[UW*i +: UW]);
      cfirst_q[i] <= (cissue_q[UW*i +: UW] == '0);
      cend_q[i]   <= (cout_q[UW*i +: UW] == nblk_q[UW*i +: UW] + UW'(1));
    end
  end
  // PA: the lowest candidate of each group.
  always_comb begin
    pa_x = '0;
    pa_x[NS-1:0] = c_cand_q & ~f1_oh_q;
    pa_x = pa_x & ~pa_oh_q;
    for (int g = 0; g < NG; g++)
      for (int j = 0; j < GS; j++)
        pa_oh[g*GS + j] = pa_x[g*GS + j] && !(|(pa_x[g*GS +: GS] & ((GS'(1) << j) - GS'(1))));
  end
  // PB: the pick of the lowest group that has one.
  always_comb begin
    for (int i = 0; i < NS; i++)
      pb_oh[i] = pa_oh_q[i] && !(|(pa_gv_q & ((NG'(1) << (i / GS)) - NG'(1))));
  end
  assign f0_v = |pa_gv_q;
  always_comb begin
    f1_s  = '0;
    f1_bi = '0;
    for (int i = 0; i < NS; i++) begin
      if (f1_oh_q[i]) f1_s = f1_s | SW'(i);
      if (f1_oh_q[i]) f1_bi = f1_bi | cissue_q[UW*i +: UW];
    end
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      f1_v_q <= 1'b0; f2_v_q <= 1'b0; f3_v_q <= 1'b0;
      pa_oh_q <= '0;
      pa_gv_q <= '0;
      f1_oh_q <= '0;
    end else begin
      for (int g = 0; g < NG; g++) pa_gv_q[g] <= |pa_x[g*GS +: GS];
      pa_oh_q <= pa_oh;
      f1_v_q  <= f0_v; f2_v_q <= f1_v_q; f3_v_q <= f2_v_q;
      f1_oh_q <= pb_oh;
    end
  end
  always_ff @(posedge clk_i) begin
    f2_s_q     <= f1_s;
    f2_addr_q  <= {f1_s, f1_bi + UW'(2)};
    f2_first_q <= |(f1_oh_q & cfirst_q);
    f3_s_q     <= f2_s_q;
    f3_first_q <= f2_first_q;
    f3_key_q   <= key_mem[f2_s_q];
    f3_iv_q    <= iv_mem[f2_s_q];
    f3_blk_q   <= pbuf[f2_addr_q];
  end

  logic          e_v;
  logic [SW-1:0] e_ch;
  logic [127:0]  e_blk;
  aes_cbc_enc #(.NCH(NS)) u_cbc (
    .clk_i, .rst_ni,
    .ch_busy_o  (),
    .s_valid_i  (f3_v_q),
    .s_ready_o  (),          // the feeder offers only idle channels
    .s_ch_i     (f3_s_q),
    .s_first_i  (f3_first_q),
    .s_key256_i (f3_key_q[256]),
    .s_key_i    (f3_key_q[255:0]),
    .s_iv_i     (f3_iv_q),
    .s_block_i  (f3_blk_q),
    .m_valid_o  (e_v),
    .m_ch_o     (e_ch),
    .m_block_o  (e_blk)
  );
  // The returning block is written a cycle later, at a registered address
  // (the slot's flags are updated at once; its readers come later).
  logic [UW-1:0] e_idx;      // buffer unit of the returning block
  logic          w_v_q;
  logic [AW-1:0] w_addr_q;
  logic [127:0]  w_blk_q;
  always_comb begin
    e_idx = '0;
    for (int i = 0; i < NS; i++) if (e_ch == SW'(i)) e_idx = e_idx | cout_q[UW*i +: UW];
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) w_v_q <= 1'b0;
    else         w_v_q <= e_v;
  end
  always_ff @(posedge clk_i) begin
    w_addr_q <= {e_ch, e_idx};
    w_blk_q  <= e_blk;
    if (w_v_q) begin
      cbuf_h[w_addr_q] <= w_blk_q;
      cbuf_o[w_addr_q] <= w_blk_q;
    end
  end

  // ============================================================= HMAC --
  localparam logic [2:0] H_IDLE = 3'd0, H_SET = 3'd1, H_SET2 = 3'd2, H_RD = 3'd3,
                         H_WAIT = 3'd4, H_ISS = 3'd5, H_GAP = 3'd6, H_SET3 = 3'd7;
  logic [2:0]    h_st_q;
  logic [NS-1:0] h_busy1, h_busy2, h_busy5;
  logic          hp_v;
  logic [SW-1:0] hp_s, hs_q;
  logic [34:0]   h_ctx;
  logic          h_big_q, h_esn_q, h_first_q, h_pad_q, h_last_q;
  logic [1:0]    h_alg_q;
  logic [31:0]   h_shi_q;
  logic [63:0]   h_hdr_q;
  logic [127:0]  h_iv_q;
  logic [UW-1:0] h_n_q, h_k_q;
  logic [15:0]   h_lm_q, h_base_q;
  logic [16:0]   h_rem;
  logic [7:0]    h_kb_q;
  logic [UW+3:0] h_v_q, h_vend_q;
  logic          r_v_q;
  logic [UW-1:0] r_vi_q;
  logic [UW+3:0] h_n2_q;       // unit n+2: seq_hi
  logic [2:0]    r_sel_q, r_sel2_q;  // 0 buffer, 1 header, 2 IV, 3 seq_hi, 4 zero
  logic          r_v2_q, h_w_q;
  logic [127:0]  r_rd_q;       // the buffer's registered read
  logic [127:0]  r_cu;
  logic [1087:0] h_a_q;       // the units of one SHA block (the first's lower half shifts out)
  logic [1023:0] h_blk;
  logic [127:0]  h_keep;
  logic          h_ready, h_take;
  logic          hm1_v, hm2_v, hm5_v, hr1, hr2, hr5;
  logic [SW-1:0] hm1_id, hm2_id, hm5_id;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [255:0]  hm1_mac, hm2_mac;   // SHA-1 MAC 12 bytes, SHA-256 16: the rest zero
  /* verilator lint_on UNUSEDSIGNAL */
  logic [255:0]  hm5_mac;

  // The candidates' pick, registered per group of HG slots (the lowest
  // candidate, and the lowest at or after the oldest slot), then among the
  // groups; H_GAP lets them see the last issue's flags.
  localparam int HG  = 6;
  localparam int HNG = (NS + HG - 1) / HG;
  logic [HNG*HG-1:0] h_c, h_ch;
  logic [HNG-1:0]    hg_v_q, hgh_v_q;
  logic [SW-1:0]     hg_s_q [HNG];
  logic [SW-1:0]     hgh_s_q [HNG];
  always_comb begin
    h_c  = '0;
    h_ch = '0;
    h_c[NS-1:0]  = hmore_q & cdone_q & ~(h_busy1 | h_busy2 | h_busy5);
    h_ch[NS-1:0] = hmore_q & cdone_q & ~(h_busy1 | h_busy2 | h_busy5) & prio_q;
  end
  always_ff @(posedge clk_i) begin
    for (int g = 0; g < HNG; g++) begin
      hg_v_q[g]  <= |h_c[g*HG +: HG];
      hgh_v_q[g] <= |h_ch[g*HG +: HG];
      hg_s_q[g]  <= '0;
      hgh_s_q[g] <= '0;
      for (int j = HG - 1; j >= 0; j--) begin
        if (h_c[g*HG + j])  hg_s_q[g]  <= SW'(g*HG + j);
        if (h_ch[g*HG + j]) hgh_s_q[g] <= SW'(g*HG + j);
      end
    end
  end
  logic          hp_hv;
  logic [SW-1:0] hp_lo, hp_hs;
  always_comb begin
    hp_v = |hg_v_q; hp_lo = '0; hp_hv = |hgh_v_q; hp_hs = '0;
    for (int g = HNG - 1; g >= 0; g--) begin
      if (hg_v_q[g])  hp_lo = hg_s_q[g];
      if (hgh_v_q[g]) hp_hs = hgh_s_q[g];
    end
  end
  assign hp_s = hp_hv ? hp_hs : hp_lo;
  assign h_ctx = ctx_mem[hs_q];
  // h_rem = lm - BB*k, signed
  assign h_rem = {1'b0, h_lm_q} - {1'b0, h_base_q};

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      h_st_q <= H_IDLE;
      r_v_q  <= 1'b0;
      r_v2_q <= 1'b0;
      h_w_q  <= 1'b0;
    end else begin
      r_v_q  <= (h_st_q == H_RD);
      r_v2_q <= r_v_q;
      if (h_st_q == H_WAIT) h_w_q <= !h_w_q;
      case (h_st_q)
        H_IDLE: if (hp_v) h_st_q <= H_SET;
        H_SET:  h_st_q <= H_SET2;
        H_SET2: h_st_q <= H_SET3;
        H_SET3: h_st_q <= H_RD;
        H_RD:   if (h_v_q == h_vend_q) h_st_q <= H_WAIT;
        H_WAIT: if (h_w_q) h_st_q <= H_ISS;
        H_ISS:  if (h_take) h_st_q <= H_GAP;
        default: h_st_q <= H_IDLE;
      endcase
    end
  end
  always_ff @(posedge clk_i) begin
    case (h_st_q)
      H_IDLE: hs_q <= hp_s;
      H_SET: begin
        h_alg_q   <= h_ctx[33:32];
        h_big_q   <= h_ctx[33];
        h_esn_q   <= h_ctx[34];
        h_shi_q   <= h_ctx[31:0];
        h_n_q     <= nblk_q[UW*hs_q +: UW];
        h_k_q     <= hblk_q[UW*hs_q +: UW];
      end
      H_SET2: begin
        h_lm_q    <= 16'd24 + {12'(h_n_q), 4'd0} + (h_esn_q ? 16'd4 : 16'd0);
        h_base_q  <= h_big_q ? (16'(h_k_q) << 7) : (16'(h_k_q) << 6);
      end
      H_SET3: begin
        h_first_q <= (h_k_q == '0);
        h_pad_q   <= !h_rem[16] && (h_big_q ? (h_rem < 17'd128) : (h_rem < 17'd64));
        h_last_q  <= h_rem[16] || (h_big_q ? (h_rem <= 17'd111) : (h_rem <= 17'd55));
        h_kb_q    <= h_rem[16] ? 8'd0 : (h_big_q ? ((h_rem >= 17'd128) ? 8'd128 : h_rem[7:0])
                                                 : ((h_rem >= 17'd64) ? 8'd64 : h_rem[7:0]));
        h_v_q     <= h_big_q ? {1'b0, h_k_q, 3'd0} : {2'd0, h_k_q, 2'd0};
        h_n2_q    <= {4'd0, h_n_q} + (UW+4)'(2);
        h_hdr_q   <= hdr_mem[hs_q];
        h_iv_q    <= iv_mem[hs_q];
        h_vend_q  <= h_big_q ? {1'b0, h_k_q, 3'd0} + (UW+4)'(8) : {2'd0, h_k_q, 2'd0} + (UW+4)'(4);
      end
      H_RD: h_v_q <= h_v_q + 1'b1;
      default: ;
    endcase
    r_vi_q <= h_v_q[UW-1:0];
    if (h_v_q == '0)                 r_sel_q <= 3'd1;
    else if (h_v_q == (UW+4)'(1))    r_sel_q <= 3'd2;
    else if (h_v_q == h_n2_q)        r_sel_q <= 3'd3;
    else if (h_v_q > h_n2_q)         r_sel_q <= 3'd4;
    else                             r_sel_q <= 3'd0;
  end
  // The unit read: the buffer at the registered address, or the header, the
  // IV, seq_hi (after the ciphertext) by index.
  always_comb begin
    case (r_sel2_q)
      3'd1:    r_cu = {h_hdr_q, 64'd0};
      3'd2:    r_cu = h_iv_q;
      3'd3:    r_cu = h_esn_q ? {96'd0, h_shi_q[7:0], h_shi_q[15:8], h_shi_q[23:16], h_shi_q[31:24]} : '0;
      3'd4:    r_cu = '0;
      default: r_cu = r_rd_q;
    endcase
  end
  always_ff @(posedge clk_i) begin
    r_rd_q   <= cbuf_h[{hs_q, r_vi_q}];
    r_sel2_q <= r_sel_q;
    if (r_v2_q) h_a_q <= {r_cu, h_a_q[1087:128]};
  end
  assign h_blk = h_big_q ? h_a_q[0 +: 1024] : {512'd0, h_a_q[512 +: 512]};
  always_comb begin
    for (int j = 0; j < 128; j++) h_keep[j] = (8'(j) < h_kb_q);
  end
  assign h_ready = (h_alg_q == 2'd0) ? hr1 : (h_alg_q == 2'd1) ? hr2 : hr5;
  assign h_take  = (h_st_q == H_ISS) && h_ready;

  logic [511:0] h_ist, h_ost;
  assign h_ist = ist_mem[hs_q];
  assign h_ost = ost_mem[hs_q];
  // The three engines (SHA-1, SHA-256, SHA-512/384), one generate loop: e is
  // the family as sha_pkg's ALG and as h_alg_q (SHA-384 = 2'd2 on e = 2).
  logic [2:0]          hm_v, hr;
  logic [SW-1:0]       hm_id  [3];
  logic [255:0]        hm_mac [3];
  logic [3*NS-1:0]     h_busy;
  for (genvar e = 0; e < 3; e++) begin : g_sha
    localparam int EU = (e == 0) ? U_SHA1 : (e == 1) ? U_SHA256 : U_SHA512;
    localparam int SB = (e == 0) ? 160 : (e == 1) ? 256 : 512;   // pad state bits
    localparam int BB = (e == 2) ? 128 : 64;                     // block bytes
    sha_hmac #(.ALG(e), .U(EU), .NCTX(NS)) u_sha (
      .clk_i, .rst_ni,
      .ctx_busy_o (h_busy[NS*e +: NS]),
      .s_valid_i  ((h_st_q == H_ISS) && ((e == 2) ? h_alg_q[1] : (h_alg_q == 2'(e)))),
      .s_ready_o  (hr[e]),
      .s_id_i     (hs_q),
      .s_first_i  (h_first_q),
      .s_pad_i    (h_pad_q),
      .s_last_i   (h_last_q),
      .s_len_i    (h_lm_q),
      .s_sha384_i ((e == 2) && (h_alg_q == 2'd2)),
      .s_istate_i (h_ist[SB-1:0]),
      .s_ostate_i (h_ost[SB-1:0]),
      .s_keep_i   (h_keep[BB-1:0]),
      .s_block_i  (h_blk[8*BB-1:0]),
      .m_valid_o  (hm_v[e]),
      .m_id_o     (hm_id[e]),
      .m_mac_o    (hm_mac[e])
    );
  end
  assign {h_busy5, h_busy2, h_busy1} = h_busy;
  assign {hr5, hr2, hr1}             = hr;
  assign {hm5_v, hm2_v, hm1_v}       = hm_v;
  assign hm1_id  = hm_id[0];
  assign hm2_id  = hm_id[1];
  assign hm5_id  = hm_id[2];
  assign hm1_mac = hm_mac[0];
  assign hm2_mac = hm_mac[1];
  assign hm5_mac = hm_mac[2];
  always_ff @(posedge clk_i) begin
    if (hm1_v) icv1_mem[hm1_id] <= hm1_mac[95:0];
    if (hm2_v) icv2_mem[hm2_id] <= hm2_mac[127:0];
    if (hm5_v) icv5_mem[hm5_id] <= hm5_mac;
  end

  // =========================================================== output --
  // P0 walks the oldest slot's units, P1 reads one (buffer at the
  // registered address, header, IV or ICV), P2 forms the 16-byte chunk
  // (this unit's lower half after the previous unit's upper half), the
  // output register gathers L chunks into a beat. All advance on o_en, which
  // is low only while the skid buffer before the output register is full.
  logic          o_en;
  logic          o_busy_q, o_bad_q;
  logic [SW-1:0] o_s_q;
  logic [UW+3:0] o_v_q, o_vend_q;
  logic [UW+3:0] o_n2_q, o_n3_q;  // units n+2, n+3: the ICV
  logic [1:0]    o_alg_q;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [34:0]   o_ctx;             // the MAC algorithm only
  /* verilator lint_on UNUSEDSIGNAL */
  logic          o_start, o_rdy_q;
  logic          rd_bad_q;         // the oldest slot's figures, a cycle late
  logic [UW-1:0] rd_n_q;           // (o_busy_q covers the cycle after a start)
  logic [1:0]    rd_alg_q;
  logic [NS-1:0] rd_oh_q;
  logic          p1_v_q, p1_end_q, p1_bad_q;
  logic [SW-1:0] p1_s_q;
  logic [UW+3:0] p1_v_idx_q;
  logic [2:0]    p1_sel_q;        // 0 buffer, 1 header, 2 IV, 3/4 ICV, 5 zero
  logic [1:0]    p1_alg_q;
  logic [127:0]  p1_cu;
  logic [255:0]  p1_icv;
  logic          p2_v_q, p2_first_q, p2_end_q, p2_bad_q;
  logic [SW-1:0] p2_s_q;
  logic [1:0]    p2_alg_q;
  logic [127:0]  p2_cu_q;
  logic [63:0]   p2_carry_q;
  logic          ch_v;
  logic [127:0]  ch_data;
  logic [15:0]   ch_keep;
  logic [LW-1:0] a_lane_q;
  logic [DATA_W-1:0]   a_data_q;
  logic [DATA_W/8-1:0] a_keep_q;
  logic [SW-1:0] m_slot_q;
  logic          o_free;

  assign o_en    = !sk_v_q;
  assign o_ctx   = ctx_mem[rd_slot_q];
  assign o_start = o_en && !o_busy_q && o_rdy_q;
  assign o_free  = m_axis_tvalid && m_axis_tready && m_axis_tlast;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      o_rdy_q   <= 1'b0;
    end else begin
      // stale for a cycle after a start: o_busy_q covers it
      o_rdy_q <= |(rd_oh_q & loaded_q & (bad_q | hdone_q));
    end
  end
  logic [UW-1:0] rd_n;
  always_comb begin
    rd_n = '0;
    for (int i = 0; i < NS; i++) if (rd_oh_q[i]) rd_n = rd_n | nblk_q[UW*i +: UW];
  end
  always_ff @(posedge clk_i) begin
    rd_bad_q <= |(rd_oh_q & bad_q);
    rd_n_q   <= rd_n;
    rd_alg_q <= o_ctx[33:32];
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      o_busy_q  <= 1'b0;
      rd_slot_q <= '0;
      rd_oh_q   <= NS'(1);
      p1_v_q    <= 1'b0;
      p2_v_q    <= 1'b0;
    end else if (o_en) begin
      if (o_start) begin
        o_busy_q  <= 1'b1;
        rd_slot_q <= (rd_slot_q == SW'(NS - 1)) ? '0 : rd_slot_q + 1'b1;
        rd_oh_q   <= {rd_oh_q[NS-2:0], rd_oh_q[NS-1]};
      end else if (o_busy_q && (o_v_q == o_vend_q)) begin
        o_busy_q <= 1'b0;
      end
      p1_v_q <= o_busy_q;
      p2_v_q <= p1_v_q;
    end
  end
  always_ff @(posedge clk_i) begin
    if (o_en) begin
      if (o_start) begin
        o_s_q    <= rd_slot_q;
        o_v_q    <= '0;
        o_bad_q  <= rd_bad_q;
        o_n2_q   <= {4'd0, rd_n_q} + (UW+4)'(2);
        o_n3_q   <= {4'd0, rd_n_q} + (UW+4)'(3);
        o_alg_q  <= rd_alg_q;
        // units 0 .. n+3 (n+4 with the 32-byte ICV); a marker: units 0, 1
        o_vend_q <= rd_bad_q ? (UW+4)'(1)
                  : {4'd0, rd_n_q} + ((rd_alg_q == 2'd3) ? (UW+4)'(4) : (UW+4)'(3));
      end else if (o_busy_q) begin
        o_v_q <= o_v_q + 1'b1;
      end
      p1_s_q     <= o_s_q;
      p1_v_idx_q <= o_v_q;
      p1_end_q   <= (o_v_q == o_vend_q);
      p1_bad_q   <= o_bad_q;
      if (o_v_q == '0)                         p1_sel_q <= 3'd1;
      else if (o_v_q == (UW+4)'(1))            p1_sel_q <= 3'd2;
      else if (o_v_q == o_n2_q)                p1_sel_q <= 3'd3;
      else if (o_v_q == o_n3_q)                p1_sel_q <= 3'd4;
      else if (o_v_q > o_n3_q)                 p1_sel_q <= 3'd5;
      else                                     p1_sel_q <= 3'd0;
      p1_alg_q   <= o_alg_q;
    end
  end
  always_comb begin
    case (p1_alg_q)
      2'd0:    p1_icv = {160'd0, icv1_mem[p1_s_q]};
      2'd1:    p1_icv = {128'd0, icv2_mem[p1_s_q]};
      default: p1_icv = icv5_mem[p1_s_q];
    endcase
    case (p1_sel_q)
      3'd1:    p1_cu = {hdr_mem[p1_s_q], 64'd0};
      3'd2:    p1_cu = iv_mem[p1_s_q];
      3'd3:    p1_cu = p1_icv[127:0];
      3'd4:    p1_cu = p1_icv[255:128];
      3'd5:    p1_cu = '0;
      default: p1_cu = cbuf_o[{p1_s_q, p1_v_idx_q[UW-1:0]}];
    endcase
  end
  always_ff @(posedge clk_i) begin
    if (o_en) begin
      p2_cu_q    <= p1_cu;
      p2_first_q <= (p1_v_idx_q == '0);
      p2_end_q   <= p1_end_q;
      p2_bad_q   <= p1_bad_q;
      p2_s_q     <= p1_s_q;
      p2_alg_q   <= p1_alg_q;
      if (p2_v_q) p2_carry_q <= p2_cu_q[127:64];
    end
  end
  // The chunk: bytes in the last one 4, 8, 16, 8 by MAC (12, 16, 24, 32).
  assign ch_v    = p2_v_q && !p2_first_q;
  assign ch_data = p2_bad_q ? '0 : {p2_cu_q[63:0], p2_carry_q};
  always_comb begin
    ch_keep = 16'hffff;
    if (p2_bad_q) ch_keep = 16'h0001;
    else if (p2_end_q) begin
      case (p2_alg_q)
        2'd0:    ch_keep = 16'h000f;
        2'd2:    ch_keep = 16'hffff;
        default: ch_keep = 16'h00ff;
      endcase
    end
  end
  // The beat: the accumulated lanes with this chunk, when it fills the beat or
  // ends the packet. It goes to the output register, or, when that is full
  // and not taken, to the skid buffer (sk_*), which stops the pipeline (o_en)
  // until the output register has taken it: o_en is a register's output.
  logic                bt_v;
  logic [DATA_W-1:0]   bt_data;
  logic [DATA_W/8-1:0] bt_keep;
  logic                sk_v_q, sk_last_q, sk_user_q;
  logic [DATA_W-1:0]   sk_data_q;
  logic [DATA_W/8-1:0] sk_keep_q;
  logic [SW-1:0]       sk_slot_q;
  assign bt_v = o_en && ch_v && ((a_lane_q == LW'(L - 1)) || p2_end_q);
  always_comb begin
    bt_data = a_data_q;
    bt_data[128*a_lane_q +: 128] = ch_data;
    bt_keep = a_keep_q;
    bt_keep[16*a_lane_q +: 16] = ch_keep;
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      a_lane_q <= '0;
      a_keep_q <= '0;
    end else if (o_en && ch_v) begin
      if ((a_lane_q == LW'(L - 1)) || p2_end_q) begin
        a_lane_q <= '0;
        a_keep_q <= '0;
      end else begin
        a_lane_q <= a_lane_q + 1'b1;
        a_keep_q[16*a_lane_q +: 16] <= ch_keep;
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if (o_en && ch_v) a_data_q[128*a_lane_q +: 128] <= ch_data;
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      m_axis_tvalid <= 1'b0;
      sk_v_q        <= 1'b0;
    end else begin
      m_axis_tvalid <= sk_v_q || bt_v || (m_axis_tvalid && !m_axis_tready);
      if (sk_v_q) sk_v_q <= !m_axis_tready;
      else        sk_v_q <= bt_v && m_axis_tvalid && !m_axis_tready;
    end
  end
  always_ff @(posedge clk_i) begin
    if (sk_v_q ? m_axis_tready : (bt_v && (!m_axis_tvalid || m_axis_tready))) begin
      m_axis_tdata <= sk_v_q ? sk_data_q : bt_data;
      m_axis_tkeep <= sk_v_q ? sk_keep_q : bt_keep;
      m_axis_tlast <= sk_v_q ? sk_last_q : p2_end_q;
      m_axis_tuser <= sk_v_q ? sk_user_q : p2_bad_q;
      m_slot_q     <= sk_v_q ? sk_slot_q : p2_s_q;
    end
    if (bt_v) begin
      sk_data_q <= bt_data;
      sk_keep_q <= bt_keep;
      sk_last_q <= p2_end_q;
      sk_user_q <= p2_bad_q;
      sk_slot_q <= p2_s_q;
    end
  end

  // ====================================================== slot flags --
  always_ff @(posedge clk_i) begin
    prio_q <= '0;
    for (int i = 0; i < NS; i++) prio_q[i] <= (SW'(i) >= rd_slot_q);
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      used_q   <= '0;
      loaded_q <= '0;
      bad_q    <= '0;
      cmore_q  <= '0;
      cinfl_q  <= '0;
      cdone_q  <= '0;
      hmore_q  <= '0;
      hdone_q  <= '0;
    end else begin
      for (int i = 0; i < NS; i++) begin
        if (accept && a_first && wr_oh_q[i])             used_q[i] <= 1'b1;
        else if (o_free && (m_slot_q == SW'(i)))         used_q[i] <= 1'b0;
        if (ld_v_q && (ld_slot_q == SW'(i))) begin
          loaded_q[i] <= 1'b1;
          bad_q[i]    <= ld_bad_q;
          cmore_q[i]  <= !ld_bad_q;
          cdone_q[i]  <= 1'b0;
          hmore_q[i]  <= !ld_bad_q;
          hdone_q[i]  <= 1'b0;
        end else begin
          if (o_start && rd_oh_q[i]) loaded_q[i] <= 1'b0;
          if (f1_oh_q[i] && clast_q[i]) cmore_q[i] <= 1'b0;
          if (e_v && (e_ch == SW'(i)) && cend_q[i]) cdone_q[i] <= 1'b1;
          if (h_take && (hs_q == SW'(i)) && h_last_q) hmore_q[i] <= 1'b0;
          if ((hm1_v && (hm1_id == SW'(i))) || (hm2_v && (hm2_id == SW'(i)))
              || (hm5_v && (hm5_id == SW'(i)))) hdone_q[i] <= 1'b1;
        end
        if (f1_oh_q[i])                    cinfl_q[i] <= 1'b1;
        else if (e_v && (e_ch == SW'(i)))  cinfl_q[i] <= 1'b0;
      end
    end
  end
  always_ff @(posedge clk_i) begin
    for (int i = 0; i < NS; i++) begin
      if (ld_v_q && (ld_slot_q == SW'(i))) begin
        nblk_q[UW*i +: UW]   <= ld_n_q;
        cissue_q[UW*i +: UW] <= '0;
        cout_q[UW*i +: UW]   <= UW'(2);
        hblk_q[UW*i +: UW]   <= '0;
      end else begin
        if (f1_oh_q[i])                   cissue_q[UW*i +: UW] <= cissue_q[UW*i +: UW] + UW'(1);
        if (e_v && (e_ch == SW'(i)))      cout_q[UW*i +: UW] <= cout_q[UW*i +: UW] + UW'(1);
        if (h_take && (hs_q == SW'(i)))   hblk_q[UW*i +: UW] <= h_k_q + UW'(1);
      end
    end
  end
endmodule
