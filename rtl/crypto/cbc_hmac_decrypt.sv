// cbc_hmac_decrypt: ESP inbound AES-CBC + HMAC-SHA verify-and-decrypt stream
// (RFC 4303, RFC 3602, RFC 2404, RFC 4868), the CBC twin of aes_gcm_stream's
// decrypt for the ingress. DATA_W 128 or 512; byte 0 of a packet in bits
// [7:0] of its first beat; tkeep contiguous from byte 0 (only the last beat
// may be partial).
//
// Input packet: [SPI 4][SEQ 4][IV 16][C, 16*n bytes, n >= 1][ICV]; the
// per-packet context on the first beat: s_key256_i, s_dkey_i (aes_cbc_dec's
// last round keys), s_mac_alg_i (0 HMAC-SHA-1-96, 1 HMAC-SHA-256-128,
// 2 HMAC-SHA-384-192, 3 HMAC-SHA-512-256; ICV 12/16/24/32 bytes),
// s_istate_i/s_ostate_i (sha_hmac's pad states: word i in [WS*i +: WS],
// SHA-1 in [159:0], SHA-256 in [255:0]), s_esn_i, s_seq_hi_i (hashed after C
// in network byte order when s_esn_i, RFC 4303 2.2.1; not in the packet).
// Output packet: [SPI][SEQ][IV][P = CBC-decrypt(C)], the ICV cut off.
// m_axis_tuser on the last beat: bit 0 the whole truncated ICV matched (1 =
// authentic, as aes_gcm_stream's decrypt), bit 1 malformed (length not
// 24 + 16n + ICV with n >= 1, or longer than the buffer's MAXB beats); a
// malformed packet leaves as one beat of its first raw bytes, bit 0 low.
// Nothing is marked good before the whole ICV has been compared: the verdict
// is only on the last beat, so the caller (esp_ingress) holds the packet in
// its commit FIFO and drops and counts it there on a mismatch.
//
// Store and forward: a packet is written to the buffer (2^AW beats, BRAM,
// two read copies) and its length-derived figures to a descriptor (ND
// packets, LUTRAM) at tlast. Then, in order of arrival, a packet gets a
// context of the HMAC engine of its family (sha_hmac SHA-1 / SHA-256 /
// SHA-512 with U1/U256/U512 round units and NC1/NC256/NC512 contexts); one
// feeder reads the blocks of all packets with a context from the buffer and
// hands each to its engine when that context is idle, so packets interleave
// over the contexts (HMAC chains within a packet). When a packet's MAC is in,
// the output reader steps over its beats in order: each beat shifted by 8
// bytes (C starts at byte 24) goes through L = DATA_W/128 aes_cbc_dec lanes
// (one block per lane per cycle, the previous ciphertext block beside it,
// nothing chained), while the ICV lanes are compared with the MAC beside
// them; the plaintext is shifted back and written to the output FIFO, the
// last beat held until the last ICV byte has been compared. Packets leave in
// the order they came in; the reader issues a beat only with a free slot in
// the output FIFO (credits), so m_axis_tready may stall at any time.
// Decryption and MAC run in parallel across packets, not within one: a
// packet is decrypted on its way out, after its MAC (while the packets
// behind it are hashed), so no plaintext is stored; its last beat could not
// leave before the MAC anyway.
module cbc_hmac_decrypt #(
  parameter int DATA_W = 512,
  parameter int AW     = (DATA_W == 512) ? 9 : 11,   // buffer of 2^AW beats
  parameter int ND     = 16,                         // packets in the buffer
  parameter int U1     = 1,                          // SHA-1 round units
  parameter int U256   = 1,                          // SHA-256 round units
  parameter int U512   = 1,                          // SHA-512/384 round units
  parameter int NC1    = 2 * U1 + 2,                 // contexts per engine
  parameter int NC256  = 2 * U256 + 2,
  parameter int NC512  = 2 * U512 + 2,
  parameter int OFD    = 32                          // output FIFO beats
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic [DATA_W-1:0]   s_axis_tdata,
  input  logic [DATA_W/8-1:0] s_axis_tkeep,
  input  logic                s_axis_tlast,
  input  logic                s_axis_tvalid,
  output logic                s_axis_tready,
  input  logic                s_key256_i,     // first beat
  input  logic [255:0]        s_dkey_i,       // first beat
  input  logic [1:0]          s_mac_alg_i,    // first beat
  input  logic [511:0]        s_istate_i,     // first beat
  input  logic [511:0]        s_ostate_i,     // first beat
  input  logic                s_esn_i,        // first beat
  input  logic [31:0]         s_seq_hi_i,     // first beat
  output logic [DATA_W-1:0]   m_axis_tdata,
  output logic [DATA_W/8-1:0] m_axis_tkeep,
  output logic                m_axis_tlast,
  output logic                m_axis_tvalid,
  input  logic                m_axis_tready,
  output logic [1:0]          m_axis_tuser
);
  localparam int WB    = DATA_W / 8;
  localparam int L     = DATA_W / 128;
  localparam int LOGWB = $clog2(WB);
  localparam int DW    = $clog2(ND);
  // beats kept of one packet: half the buffer, at most 16 KiB (16-bit lengths)
  localparam int MAXB  = (2 ** (AW - 1) < 16384 / WB) ? 2 ** (AW - 1) : 16384 / WB;
  localparam int NJ    = NC1 + NC256 + NC512;
  localparam int JW    = $clog2(NJ);
  localparam int IW1   = (NC1 > 1) ? $clog2(NC1) : 1;
  localparam int IW2   = (NC256 > 1) ? $clog2(NC256) : 1;
  localparam int IW3   = (NC512 > 1) ? $clog2(NC512) : 1;
  localparam int IWM   = (IW1 > IW2) ? ((IW1 > IW3) ? IW1 : IW3) : ((IW2 > IW3) ? IW2 : IW3);
  localparam int BPB1  = (64 >= WB) ? 64 / WB : 1;    // beats per SHA-1/256 block
  localparam int BPB3  = 128 / WB;                    // beats per SHA-512 block
  // descriptor: base nst nbs no eout mlen g0 mal alg esn
  localparam int DSW   = 4 * AW + 16 + 16 + 13 + 1 + 2 + 1;
  localparam int OW    = DATA_W + WB + 1 + 2;          // output FIFO word

  // ------------------------------------------------------------ buffer --
  logic [DATA_W-1:0] buf_b [2**AW];     // read by the MAC feeder
  logic [DATA_W-1:0] buf_c [2**AW];     // read by the output reader
  logic              bw_en;
  logic [AW-1:0]     bw_addr, rb_addr, rc_addr;
  logic [DATA_W-1:0] bw_data, rdb_q, rdc_q;
  always_ff @(posedge clk_i) begin
    if (bw_en) buf_b[bw_addr] <= bw_data;
    rdb_q <= buf_b[rb_addr];
  end
  always_ff @(posedge clk_i) begin
    if (bw_en) buf_c[bw_addr] <= bw_data;
    rdc_q <= buf_c[rc_addr];
  end

  // Descriptor tables (LUTRAM), entry = packet slot.
  logic [256:0]    key_mem [ND];      // {key256, dkey}, first beat
  logic [1023:0]   pad_mem [ND];      // {ostate, istate}, first beat
  logic [31:0]     seq_mem [ND];      // seq_hi, first beat
  logic [DSW-1:0]  dsc_mem [ND];      // figures, at tlast
  logic [255:0]    mac1_mem [ND];     // MACs of the engines
  logic [255:0]    mac2_mem [ND];
  logic [255:0]    mac3_mem [ND];

  // ------------------------------------------------------------- input --
  logic            in_pkt_q;
  logic [AW-1:0]   in_nb_q;           // beats written of this packet (<= MAXB)
  logic            in_over_q;
  logic [AW:0]     wptr_q, rel_q;     // buffer pointers (wrap bit on top)
  logic [DW:0]     dwp_q, dcp_q, drel_q;  // descriptors: allocated, committed, released
  logic [AW-1:0]   in_base_q;
  logic [1:0]      in_alg_q;
  logic            in_esn_q;
  logic [AW:0]     buf_used;
  logic [DW:0]     dsc_used;
  logic            accept, nb_full;
  logic [AW-1:0]   nb_cur, base_cur;
  logic [DW-1:0]   slot_cur;
  logic [1:0]      alg_cur;
  logic            esn_cur;

  assign buf_used      = wptr_q - rel_q;
  assign dsc_used      = dwp_q - drel_q;
  assign nb_cur        = in_pkt_q ? in_nb_q : '0;
  assign nb_full       = in_pkt_q && (in_nb_q == AW'(MAXB));
  assign s_axis_tready = in_pkt_q ? (nb_full || !buf_used[AW]) : (!buf_used[AW] && !dsc_used[DW]);
  assign accept        = s_axis_tvalid && s_axis_tready;
  assign base_cur      = in_pkt_q ? in_base_q : wptr_q[AW-1:0];
  assign slot_cur      = in_pkt_q ? dwp_q[DW-1:0] - DW'(1) : dwp_q[DW-1:0];
  assign alg_cur       = in_pkt_q ? in_alg_q : s_mac_alg_i;
  assign esn_cur       = in_pkt_q ? in_esn_q : s_esn_i;
  assign bw_en         = accept && !nb_full;
  assign bw_addr       = wptr_q[AW-1:0];
  assign bw_data       = s_axis_tdata;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      in_pkt_q  <= 1'b0;
      in_nb_q   <= '0;
      in_over_q <= 1'b0;
      wptr_q    <= '0;
      dwp_q     <= '0;
    end else if (accept) begin
      in_pkt_q <= !s_axis_tlast;
      if (!nb_full) begin
        wptr_q  <= wptr_q + 1'b1;
        in_nb_q <= nb_cur + 1'b1;
      end
      in_over_q <= in_pkt_q && (in_over_q || nb_full);
      if (!in_pkt_q) dwp_q <= dwp_q + 1'b1;
    end
  end
  always_ff @(posedge clk_i) begin
    if (accept && !in_pkt_q) begin
      in_base_q <= wptr_q[AW-1:0];
      in_alg_q  <= s_mac_alg_i;
      in_esn_q  <= s_esn_i;
      key_mem[dwp_q[DW-1:0]] <= {s_key256_i, s_dkey_i};
      pad_mem[dwp_q[DW-1:0]] <= {s_ostate_i, s_istate_i};
      seq_mem[dwp_q[DW-1:0]] <= s_seq_hi_i;
    end
  end

  // ---------------------------------------------------- commit (C1-C4) --
  // C1 the last beat's keep and the packet's registers, C2 the length, C3
  // the ICV position and checks, C4 the beat counts; then the descriptor.
  logic            c1_v, c2_v, c3_v, c4_v;
  logic [WB-1:0]   c1_keep;
  logic [AW-1:0]   c1_nb, c2_nb, c3_nb, c1_base, c2_base, c3_base;
  logic [DW-1:0]   c1_slot, c2_slot, c3_slot;
  logic [1:0]      c1_alg, c2_alg, c3_alg;
  logic            c1_esn, c2_esn, c3_esn, c1_over, c2_over;
  logic [15:0]     c2_len, c3_len, c3_e, c3_mlen;
  logic            c3_mal;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      c1_v <= 1'b0;
      c2_v <= 1'b0;
      c3_v <= 1'b0;
      c4_v <= 1'b0;
    end else begin
      c1_v <= accept && s_axis_tlast;
      c2_v <= c1_v;
      c3_v <= c2_v;
      c4_v <= c3_v;
    end
  end

  always_ff @(posedge clk_i) begin
    if (accept && s_axis_tlast) begin
      c1_keep <= s_axis_tkeep;
      c1_nb   <= nb_full ? nb_cur : nb_cur + 1'b1;
      c1_base <= base_cur;
      c1_slot <= slot_cur;
      c1_alg  <= alg_cur;
      c1_esn  <= esn_cur;
      c1_over <= in_pkt_q && (in_over_q || nb_full);
    end
  end

  // C2: bytes of the last beat (keep is contiguous: the edge's position).
  logic [LOGWB:0] c1_cnt;
  always_comb begin
    c1_cnt = '0;
    for (int j = 0; j < WB; j++) begin
      if (c1_keep[j] && ((j == WB - 1) || !c1_keep[(j == WB - 1) ? j : j + 1])) begin
        c1_cnt = c1_cnt | (LOGWB + 1)'(j + 1);
      end
    end
  end
  always_ff @(posedge clk_i) begin
    c2_len  <= 16'({c1_nb - AW'(1), {LOGWB{1'b0}}}) + 16'(c1_cnt);
    c2_nb   <= c1_nb;
    c2_base <= c1_base;
    c2_slot <= c1_slot;
    c2_alg  <= c1_alg;
    c2_esn  <= c1_esn;
    c2_over <= c1_over;
  end

  // C3: E = len - ICV (the ICV's offset), mlen = E (+ 4 with ESN).
  logic [15:0] c2_icv, c2_min;
  always_comb begin
    case (c2_alg)
      2'd0:    c2_icv = 16'd12;
      2'd1:    c2_icv = 16'd16;
      2'd2:    c2_icv = 16'd24;
      default: c2_icv = 16'd32;
    endcase
    c2_min = c2_icv + 16'd40;
  end
  always_ff @(posedge clk_i) begin
    c3_len  <= c2_len;
    c3_e    <= c2_len - c2_icv;
    c3_mlen <= c2_len - c2_icv + (c2_esn ? 16'd4 : 16'd0);
    c3_mal  <= c2_over || (c2_len < c2_min) || ((c2_len[3:0] - c2_icv[3:0]) != 4'd8);
    c3_nb   <= c2_nb;
    c3_base <= c2_base;
    c3_slot <= c2_slot;
    c3_alg  <= c2_alg;
    c3_esn  <= c2_esn;
  end

  // C4: output beats NO = ceil(E / WB), steps NBS (stored beats; the reader
  // also reads one past), g0 = (E + 8) / 16 the ICV's lane in the shifted
  // stream. A malformed packet: one output beat of its first bytes.
  logic [AW-1:0]  c3_no, c3_nbs;
  logic [15:0]    c3_eout, c3_eceil;
  logic [12:0]    c3_g0;
  always_comb begin
    c3_eceil = c3_e + 16'(WB - 1);
    c3_no    = c3_mal ? AW'(1) : AW'(c3_eceil >> LOGWB);
    c3_nbs   = c3_mal ? AW'(1) : c3_nb;
    c3_eout  = c3_mal ? c3_len : c3_e;
    c3_g0    = 13'((c3_e + 16'd8) >> 4);
  end
  logic [DW-1:0]  c4_slot;
  logic [DSW-1:0] c4_dsc;
  always_ff @(posedge clk_i) begin
    c4_slot <= c3_slot;
    c4_dsc  <= {c3_base, c3_nb, c3_nbs, c3_no, c3_eout, c3_mlen, c3_g0, c3_mal, c3_alg, c3_esn};
  end
  always_ff @(posedge clk_i) begin
    if (c4_v) dsc_mem[c4_slot] <= c4_dsc;
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) dcp_q <= '0;
    else if (c4_v) dcp_q <= dcp_q + 1'b1;
  end

  // ------------------------------------------------------- MAC starter --
  // M: the next committed packet's descriptor, then a free context of its
  // engine (or, malformed, straight to done).
  logic [DW:0]     mptr_q;
  logic            m_v_q;
  logic [DW-1:0]   m_slot_q;
  logic [AW-1:0]   m_base_q;
  logic [15:0]     m_mlen_q;
  logic            m_mal_q, m_esn_q;
  logic [1:0]      m_alg_q;
  logic [31:0]     m_seq_q;
  logic [DSW-1:0]  m_dsc;
  logic [AW-1:0]   md_base, md_nst, md_nbs, md_no;
  logic [15:0]     md_eout, md_mlen;
  logic [12:0]     md_g0;
  logic            md_mal, md_esn;
  logic [1:0]      md_alg;
  assign m_dsc = dsc_mem[mptr_q[DW-1:0]];
  assign {md_base, md_nst, md_nbs, md_no, md_eout, md_mlen, md_g0, md_mal, md_alg, md_esn} = m_dsc;

  // Jobs = contexts: j < NC1 SHA-1, then SHA-256, then SHA-512.
  logic [NJ-1:0]   j_act_q, j_first_q, j_esn_q, j_384_q, j_busy, j_free;
  // Flip-flops (NJ is small), job j's field in slice j.
  logic [NJ*DW-1:0] j_desc_q;
  logic [NJ*AW-1:0] j_addr_q;
  logic [NJ*18-1:0] j_rem_q;           // mlen - block start (signed)
  logic [NJ*16-1:0] j_len_q;
  logic [NJ*32-1:0] j_seq_q;
  logic [NC1-1:0]   busy1;
  logic [NC256-1:0] busy2;
  logic [NC512-1:0] busy3;
  assign j_busy = {busy3, busy2, busy1};
  assign j_free = ~j_act_q & ~j_busy;

  // M's pick: the first free context of the packet's engine (one-hot).
  logic            m_go, m_take;
  logic [NJ-1:0]   m_cand, m_oh;
  always_comb begin
    for (int j = 0; j < NJ; j++) begin
      m_cand[j] = j_free[j] && ((j < NC1) ? (m_alg_q == 2'd0)
                                : (j < NC1 + NC256) ? (m_alg_q == 2'd1) : m_alg_q[1]);
    end
    m_oh = m_cand & ~(m_cand - NJ'(1));
    m_go = |m_cand;
  end
  assign m_take = m_v_q && (m_mal_q || m_go);

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      m_v_q  <= 1'b0;
      mptr_q <= '0;
    end else if (!m_v_q || m_take) begin
      m_v_q <= (mptr_q != dcp_q);
      if (mptr_q != dcp_q) mptr_q <= mptr_q + 1'b1;
    end
  end
  always_ff @(posedge clk_i) begin
    if (!m_v_q || m_take) begin
      m_slot_q <= mptr_q[DW-1:0];
      m_base_q <= md_base;
      m_mlen_q <= md_mlen;
      m_mal_q  <= md_mal;
      m_alg_q  <= md_alg;
      m_esn_q  <= md_esn;
      m_seq_q  <= seq_mem[mptr_q[DW-1:0]];
    end
  end

  // ------------------------------------------------------ block feeder --
  // F_IDLE picks a job with an idle context, F_RD reads the block's beats,
  // F_W waits for the last one, F_OFF offers the block to its engine.
  localparam logic [1:0] F_IDLE = 2'd0, F_RD = 2'd1, F_W = 2'd2, F_OFF = 2'd3;
  logic [1:0]      f_st_q;
  logic [JW-1:0]   f_j_q;
  logic [1:0]      f_eng_q;
  logic [IWM-1:0]  f_id_q;
  logic [AW-1:0]   f_addr_q;
  logic [3:0]      f_k_q, f_n_q;
  logic [17:0]     f_rem_q, f_nrem_q;
  logic [AW-1:0]   f_naddr_q;
  logic [15:0]     f_len_q;
  logic [31:0]     f_seq_q;
  logic            f_first_q, f_esn_q, f_384_q;
  logic [DW-1:0]   f_desc_q;
  logic            fr_v_q;
  logic [3:0]      fr_k_q;
  logic [1023:0]   f_blk_q, f_block;
  logic [127:0]    f_keep_q, f_sq_q;
  logic [255:0]    f_sqb_q;
  logic [7:0]      f_seqb;
  logic            f_pad_q, f_last_q;
  logic            f_pick;
  logic [NJ-1:0]   f_cand, f_oh;
  logic [JW-1:0]   f_pj;
  logic [AW-1:0]   f_paddr;
  logic [17:0]     f_prem;
  logic [15:0]     f_plen;
  logic [31:0]     f_pseq;
  logic [DW-1:0]   f_pdesc;
  logic [1:0]      f_peng;
  logic [IWM-1:0]  f_pid;
  logic            f_take, rdy1, rdy2, rdy3;
  always_comb begin
    // The first job with an idle context (one-hot), its fields AND-OR.
    f_cand  = j_act_q & ~j_busy;
    f_oh    = f_cand & ~(f_cand - NJ'(1));
    f_pick  = |f_cand;
    f_pj    = '0;
    f_paddr = '0;
    f_prem  = '0;
    f_plen  = '0;
    f_pseq  = '0;
    f_pdesc = '0;
    f_peng  = '0;
    f_pid   = '0;
    for (int j = 0; j < NJ; j++) begin
      f_pj    = f_pj    | (f_oh[j] ? JW'(j) : '0);
      f_paddr = f_paddr | (j_addr_q[AW*j +: AW] & {AW{f_oh[j]}});
      f_prem  = f_prem  | (j_rem_q[18*j +: 18] & {18{f_oh[j]}});
      f_plen  = f_plen  | (j_len_q[16*j +: 16] & {16{f_oh[j]}});
      f_pseq  = f_pseq  | (j_seq_q[32*j +: 32] & {32{f_oh[j]}});
      f_pdesc = f_pdesc | (j_desc_q[DW*j +: DW] & {DW{f_oh[j]}});
      f_peng  = f_peng  | (f_oh[j] ? ((j < NC1) ? 2'd0 : (j < NC1 + NC256) ? 2'd1 : 2'd2) : 2'd0);
      f_pid   = f_pid   | (f_oh[j] ? ((j < NC1) ? IWM'(j) : (j < NC1 + NC256) ? IWM'(j - NC1)
                                                            : IWM'(j - NC1 - NC256)) : '0);
    end
  end
  assign f_take = (f_st_q == F_OFF) &&
                  ((f_eng_q == 2'd0) ? rdy1 : (f_eng_q == 2'd1) ? rdy2 : rdy3);
  assign rb_addr = f_addr_q + AW'(f_k_q);

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      f_st_q <= F_IDLE;
      fr_v_q <= 1'b0;
    end else begin
      fr_v_q <= (f_st_q == F_RD);
      case (f_st_q)
        F_IDLE:  if (f_pick) f_st_q <= F_RD;
        F_RD:    if (f_k_q == f_n_q) f_st_q <= F_W;
        F_W:     f_st_q <= F_OFF;
        default: if (f_take) f_st_q <= F_IDLE;
      endcase
    end
  end
  always_ff @(posedge clk_i) begin
    fr_k_q <= f_k_q;
    if (f_st_q == F_IDLE) begin
      f_j_q     <= f_pj;
      f_eng_q   <= f_peng;
      f_id_q    <= f_pid;
      f_n_q     <= (f_peng == 2'd2) ? 4'(BPB3 - 1) : 4'(BPB1 - 1);
      f_addr_q  <= f_paddr;
      f_rem_q   <= f_prem;
      f_len_q   <= f_plen;
      f_seq_q   <= f_pseq;
      f_first_q <= |(j_first_q & f_oh);
      f_esn_q   <= |(j_esn_q & f_oh);
      f_384_q   <= |(j_384_q & f_oh);
      f_desc_q  <= f_pdesc;
      f_k_q     <= '0;
    end else if (f_st_q == F_RD) begin
      f_k_q <= f_k_q + 4'd1;
    end
    if (fr_v_q) f_blk_q[DATA_W * fr_k_q +: DATA_W] <= rdb_q;
    f_naddr_q <= f_addr_q + AW'(f_n_q) + AW'(1);
    f_nrem_q  <= f_rem_q - ((f_eng_q == 2'd2) ? 18'd128 : 18'd64);
  end

  // The block's flags from its remaining message bytes (rem = mlen - start).
  logic        f_neg, f_ge;
  logic [6:0]  f_t [128];
  always_comb begin
    f_neg = f_rem_q[17];
    f_ge  = !f_neg && ((f_eng_q == 2'd2) ? (f_rem_q[16:7] != '0) : (f_rem_q[16:6] != '0));
    for (int k = 0; k < 128; k++) f_t[k] = 7'(k + 4) - f_rem_q[6:0];
  end
  always_ff @(posedge clk_i) begin
    f_pad_q  <= !f_neg && !f_ge;
    f_last_q <= f_neg || ((f_eng_q == 2'd2) ? (f_rem_q < 18'd112) : (f_rem_q < 18'd56));
    for (int k = 0; k < 128; k++) begin
      f_keep_q[k] <= !f_neg && (f_ge || (7'(k) < f_rem_q[6:0]));
      f_sq_q[k]   <= f_esn_q && !f_neg && !f_ge && (f_t[k][6:2] == 5'd0);
      f_sqb_q[2*k +: 2] <= f_t[k][1:0];
    end
  end
  always_comb begin
    for (int k = 0; k < 128; k++) begin
      case (f_sqb_q[2*k +: 2])
        2'd0:    f_seqb = f_seq_q[31:24];
        2'd1:    f_seqb = f_seq_q[23:16];
        2'd2:    f_seqb = f_seq_q[15:8];
        default: f_seqb = f_seq_q[7:0];
      endcase
      f_block[8*k +: 8] = f_sq_q[k] ? f_seqb : f_blk_q[8*k +: 8];
    end
  end

  // ------------------------------------------------------- the engines --
  logic [1023:0] f_pads;
  assign f_pads = pad_mem[f_desc_q];
  logic              mv1, mv2, mv3;
  logic [IW1-1:0]    mid1;
  logic [IW2-1:0]    mid2;
  logic [IW3-1:0]    mid3;
  logic [255:0]      mac1, mac2, mac3;
  // One engine per family (f: 0 SHA-1, 1 SHA-256, 2 SHA-512 and SHA-384),
  // each with its chaining values' and block's width.
  for (genvar f = 0; f < 3; f++) begin : g_eng
    localparam int ALG_F = (f == 0) ? sha_pkg::ALG_SHA1 : (f == 1) ? sha_pkg::ALG_SHA256 : sha_pkg::ALG_SHA512;
    localparam int U_F   = (f == 0) ? U1 : (f == 1) ? U256 : U512;
    localparam int NC_F  = (f == 0) ? NC1 : (f == 1) ? NC256 : NC512;
    localparam int IW_F  = (NC_F > 1) ? $clog2(NC_F) : 1;
    localparam int SW_F  = (f == 0) ? 160 : (f == 1) ? 256 : 512;   // chaining value bits
    localparam int BB_F  = (f == 2) ? 128 : 64;                      // block bytes
    logic [NC_F-1:0] busy;
    logic            rdy, mv;
    logic [IW_F-1:0] mid;
    logic [255:0]    mac;
    sha_hmac #(.ALG(ALG_F), .U(U_F), .NCTX(NC_F)) u_sha (
      .clk_i, .rst_ni,
      .ctx_busy_o (busy),
      .s_valid_i  ((f_st_q == F_OFF) && (f_eng_q == 2'(f))),
      .s_ready_o  (rdy),
      .s_id_i     (IW_F'(f_id_q)),
      .s_first_i  (f_first_q),
      .s_pad_i    (f_pad_q),
      .s_last_i   (f_last_q),
      .s_len_i    (f_len_q),
      .s_sha384_i ((f == 2) && f_384_q),
      .s_istate_i (f_pads[0 +: SW_F]),
      .s_ostate_i (f_pads[512 +: SW_F]),
      .s_keep_i   (f_keep_q[0 +: BB_F]),
      .s_block_i  (f_block[0 +: 8 * BB_F]),
      .m_valid_o  (mv),
      .m_id_o     (mid),
      .m_mac_o    (mac));
  end
  assign {busy1, rdy1, mv1, mid1, mac1} = {g_eng[0].busy, g_eng[0].rdy, g_eng[0].mv, g_eng[0].mid, g_eng[0].mac};
  assign {busy2, rdy2, mv2, mid2, mac2} = {g_eng[1].busy, g_eng[1].rdy, g_eng[1].mv, g_eng[1].mid, g_eng[1].mac};
  assign {busy3, rdy3, mv3, mid3, mac3} = {g_eng[2].busy, g_eng[2].rdy, g_eng[2].mv, g_eng[2].mid, g_eng[2].mac};

  // Job registers: started by M, advanced by the feeder.
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      j_act_q <= '0;
    end else begin
      for (int j = 0; j < NJ; j++) begin
        if (m_v_q && !m_mal_q && m_oh[j]) j_act_q[j] <= 1'b1;
        else if (f_take && f_last_q && (f_j_q == JW'(j))) j_act_q[j] <= 1'b0;
      end
    end
  end
  always_ff @(posedge clk_i) begin
    for (int j = 0; j < NJ; j++) begin
      if (m_v_q && !m_mal_q && m_oh[j]) begin
        j_desc_q[DW*j +: DW] <= m_slot_q;
        j_addr_q[AW*j +: AW] <= m_base_q;
        j_rem_q[18*j +: 18]  <= {2'b00, m_mlen_q};
        j_len_q[16*j +: 16]  <= m_mlen_q;
        j_seq_q[32*j +: 32]  <= m_seq_q;
        j_first_q[j]         <= 1'b1;
        j_esn_q[j]           <= m_esn_q;
        j_384_q[j]           <= (m_alg_q == 2'd2);
      end else if (f_take && (f_j_q == JW'(j))) begin
        j_addr_q[AW*j +: AW] <= f_naddr_q;
        j_rem_q[18*j +: 18]  <= f_nrem_q;
        j_first_q[j]         <= 1'b0;
      end
    end
  end

  // Results: the MAC to the packet's slot, the slot marked done.
  logic [ND-1:0] done_q;
  logic [DW-1:0] r1_d, r2_d, r3_d;
  logic [NC1*DW-1:0]   jd1;
  logic [NC256*DW-1:0] jd2;
  logic [NC512*DW-1:0] jd3;
  assign {jd3, jd2, jd1} = j_desc_q;
  assign r1_d = jd1[DW * mid1 +: DW];
  assign r2_d = jd2[DW * mid2 +: DW];
  assign r3_d = jd3[DW * mid3 +: DW];
  always_ff @(posedge clk_i) begin
    if (mv1) mac1_mem[r1_d] <= mac1;
  end
  always_ff @(posedge clk_i) begin
    if (mv2) mac2_mem[r2_d] <= mac2;
  end
  always_ff @(posedge clk_i) begin
    if (mv3) mac3_mem[r3_d] <= mac3;
  end

  // ----------------------------------------------------- output reader --
  logic [DW:0]     optr_q;
  logic            o_act_q, o_start, o_issue, o_final;
  logic [AW-1:0]   o_base_q, o_nst_q, o_nbs_q, o_no_q, o_s_q;
  logic [17:0]     o_rem_q;            // E - WB*(s-1): the bytes left for out beat s-1
  logic [13:0]     o_gl_q;             // g0 - L*s: the ICV's lane in this step (signed)
  logic            o_mal_q;
  logic [1:0]      o_alg_q;
  logic [256:0]    o_key_q;
  logic [255:0]    o_mac_q;
  logic [$clog2(OFD + 1):0] cred_q;
  logic [DSW-1:0]  o_dsc;
  logic [AW-1:0]   od_base, od_nst, od_nbs, od_no;
  logic [15:0]     od_eout, od_mlen;
  logic [12:0]     od_g0;
  logic            od_mal, od_esn;
  logic [1:0]      od_alg;
  assign o_dsc = dsc_mem[optr_q[DW-1:0]];
  assign {od_base, od_nst, od_nbs, od_no, od_eout, od_mlen, od_g0, od_mal, od_alg, od_esn} = o_dsc;
  assign o_start = !o_act_q && (optr_q != dcp_q) && done_q[optr_q[DW-1:0]];
  assign o_issue = o_act_q && (cred_q != '0);
  assign o_final = (o_s_q == o_nbs_q);
  assign rc_addr = o_base_q + o_s_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      done_q <= '0;
    end else begin
      for (int d = 0; d < ND; d++) begin
        if ((m_v_q && m_mal_q && (m_slot_q == DW'(d))) ||
            (mv1 && (r1_d == DW'(d))) || (mv2 && (r2_d == DW'(d))) || (mv3 && (r3_d == DW'(d)))) begin
          done_q[d] <= 1'b1;
        end else if (o_start && (optr_q[DW-1:0] == DW'(d))) begin
          done_q[d] <= 1'b0;
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      o_act_q <= 1'b0;
      optr_q  <= '0;
      rel_q   <= '0;
      drel_q  <= '0;
    end else if (o_start) begin
      o_act_q <= 1'b1;
    end else if (o_issue && o_final) begin
      o_act_q <= 1'b0;
      optr_q  <= optr_q + 1'b1;
      drel_q  <= drel_q + 1'b1;
      rel_q   <= rel_q + (AW+1)'(o_nst_q);
    end
  end
  always_ff @(posedge clk_i) begin
    if (o_start) begin
      o_base_q <= od_base;
      o_nst_q  <= od_nst;
      o_nbs_q  <= od_nbs;
      o_no_q   <= od_no;
      o_mal_q  <= od_mal;
      o_alg_q  <= od_alg;
      o_s_q    <= '0;
      o_rem_q  <= {2'b00, od_eout} + 18'(WB);
      o_gl_q   <= {1'b0, od_g0};
      o_key_q  <= key_mem[optr_q[DW-1:0]];
      o_mac_q  <= (od_alg == 2'd0) ? mac1_mem[optr_q[DW-1:0]] :
                  (od_alg == 2'd1) ? mac2_mem[optr_q[DW-1:0]] : mac3_mem[optr_q[DW-1:0]];
    end else if (o_issue) begin
      o_s_q   <= o_s_q + 1'b1;
      o_rem_q <= o_rem_q - 18'(WB);
      o_gl_q  <= o_gl_q - 14'(L);
    end
  end

  // I1: the step's flags beside the buffer read.
  logic            i1_v, i1_first, i1_final, i1_emit, i1_lastout, i1_mal;
  logic [WB-1:0]   i1_okeep;
  logic [L-1:0]    i1_raw, i1_lo, i1_hi;
  logic [1:0]      i1_alg;
  logic [256:0]    i1_key;
  logic [255:0]    i1_mac;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) i1_v <= 1'b0;
    else         i1_v <= o_issue;
  end
  always_ff @(posedge clk_i) begin
    i1_first   <= (o_s_q == '0);
    i1_final   <= o_final;
    i1_emit    <= (o_s_q != '0) && (o_s_q <= o_no_q);
    i1_lastout <= (o_s_q == o_no_q);
    i1_mal     <= o_mal_q;
    i1_alg     <= o_alg_q;
    i1_key     <= o_key_q;
    i1_mac     <= o_mac_q;
    for (int b = 0; b < WB; b++) begin
      i1_okeep[b] <= !o_rem_q[17] && ((o_rem_q[16:LOGWB] != '0) || (LOGWB'(b) < o_rem_q[LOGWB-1:0]));
    end
    for (int k = 0; k < L; k++) begin
      i1_raw[k] <= o_mal_q || ((o_s_q * AW'(L) + AW'(k)) < AW'(2));
      i1_lo[k]  <= (o_gl_q == 14'(k));
      i1_hi[k]  <= (o_gl_q + 14'd1 == 14'(k));
    end
  end

  // R: the read beat shifted by 8 bytes (lane k = stored bytes
  // [WB*s - 8 + 16k, +16)), into the AES lanes with the previous block.
  logic [DATA_W-1:0] sr;
  logic [63:0]       rprev_q;        // the previous beat's last 8 bytes
  logic [127:0]      srprev_q;       // the previous shifted beat's last lane
  assign sr = {rdc_q[DATA_W-65:0], rprev_q};
  always_ff @(posedge clk_i) begin
    if (i1_v) begin
      rprev_q  <= rdc_q[DATA_W-1 -: 64];
      srprev_q <= sr[DATA_W-1 -: 128];
    end
  end
  logic [L-1:0]      a_v;
  logic [DATA_W-1:0] a_plain;
  for (genvar k = 0; k < L; k++) begin : g_aes
    logic [127:0] iv;
    /* verilator lint_off UNUSEDSIGNAL */
    logic         ch;
    /* verilator lint_on UNUSEDSIGNAL */
    if (k == 0) begin : g_iv0
      assign iv = srprev_q;
    end else begin : g_ivk
      assign iv = sr[128*(k-1) +: 128];
    end
    aes_cbc_dec #(.NCH(1)) u_dec (
      .clk_i, .rst_ni,
      .s_valid_i  (i1_v),
      .s_ch_i     (1'b0),
      .s_first_i  (1'b1),
      .s_key256_i (i1_key[256]),
      .s_dkey_i   (i1_key[255:0]),
      .s_iv_i     (iv),
      .s_block_i  (sr[128*k +: 128]),
      .m_valid_o  (a_v[k]),
      .m_ch_o     (ch),
      .m_block_o  (a_plain[128*k +: 128]));
  end

  // ICV compare beside the AES: A per-byte mismatch, B accumulated; the
  // verdict of a packet's final step then waits for its data (16 cycles).
  logic [WB-1:0] ca_mb_q;
  logic          ca_v, ca_first, cb_vd;
  logic [4:0]    icv_lo, icv_hi;
  always_comb begin
    case (i1_alg)
      2'd0:    begin icv_lo = 5'd12; icv_hi = 5'd0;  end
      2'd1:    begin icv_lo = 5'd16; icv_hi = 5'd0;  end
      2'd2:    begin icv_lo = 5'd16; icv_hi = 5'd8;  end
      default: begin icv_lo = 5'd16; icv_hi = 5'd16; end
    endcase
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) ca_v <= 1'b0;
    else         ca_v <= i1_v;
  end
  always_ff @(posedge clk_i) begin
    ca_first <= i1_first;
    for (int b = 0; b < WB; b++) begin
      ca_mb_q[b] <= (i1_lo[b / 16] && (5'(b % 16) < icv_lo) && (sr[8*b +: 8] != i1_mac[8*(b % 16) +: 8])) ||
                    (i1_hi[b / 16] && (5'(b % 16) < icv_hi) && (sr[8*b +: 8] != i1_mac[128 + 8*(b % 16) +: 8]));
    end
  end
  logic cb_acc_q, cb_ok_q, cb_any;
  assign cb_any = |ca_mb_q;
  always_ff @(posedge clk_i) begin
    if (ca_v) cb_acc_q <= (ca_first ? 1'b0 : cb_acc_q) || cb_any;
    cb_ok_q <= !((ca_first ? 1'b0 : cb_acc_q) || cb_any);
  end
  aes_gcm_delay #(.W(1), .D(16)) u_d_ok (
    .clk_i, .en_i(1'b1), .d_i(cb_ok_q), .q_o(cb_vd));

  // Sideband beside the AES (18 cycles).
  localparam int SBW = 1 + 1 + 1 + 1 + 1 + WB + L + DATA_W;
  logic              d_v, d_final, d_emit, d_lastout, d_mal;
  logic [WB-1:0]     d_okeep;
  logic [L-1:0]      d_raw;
  logic [DATA_W-1:0] d_sr;
  aes_gcm_delay #(.W(SBW), .D(18)) u_d_sb (
    .clk_i, .en_i(1'b1),
    .d_i ({i1_v, i1_final, i1_emit, i1_lastout, i1_mal, i1_okeep, i1_raw, sr}),
    .q_o ({d_v, d_final, d_emit, d_lastout, d_mal, d_okeep, d_raw, d_sr}));

  // ------------------------------------------------------ formation --
  // y = this step's shifted beat (raw lanes for the header and malformed
  // packets, plaintext otherwise); out beat s-1 = y_prev[8..WB) ++ y[0..8).
  logic [DATA_W-1:0] y, f_out, hold_q;
  logic [DATA_W-65:0] yprev_q;      // the previous step's bytes 8..WB-1
  logic [WB-1:0]     hold_keep_q;
  logic              o_wr, o_nowr;
  logic [OW-1:0]     o_wdata;
  always_comb begin
    for (int k = 0; k < L; k++) begin
      y[128*k +: 128] = d_raw[k] ? d_sr[128*k +: 128] : a_plain[128*k +: 128];
    end
    f_out = {y[63:0], yprev_q};
    o_wr    = d_v && ((d_emit && !(d_lastout && !d_final)) || (d_final && !d_emit));
    o_nowr  = d_v && !o_wr;
    o_wdata = (d_final && !d_emit) ? {hold_q, hold_keep_q, 1'b1, d_mal, !d_mal && cb_vd}
                                   : {f_out, d_okeep, d_final, d_mal, d_final && !d_mal && cb_vd};
  end
  always_ff @(posedge clk_i) begin
    if (d_v) yprev_q <= y[DATA_W-1:64];
    if (d_v && d_emit && d_lastout && !d_final) begin
      hold_q      <= f_out;
      hold_keep_q <= d_okeep;
    end
  end

  logic              q_v;
  logic [OW-1:0]     q_data;
  logic              pop;
  /* verilator lint_off UNUSEDSIGNAL */
  logic              q_wready;
  logic [$clog2(OFD + 1)-1:0] q_count;
  /* verilator lint_on UNUSEDSIGNAL */
  sync_fifo #(.WIDTH(OW), .DEPTH(OFD)) u_ofifo (
    .clk_i, .rst_ni,
    .wr_valid_i (o_wr),
    .wr_ready_o (q_wready),
    .wr_data_i  (o_wdata),
    .rd_valid_o (q_v),
    .rd_ready_i (m_axis_tready),
    .rd_data_o  (q_data),
    .count_o    (q_count));
  assign pop = q_v && m_axis_tready;
  assign {m_axis_tdata, m_axis_tkeep, m_axis_tlast, m_axis_tuser} = q_data;
  assign m_axis_tvalid = q_v;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) cred_q <= ($clog2(OFD + 1) + 1)'(OFD);
    else cred_q <= cred_q - {{$clog2(OFD + 1){1'b0}}, o_issue}
                          + {{$clog2(OFD + 1){1'b0}}, o_nowr}
                          + {{$clog2(OFD + 1){1'b0}}, pop};
  end

  /* verilator lint_off UNUSEDSIGNAL */
  logic unused;
  assign unused = ^{a_v, md_nst, md_nbs, md_no, md_eout, md_g0, od_mlen, od_esn};
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
