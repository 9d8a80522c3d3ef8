// esp_egress: host to wire. Each frame is parsed, looked up in the SPD and
// then bypassed, discarded, or ESP-encapsulated with its outbound SA
// (RFC 4303 tunnel or transport mode, optional RFC 3948 UDP encapsulation,
// AES-GCM per RFC 4106). The outbound SA table (esp_sa_table: sequence
// numbers, lifetimes, counters) lives here because only this pipeline changes
// it; execute is its stage B, so back-to-back frames of one SA stay exact.
//
//  host -> frame_capture -> frame FIFO ---------------> rehead(ESP header, trailer)
//               | meta                                    -> aes_gcm_stream
//               v                                         -> rehead(outer headers) -> wire
//          parse -> spd_classifier -> issue (lengths, MTU) -> execute (B: SA, seq,
//          counters, write-back) -> C: encryption/context commands, events,
//          outer header -> D, E: header checksum summed -> output command
module esp_egress
#(
  parameter int DATA_W    = 512,
  parameter int SA_N      = 1024,
  parameter int SPD_N     = 1024,     // classifier rule slots (a power of two, up to 16384)
  parameter int SPD_L     = 8,        // rules per classifier leaf
  parameter int SPD_D     = 8,        // classifier tree levels
  parameter int MAX_FRAME = 2048
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,

  input  logic [DATA_W-1:0]     s_axis_tdata,     // from the host
  input  logic [DATA_W/8-1:0]   s_axis_tkeep,
  input  logic                  s_axis_tlast,
  input  logic                  s_axis_tvalid,
  output logic                  s_axis_tready,

  output logic [DATA_W-1:0]     m_axis_tdata,     // to the wire
  output logic [DATA_W/8-1:0]   m_axis_tkeep,
  output logic                  m_axis_tlast,
  output logic                  m_axis_tvalid,
  input  logic                  m_axis_tready,

  input  logic [15:0]           mtu_i,            // largest outer IP packet
  input  logic                  default_discard_i, // no SPD match: drop (else bypass)

  // SA table slots of the control path (esp_sa_table): taken in any cycle
  // sa_ready_o is high; a READ is answered on sa_rsp_* in the next cycle.
  output logic                  sa_ready_o,
  input  logic                  sa_req_valid_i,
  input  espnic_pkg::sa_req_t   sa_req_i,
  output logic                  sa_rsp_valid_o,
  output espnic_pkg::sa_cfg_t   sa_rsp_cfg_o,
  output espnic_pkg::sa_dyn_t   sa_rsp_dyn_o,

  // A rule naming an SA was written (re-arms that SA's ACQUIRE).
  input  logic                  spd_wr_valid_i,
  input  logic                  spd_wr_enable_i,
  input  espnic_pkg::spd_rule_t spd_wr_rule_i,

  // SPD classifier writes (spd_classifier's write port, CLS_WRITE).
  input  logic                  cls_wr_valid_i,
  output logic                  cls_wr_ready_o,
  input  logic [3:0]            cls_wr_table_i,
  input  logic [15:0]           cls_wr_addr_i,
  input  logic [511:0]          cls_wr_data_i,

  output logic                  event_valid_o,
  input  logic                  event_ready_i,
  output espnic_pkg::event_t    event_o,

  // port counters
  output logic [63:0]           cnt_frames_in_o,
  output logic [63:0]           cnt_frames_out_o,
  output logic [63:0]           cnt_bytes_out_o,
  output logic [63:0]           cnt_protected_o,
  output logic [63:0]           cnt_bypassed_o,
  output logic [63:0]           cnt_discarded_o,  // by a DISCARD rule or the default
  output logic [63:0]           cnt_no_rule_o,    // of those: by the default (no rule matched, not IP)
  output logic [63:0]           cnt_rule_discard_o, // of those: by a rule
  output logic [63:0]           cnt_malformed_o,  // unparsable or oversize frames
  output logic [63:0]           cnt_no_sa_o,      // PROTECT rule whose SA is missing
  output logic [63:0]           cnt_event_lost_o
);
  localparam int BYTES   = DATA_W / 8;
  localparam int FIFO_D  = 2 * MAX_FRAME / BYTES + 8;
  localparam int OUT_HDR = 96;                  // largest outer header block

  // ------------------------------------------------------------------ entry
  logic                meta_valid, meta_ready, meta_oversize;
  logic [espnic_pkg::HDR_BYTES*8-1:0] meta_hdr;
  logic [15:0]         meta_len;
  logic [DATA_W-1:0]   frm_tdata;
  logic [BYTES-1:0]    frm_tkeep;
  logic                frm_tlast, frm_tvalid, frm_tready;

  frame_entry #(.DATA_W(DATA_W), .MAX_FRAME(MAX_FRAME), .DEPTH(FIFO_D)) u_entry (
    .clk_i, .rst_ni,
    .s_axis_tdata, .s_axis_tkeep, .s_axis_tlast, .s_axis_tvalid, .s_axis_tready,
    .m_axis_tdata(frm_tdata), .m_axis_tkeep(frm_tkeep), .m_axis_tlast(frm_tlast),
    .m_axis_tvalid(frm_tvalid), .m_axis_tready(frm_tready),
    .meta_valid_o(meta_valid), .meta_ready_i(meta_ready), .meta_hdr_o(meta_hdr),
    .meta_len_o(meta_len), .meta_oversize_o(meta_oversize)
  );

  // ------------------------------------------------------------------ parse

  // The parse of a frame takes two stages. Stage M registers the captured
  // header with what depends on its 802.1Q tag: whether it is tagged, the
  // ethertype class behind the tag, the IP header's first ten bytes and the
  // IP lengths read as if the tag were not there (the tag's four bytes taken
  // out of the header and the length: a route-based session's traffic is
  // tunnelled from behind its VLAN tag). Stage P parses from those registers
  // into p_q. One frame per cycle through both.
  // Every field is read at both places (untagged, and 4 bytes further
  // behind a tag) and the tag compare selects, so the compare is not in
  // front of the decodes.
  // Is (f + k) mod 2^16 > (len - 4t) mod 2^16 (an IP length f, k bytes
  // in front of it, against the frame's length without the tag)? One carry
  // chain, not an adder and a compare behind it: s = f + ~len + k + 4t (18
  // bits, a carry-save step and an add) gives D = f + k + 4t - len > 0 (s >=
  // 2^16) and D > 2^16 (s >= 2^17); each 16-bit wrap (f + k, and len - 4 for
  // t = 1) moves the threshold by 2^16 (both: never).
  function automatic logic len_over(input logic [15:0] f, input logic [15:0] len, input int k,
                                    input int t);
    logic [17:0] c, x, y, p;
    logic [16:0] m;
    logic [1:0]  s;    // bits 17:16 of the sum
    logic        wx, wy;
    c = 18'(k + 4 * t);
    x = {2'b00, f};
    y = {2'b00, ~len};
    p = x ^ y ^ c;
    m = 17'((x & y) | (x & c) | (y & c));
    s = 2'((p + {m, 1'b0}) >> 16);
    wx = 32'(f) >= 65536 - k;
    wy = t == 1 && len < 16'd4;
    len_over = (!wx && !wy) ? s[1] || s[0] : (wx != wy) && s[1];
  endfunction
  logic        pk_tagged;
  logic [1:0]  pk_v4, pk_v6, pk_arp;          // [1]: behind a tag
  logic [2*48-1:0] pk_ih;                     // [48*t +: 48]: t = 1 behind a tag
  logic [2*16-1:0] pk_ipl6, pk_pl6;
  logic [1:0]  pk_bad4, pk_bad6;             // the lengths do not fit the frame
  logic [1:0]  pk_ilt4, pk_ilt6;              // the frame without the tag under 34, 54 bytes
  logic [1:0]  pk_ports_len, pk_short, pk_hp4, pk_ports6;
  logic [2*12-1:0] pk_poh;                    // [12*t +: 12]: IPv4 ports at byte 34 + 4j
  logic [7:0]  pk_pr4, pk_pr6;
  logic [3:0]  pk_ihl;
  logic [13:0] pk_ipl;                        // IPv4 ip_len / 4
  always_comb begin
    pk_tagged = espnic_pkg::hbe16(meta_hdr, 12) == 16'h8100;
    for (int t = 0; t < 2; t++) begin
      pk_v4[t]      = espnic_pkg::hbe16(meta_hdr, 12 + 4 * t) == 16'h0800;
      pk_v6[t]      = espnic_pkg::hbe16(meta_hdr, 12 + 4 * t) == 16'h86DD;
      pk_arp[t]     = espnic_pkg::hbe16(meta_hdr, 12 + 4 * t) == 16'h0806;
      pk_ih[48*t +: 48] = {meta_hdr[8*(23 + 4*t) +: 8], meta_hdr[8*(20 + 4*t) +: 8], meta_hdr[8*(14 + 4*t) +: 32]};
      pk_ipl6[16*t +: 16]    = espnic_pkg::hbe16(meta_hdr, 18 + 4 * t) + 16'd40;
      pk_pl6[16*t +: 16]     = espnic_pkg::hbe16(meta_hdr, 18 + 4 * t);
      // (compared here, each place apart, and the results selected: a length
      // selected by the tag before its adder puts the compare in front of it)
      // (meta_len - 4t, 16 bits, under 34 or 54; the lengths by len_over)
      pk_ilt4[t] = t == 0 ? meta_len < 16'd34 : meta_len >= 16'd4 && meta_len < 16'd38;
      pk_ilt6[t] = t == 0 ? meta_len < 16'd54 : meta_len >= 16'd4 && meta_len < 16'd58;
      pk_bad4[t] = pk_ilt4[t] || len_over(espnic_pkg::hbe16(meta_hdr, 16 + 4 * t), meta_len, 14, t);
      pk_bad6[t] = pk_ilt6[t] || len_over(espnic_pkg::hbe16(meta_hdr, 18 + 4 * t), meta_len, 54, t);
      // IPv4: ip_len >= ihl4 + 4 (room for the ports), ip_len < ihl4; with
      // ihl4 a multiple of 4, compared as ip_len / 4 against the IHL (no adder).
      pk_ihl = meta_hdr[8*(14 + 4*t) +: 4];
      pk_ipl = {meta_hdr[8*(16 + 4*t) +: 8], meta_hdr[8*(17 + 4*t) + 2 +: 6]};
      // (written as the high bits' test and a 4-bit compare: a 14-bit compare
      // is a carry chain abc9 puts in front of the protocol tests)
      pk_ports_len[t] = pk_ipl[13:4] != '0 || pk_ipl[3:0] > pk_ihl;
      pk_short[t]     = pk_ipl[13:4] == '0 && pk_ipl[3:0] < pk_ihl;
      // Ports only in the first fragment of TCP, UDP and SCTP (IPv4), or an
      // IPv6 packet long enough for them.
      pk_pr4 = meta_hdr[8*(23 + 4*t) +: 8];
      pk_pr6 = meta_hdr[8*(20 + 4*t) +: 8];
      pk_hp4[t] = (pk_pr4 == 8'd6 || pk_pr4 == 8'd17 || pk_pr4 == 8'd132)
                  && meta_hdr[8*(21 + 4*t) +: 8] == 8'd0 && meta_hdr[8*(20 + 4*t) +: 5] == 5'd0
                  && pk_ports_len[t];
      pk_ports6[t] = (pk_pr6 == 8'd6 || pk_pr6 == 8'd17 || pk_pr6 == 8'd132)
                     && pk_ipl6[16*t +: 16] >= 16'd44;
      // The IPv4 ports' place in the captured header, one-hot: 14 + 4t + ihl4
      // = 34 + 4j, j = ihl - 5 + t (none for an IHL below 5).
      for (int j = 0; j < 12; j++) pk_poh[12*t + j] = 32'(pk_ihl) + 32'(t) == 32'(5 + j);
    end
  end

  logic        m_valid_q, m_ready;
  logic [espnic_pkg::HDR_BYTES*8-1:0] m_hdr_q;
  logic [15:0] m_len_q, m_pl6_q;
  logic        m_bad4_q, m_bad6_q;
  logic        m_oversize_q, m_tagged_q, m_v4_q, m_v6_q, m_arp_q, m_short_q, m_hp4_q, m_ports6_q;
  logic [11:0] m_poh_q;
  // The IP header bytes the parse reads (frame bytes 14-23, untagged): bytes
  // 0-3 at [31:0], 6 at [39:32], 9 at [47:40].
  logic [47:0] m_ih_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      m_valid_q <= 1'b0;
    end else begin
      if (m_ready) m_valid_q <= meta_valid;
    end
    if (meta_valid && m_ready) begin
      m_hdr_q       <= meta_hdr;
      m_len_q       <= meta_len;
      m_oversize_q  <= meta_oversize;
      m_tagged_q    <= pk_tagged;
      // (pk_*[0] implies untagged; written as an OR, not a select, which
      // yosys's opt_share would turn into one compare behind a mux)
      m_v4_q        <= pk_v4[0] || (pk_tagged && pk_v4[1]);
      m_v6_q        <= pk_v6[0] || (pk_tagged && pk_v6[1]);
      m_arp_q       <= pk_arp[0] || (pk_tagged && pk_arp[1]);
      m_ih_q        <= pk_tagged ? pk_ih[48 +: 48] : pk_ih[0 +: 48];
      m_pl6_q       <= pk_tagged ? pk_pl6[16 +: 16] : pk_pl6[0 +: 16];          // IPv6 payload length
      m_bad4_q      <= pk_tagged ? pk_bad4[1] : pk_bad4[0];
      m_bad6_q      <= pk_tagged ? pk_bad6[1] : pk_bad6[0];
      m_hp4_q       <= pk_tagged ? pk_hp4[1] : pk_hp4[0];
      m_ports6_q    <= pk_tagged ? pk_ports6[1] : pk_ports6[0];
      m_poh_q       <= pk_tagged ? pk_poh[12 +: 12] : pk_poh[0 +: 12];
      m_short_q     <= pk_tagged ? pk_short[1] : pk_short[0];
    end
  end

  // Stage P (an always_comb block, not a function: yosys 0.23 reads no
  // struct members inside a function). ih: the header as if untagged, from
  // the registered tag (spd_key reads the tag from pd.hdr).
  espnic_pkg::eg_parsed_t pd;
  logic [espnic_pkg::HDR_BYTES*8-1:0] ih;
  logic [7:0]  pd_ihl4;
  logic [15:0] ip_len4;
  logic [7:0]  proto4, proto6;
  logic [15:0] sport4, dport4;
  always_comb begin
    ih        = m_tagged_q ? {32'd0, m_hdr_q[espnic_pkg::HDR_BYTES*8-1:128], m_hdr_q[0 +: 96]} : m_hdr_q;
    pd_ihl4   = {2'b00, m_ih_q[0 +: 4], 2'b00};
    ip_len4   = {m_ih_q[8*2 +: 8], m_ih_q[8*3 +: 8]};
    proto4    = m_ih_q[40 +: 8];
    proto6    = m_ih_q[32 +: 8];
    // IPv4 ports at 14 + ihl4 (34 to 78 in the captured header, behind a
    // tag or not): selected by the one-hot stage M registered.
    sport4 = '0;
    dport4 = '0;
    for (int j = 0; j < 12; j++)
      if (m_poh_q[j]) begin
        sport4 = sport4 | espnic_pkg::hbe16(m_hdr_q, 34 + 4 * j);
        dport4 = dport4 | espnic_pkg::hbe16(m_hdr_q, 36 + 4 * j);
      end

    pd = '0;
    pd.hdr = m_hdr_q;
    pd.frame_len = m_len_q;
    pd.spd = m_v4_q || m_v6_q;
    pd.vtag = m_tagged_q;
    pd.arp = m_arp_q;
    if (m_oversize_q || m_len_q < (m_tagged_q ? 16'd18 : 16'd14)) begin
      pd.drop_malformed = 1'b1;
    end else if (m_v4_q) begin
      pd.is_ip   = 1'b1;
      pd.ip_hlen = pd_ihl4;
      pd.ip_len  = ip_len4;
      pd.tos     = m_ih_q[8*1 +: 8];
      pd.df      = m_ih_q[32 + 6];
      pd.key.proto = proto4;
      pd.key.src = {96'd0, ih[8*26 +: 32]};
      pd.key.dst = {96'd0, ih[8*30 +: 32]};
      if (m_ih_q[4 +: 4] != 4'd4 || pd_ihl4 < 8'd20 || m_short_q
          || m_bad4_q)
        pd.drop_malformed = 1'b1;
      if (m_hp4_q) begin
        pd.key.sport = sport4;
        pd.key.dport = dport4;
      end
    end else if (m_v6_q) begin
      pd.is_ip   = 1'b1;
      pd.v6      = 1'b1;
      pd.key.v6  = 1'b1;
      pd.ip_hlen = 8'd40;
      pd.ip_len  = m_pl6_q + 16'd40;
      pd.tos     = {m_ih_q[0 +: 4], m_ih_q[8*1+4 +: 4]};
      pd.key.proto = proto6;
      pd.key.src = ih[8*22 +: 128];
      pd.key.dst = ih[8*38 +: 128];
      if (m_ih_q[4 +: 4] != 4'd6 || m_bad6_q)
        pd.drop_malformed = 1'b1;
      if (m_ports6_q) begin
        pd.key.sport = espnic_pkg::hbe16(ih, 54);
        pd.key.dport = espnic_pkg::hbe16(ih, 56);
      end
    end
  end

  logic    p_valid_q;
  espnic_pkg::eg_parsed_t p_q;
  logic    spd_req_ready;
  wire     p_take = p_valid_q && (spd_req_ready || !p_q.spd || p_q.drop_malformed);
  // Frames that need no lookup skip the SPD but keep their order: they wait
  // in the same queue as looked-up ones (see the ordering FIFO below).

  // ------------------------------------------------------- ordering + SPD
  // Every parsed frame enters `ord` in order; IP frames also enter the SPD.
  logic    ord_wr_ready, ord_rd_valid, ord_rd_ready, j_needs_spd;
  espnic_pkg::eg_parsed_t ord_rd;
  logic    spd_resp_valid, spd_resp_ready, spd_hit;
  logic [15:0] spd_rule_idx, spd_sa;
  logic [1:0]  spd_action;

  wire p_ready = !p_valid_q || (p_take && ord_wr_ready);
  assign m_ready    = !m_valid_q || p_ready;
  assign meta_ready = m_ready;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      p_valid_q <= 1'b0;
    end else begin
      if (p_ready) p_valid_q <= m_valid_q;
    end
    if (m_valid_q && p_ready) p_q <= pd;
  end

  wire needs_spd = p_q.spd && !p_q.drop_malformed;

  // Deep enough for every lookup the key and the classifier hold (6 + 3*D+5 cycles).
  // (with the frame, whether it had a lookup: one term less in the read side)
  sync_fifo #(.WIDTH($bits(p_q) + 1), .DEPTH(64)) u_order (
    .clk_i, .rst_ni,
    .wr_valid_i(p_valid_q && (!needs_spd || spd_req_ready)), .wr_ready_o(ord_wr_ready),
    .wr_data_i({needs_spd, p_q}),
    .rd_valid_o(ord_rd_valid), .rd_ready_i(ord_rd_ready), .rd_data_o({j_needs_spd, ord_rd}),
    .count_o()
  );

  // The classifier's key (spd_key: a pipeline that moves with the
  // classifier). bad: an IPv6 extension header chain the key cannot walk;
  // the frame still takes its lookup (answers stay in order), and its bad bit
  // waits beside it in u_bad to make it a malformed drop (fail closed).
  logic [espnic_pkg::CLS_KEY_W-1:0] key;
  logic    key_valid, key_bad, bad_rd_valid, head_bad;
  // TCP MSS clamping: every frame written into `ord` has the MSS option of
  // its header (behind its 802.1Q tag, if any: a route-based session's)
  // looked for (esp_mss_find, 24 cycles, in parallel with the
  // longer SPD lookup); the answer waits in u_mss_loc beside the frame and is
  // taken at issue. u_mss_loc holds no more entries than `ord`.
  logic       mss_loc_valid, mss_loc_found, mss_rd_valid, mss_rd_found;
  logic [5:0] mss_loc_pos, mss_rd_pos;
  logic       unused_mss_wr_ready;
  esp_mss_find u_mss_find (
    .clk_i, .rst_ni, .in_valid_i(p_valid_q && (!needs_spd || spd_req_ready) && ord_wr_ready),
    .hdr_i(p_q.hdr), .out_valid_o(mss_loc_valid), .found_o(mss_loc_found), .pos_o(mss_loc_pos)
  );
  sync_fifo #(.WIDTH(7), .DEPTH(64)) u_mss_loc (
    .clk_i, .rst_ni,
    .wr_valid_i(mss_loc_valid), .wr_ready_o(unused_mss_wr_ready), .wr_data_i({mss_loc_found, mss_loc_pos}),
    .rd_valid_o(mss_rd_valid), .rd_ready_i(ord_rd_ready), .rd_data_o({mss_rd_found, mss_rd_pos}),
    .count_o()
  );

  spd_key u_key (
    .clk_i, .rst_ni, .en_i(spd_req_ready), .in_valid_i(p_valid_q && needs_spd && ord_wr_ready),
    .hdr_i(p_q.hdr), .out_valid_o(key_valid), .key_o(key), .bad_o(key_bad)
  );
  sync_fifo #(.WIDTH(1), .DEPTH(64)) u_bad (
    .clk_i, .rst_ni,
    .wr_valid_i(key_valid && spd_req_ready), .wr_ready_o(), .wr_data_i(key_bad),
    .rd_valid_o(bad_rd_valid), .rd_ready_i(spd_resp_ready), .rd_data_o(head_bad),
    .count_o()
  );

  logic unused_gen;
  // Node and leaf tables of twice the rule count: room for the compiler's
  // incremental layout (with as many entries as rules, updates near a full
  // SPD are refused).
  spd_classifier #(.N(SPD_N), .L(SPD_L), .D(SPD_D), .NODE_AW($clog2(SPD_N) + 1),
                   .LEAF_AW($clog2(SPD_N) + 1))
  u_spd (
    .clk_i, .rst_ni,
    .wr_valid_i(cls_wr_valid_i), .wr_ready_o(cls_wr_ready_o), .wr_table_i(cls_wr_table_i),
    .wr_addr_i(cls_wr_addr_i), .wr_data_i(cls_wr_data_i), .gen_o(unused_gen),
    .req_valid_i(key_valid), .req_ready_o(spd_req_ready),
    .req_key_i(key),
    .resp_valid_o(spd_resp_valid), .resp_ready_i(spd_resp_ready), .resp_hit_o(spd_hit),
    .resp_rule_o(spd_rule_idx), .resp_action_o(spd_action), .resp_sa_o(spd_sa)
  );

  // ---------------------------------------------------------------- execute
  // Per-packet commands for the three stream stages.
  typedef struct packed {
    logic                drop;
    logic [7:0]          strip;
    logic [15*8+7:0]     hdr;        // ESP header + IV (16 bytes)
    logic [7:0]          hdr_len;
    logic [15:0]         keep_len;
    logic [8*8-1:0]      tail;       // padding, pad length, next header
    logic [3:0]          tail_len;
  } enc_cmd_t;

  typedef struct packed {
    logic [OUT_HDR*8-1:0] hdr;
    logic [7:0]           hdr_len;
    logic [15:0]          keep_len;
  } out_cmd_t;

  logic ex_go;
  // The queues always have room (issue checks their counts).
  logic unused_enc_wr_ready, unused_ctx_wr_ready, unused_out_wr_ready;
  enc_cmd_t enc_cmd;
  aes_gcm_pkg::gcm_ctx_t ctx_cmd;
  out_cmd_t out_cmd;
  logic     push_enc, push_ctx, push_out;

  // Issue (table stage A): the frame at the head of `ord`, with its SPD
  // answer if it had a lookup, takes an SA table slot when the command queues
  // have room for it and for the frames in the stages after it (B and C for
  // the encryption and context queues, B to E for the output queue). Every
  // frame takes one, so frames stay in order; only PROTECT frames use what
  // the slot reads.
  // The output queue holds a frame's command from stage E until the outer
  // rehead starts the frame, i.e. across the ESP rehead and the whole crypto
  // core, so it bounds the frames between issue and the wire. At 512 bits a
  // 64-byte frame is two beats there, and 16 entries (issue below 12) held
  // fewer frames than that latency covers: issue waited on a full output
  // queue while the ESP rehead had frames and no command (532 cycles for 200
  // frames). 32 entries cover it and cost no more LUTRAM (RAM32M is 32 deep).
  localparam int OUT_Q_D = 32;
  logic [$clog2(17)-1:0]          enc_count, ctx_count;
  logic [$clog2(OUT_Q_D+1)-1:0]   out_count;
  // The head of `ord` joined with its MSS answer and, if it had a lookup,
  // its SPD answer and bad bit, is held in a skid buffer (a head register
  // and a spare one) whose ready is a register: the queues' reads do not
  // wait on the issue decision of the same cycle, and issue is a few gates
  // from registers. One frame per cycle through it.
  localparam int AUX_W = 1 + 6 + 1 + 16 + 2 + 16;
  wire      j_valid     = ord_rd_valid && mss_rd_valid
                          && (!j_needs_spd || (spd_resp_valid && bad_rd_valid));
  logic     h_valid_q, s_valid_q;
  espnic_pkg::eg_parsed_t j_p, h_p_q, s_p_q;
  logic [AUX_W-1:0] j_aux, h_aux_q, s_aux_q, h_aux_d;
  // (the transport payload length, ip_len - ip_hlen, rides along: issue
  // subtracts it from the byte limits)
  logic [15:0] j_pl_trn, h_pl_trn_q, s_pl_trn_q;
  assign j_pl_trn = ord_rd.ip_len - 16'(ord_rd.ip_hlen);
  wire      j_take = j_valid && !s_valid_q;
  always_comb begin
    j_p = ord_rd;                    // malformed if its key could not be built
    if (j_needs_spd && head_bad) j_p.drop_malformed = 1'b1;
  end
  assign j_aux = {mss_rd_found, mss_rd_pos, spd_hit, spd_rule_idx, spd_action, spd_sa};
  logic        h_mss_found, h_hit;
  logic [5:0]  h_mss_pos;
  logic [15:0] h_rule, h_sa;
  logic [1:0]  h_action;
  assign {h_mss_found, h_mss_pos, h_hit, h_rule, h_action, h_sa} = h_aux_q;
  logic     issue;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      h_valid_q <= 1'b0;
      s_valid_q <= 1'b0;
    end else if (issue || !h_valid_q) begin
      h_valid_q <= s_valid_q || j_take;
      s_valid_q <= 1'b0;
    end else if (j_take) begin
      s_valid_q <= 1'b1;
    end
    if (issue || !h_valid_q) begin
      h_p_q      <= s_valid_q ? s_p_q : j_p;
      h_pl_trn_q <= s_valid_q ? s_pl_trn_q : j_pl_trn;
    end
    h_aux_q <= h_aux_d;
    if (!s_valid_q) begin
      s_p_q      <= j_p;
      s_aux_q    <= j_aux;
      s_pl_trn_q <= j_pl_trn;
    end
  end
  // The head's next SA index (the lifetime limits' table is read with it a
  // cycle before the head's issue).
  assign h_aux_d = (issue || !h_valid_q) ? (s_valid_q ? s_aux_q : j_aux) : h_aux_q;

  // q_room: enc_count < 14, ctx_count < 14, out_count < OUT_Q_D - 4, kept
  // in a register: the counts a cycle ahead are the counts now with this
  // cycle's push and pop (the queue's own count update, written as compares,
  // so issue is a few gates from registers).
  logic     q_room;
  logic     enc_push, enc_pop, ctx_push, ctx_pop, out_push, out_pop;
  function automatic logic below_next(input logic [5:0] cnt, input logic [5:0] th,
                                      input logic push, input logic pop);
    below_next = cnt < th - 6'd1 || (cnt == th - 6'd1 && !(push && !pop))
                 || (cnt == th && pop && !push);
  endfunction
  always_ff @(posedge clk_i) begin
    if (!rst_ni) q_room <= 1'b1;
    else q_room <= below_next(6'(enc_count), 6'd14, enc_push, enc_pop)
                && below_next(6'(ctx_count), 6'd14, ctx_push, ctx_pop)
                && below_next(6'(out_count), 6'(OUT_Q_D - 4), out_push, out_pop);
  end
  logic     tbl_dp_ready, lt_ready;
  assign    issue = h_valid_q && q_room && tbl_dp_ready && lt_ready;
  assign ord_rd_ready   = j_take;
  assign spd_resp_ready = j_take && j_needs_spd;

  // Decision for the head frame.
  // Not IP: ARP passes (the neighbour resolution IP needs, the gateway's own
  // IKE included), any other ethertype takes the default action. A tagged
  // frame is tunnelled without its tag (execute drops it for a transport SA).
  logic [1:0]  action;
  logic        by_default;       // no rule decided: the default action
  espnic_pkg::eg_parsed_t ord_x; // the head frame, malformed if its key could not be built
  always_comb begin
    ord_x = h_p_q;
    by_default = 1'b0;
    if (ord_x.drop_malformed)             action = espnic_regs_pkg::ACT_DISCARD;
    else if (!ord_x.spd && ord_x.arp)     action = espnic_regs_pkg::ACT_BYPASS;
    else if (ord_x.spd && h_hit)          action = h_action;
    else begin
      by_default = 1'b1;
      action = default_discard_i ? espnic_regs_pkg::ACT_DISCARD : espnic_regs_pkg::ACT_BYPASS;
    end
  end

  // Discards by reason (the sum is cnt_discarded_o, counted at execute).
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cnt_no_rule_o      <= '0;
      cnt_rule_discard_o <= '0;
    end else if (issue && !ord_x.drop_malformed && action == espnic_regs_pkg::ACT_DISCARD) begin
      if (by_default) cnt_no_rule_o <= cnt_no_rule_o + 64'd1;
      else            cnt_rule_discard_o <= cnt_rule_discard_o + 64'd1;
    end
  end

  // Sizes of the encapsulated packet, for both modes, from the frame alone
  // (the SA picks one in stage B). The payload is the IP packet (tunnel) or
  // what follows its header (transport); payload, pad, pad length and next
  // header end on 4 bytes, so ct_len = (payload + 5) & ~3 and, because
  // ip_hlen is a multiple of 4, each length is ip_len plus a constant,
  // rounded down to 4: one adder each. The MTU check of each of the four
  // outer lengths (tunnel or transport, with or without UDP) is done here.
  logic [15:0] a_pl_trn, a_ct_tun, a_ct_trn, a_esp_tun, a_esp_trn;
  logic [63:0] a_outer;      // four 16-bit lengths, index {tunnel, udp_encap}
  logic [3:0]  a_over;
  logic [29:0] a_wm;         // IP header word i is within ip_hlen
  always_comb begin
    a_pl_trn  = h_pl_trn_q;                          // ord_x.ip_len - ord_x.ip_hlen
    a_ct_tun  = (ord_x.ip_len + 16'd5) & ~16'd3;
    a_ct_trn  = (a_pl_trn + 16'd5) & ~16'd3;
    a_esp_tun = (ord_x.ip_len + 16'd37) & ~16'd3;
    a_esp_trn = (a_pl_trn + 16'd37) & ~16'd3;
    a_outer[0 +: 16]  = (ord_x.ip_len + 16'd37) & ~16'd3;   // transport: ip_hlen + esp_len
    a_outer[16 +: 16] = (ord_x.ip_len + 16'd45) & ~16'd3;   // transport, UDP
    a_outer[32 +: 16] = (ord_x.ip_len + 16'd57) & ~16'd3;   // tunnel: 20 + esp_len
    a_outer[48 +: 16] = (ord_x.ip_len + 16'd65) & ~16'd3;   // tunnel, UDP
    for (int k = 0; k < 4; k++) a_over[k] = a_outer[16*k +: 16] > mtu_i;
    for (int i = 0; i < 30; i++) a_wm[i] = 8'(2 * i) < ord_x.ip_hlen;
  end

  // The SA's mode bits {tunnel, udp_encap}, a copy of the configuration's
  // written with it (the control slots that write the table's configuration)
  // and read at issue, combinationally, from the head register's SA index:
  // the payload length and the MTU check for the SA's mode are registered
  // into stage B. (A control slot and an issue are never in one cycle.)
  localparam int SAW = $clog2(SA_N);
  wire        cfg_side_we = sa_ready_o && sa_req_valid_i
                            && (sa_req_i.op == espnic_pkg::SA_OP_WRITE || sa_req_i.op == espnic_pkg::SA_OP_UPDATE);
  logic [1:0] mode_mem [SA_N];
  logic [1:0] a_mode;
  always_ff @(posedge clk_i)
    if (cfg_side_we) mode_mem[sa_req_i.index[SAW-1:0]] <= {sa_req_i.cfg.tunnel, sa_req_i.cfg.udp_encap};
  assign a_mode = mode_mem[h_sa[SAW-1:0]];

  typedef enum logic [2:0] {
    X_BYPASS, X_DISCARD, X_MALFORMED, X_NO_SA, X_EXPIRED, X_MTU, X_PROTECT
  } verdict_e;
  verdict_e a_pv;
  always_comb begin
    if (ord_x.drop_malformed)                        a_pv = X_MALFORMED;
    else if (action == espnic_regs_pkg::ACT_BYPASS)  a_pv = X_BYPASS;
    else if (action != espnic_regs_pkg::ACT_PROTECT) a_pv = X_DISCARD;
    else if (ord_x.vtag && !a_mode[1])               a_pv = X_DISCARD;   // transport keeps no tag
    else                                             a_pv = X_PROTECT;
  end

  // Execute (table stage B): the frame, its decision and its SA entry.
  logic                   x_valid;
  espnic_pkg::eg_parsed_t x_p;
  verdict_e               x_pv;
  logic [15:0]            sa_idx, x_rule;
  logic                   sa_in_range;
  logic [15:0]            x_ct_tun, x_ct_trn, x_esp_tun, x_esp_trn;
  logic [63:0]            x_outer;
  logic [15:0]            x_pl_len;     // payload bytes in the SA's mode
  logic                   x_over_mtu;   // the outer packet in the SA's mode is over the MTU
  logic [29:0]            x_wm;
  logic                   x_mss_found;
  logic [5:0]             x_mss_pos;
  always_ff @(posedge clk_i) begin
    if (issue) begin
      x_p      <= ord_x;
      x_mss_found <= h_mss_found;
      x_mss_pos   <= h_mss_pos;
      x_pv     <= a_pv;
      sa_idx   <= h_sa;
      x_rule   <= h_rule;
      sa_in_range <= h_sa < 16'(SA_N);
      x_ct_tun  <= a_ct_tun;
      x_ct_trn  <= a_ct_trn;
      x_esp_tun <= a_esp_tun;
      x_esp_trn <= a_esp_trn;
      x_outer   <= a_outer;
      x_pl_len  <= a_mode[1] ? ord_x.ip_len : a_pl_trn;
      x_over_mtu <= a_over[a_mode];
      x_wm      <= a_wm;
    end
  end
  assign ex_go = x_valid;

  espnic_pkg::sa_cfg_t      sa;
  espnic_pkg::sa_key_t      sa_key;
  espnic_pkg::sa_dyn_t      dyn, dp_dyn;
  espnic_pkg::sa_state_t    st;
  espnic_pkg::sa_counters_t sa_cnt;
  logic                     dp_we;
  assign st     = dyn.st;
  assign sa_cnt = dyn.cnt;

  // An SPD rule written with a PROTECT action's SA re-arms that SA's ACQUIRE.
  // (The control path never writes a rule and an SA in the same cycle.)
  wire [15:0]          spd_wr_sa = spd_wr_rule_i.sa;
  wire                 acq_rearm = spd_wr_valid_i && spd_wr_enable_i && spd_wr_sa < 16'(SA_N);
  espnic_pkg::sa_req_t tbl_req;
  always_comb begin
    tbl_req = sa_req_i;
    if (!sa_req_valid_i) begin
      tbl_req       = '0;
      tbl_req.op    = espnic_pkg::SA_OP_REARM_ACQ;
      tbl_req.index = spd_wr_sa;
    end
  end
  logic unused_ext;

  esp_sa_table #(.SA_N(SA_N), .EXT_W(1)) u_sa (
    .clk_i, .rst_ni, .ready_o(sa_ready_o),
    .ctl_valid_i(sa_req_valid_i || acq_rearm), .ctl_req_i(tbl_req),
    .ctl_rsp_valid_o(sa_rsp_valid_o), .ctl_rsp_cfg_o(sa_rsp_cfg_o), .ctl_rsp_dyn_o(sa_rsp_dyn_o),
    .dp_valid_i(h_valid_q && q_room && lt_ready), .dp_ready_o(tbl_dp_ready), .dp_index_i(h_sa),
    .dp_word_i(16'd0),
    .b_valid_o(x_valid), .b_cfg_o(sa), .b_key_o(sa_key), .b_dyn_o(dyn), .b_ext_o(unused_ext),
    .b_we_i(dp_we), .b_dyn_i(dp_dyn), .b_ext_i(1'b0)
  );

  // The sizes for the SA's mode, and the sequence number.
  logic [15:0] pl_len, ct_len, esp_len, outer_len, pl_off;
  logic [7:0]  next_hdr;
  logic [63:0] seq;
  logic        seq_exhausted, over_mtu;
  logic [15:0] ip_id_q;
  always_comb begin
    pl_len    = x_pl_len;
    ct_len    = sa.tunnel ? x_ct_tun : x_ct_trn;
    esp_len   = sa.tunnel ? x_esp_tun : x_esp_trn;
    outer_len = x_outer[16 * {sa.tunnel, sa.udp_encap} +: 16];
    over_mtu  = x_over_mtu;
    pl_off    = sa.tunnel ? (x_p.vtag ? 16'd18 : 16'd14) : 16'd14 + 16'(x_p.ip_hlen);
    next_hdr  = sa.tunnel ? (x_p.v6 ? espnic_pkg::IPP_IPV6 : espnic_pkg::IPP_IPV4) : x_p.key.proto;
    seq       = st.seq + 64'd1;
    seq_exhausted = sa.esn ? st.seq_end_esn : st.seq_end_32;
  end

  // What happens to the head frame (the part that does not depend on the
  // SA's state, x_pv, decided at issue: X_PROTECT there is a candidate).
  // Each outcome of a candidate as its own condition (v_*), so the SA
  // entry's write-back and the event are selected by a few gates from the
  // state, not through the encoded verdict's priority chain; `verdict`
  // encodes them for the stages after B.
  verdict_e verdict;
  logic     v_cand, v_live, v_exp, v_no_sa, v_expired, v_mtu, v_protect;
  always_comb begin
    v_cand    = x_pv == X_PROTECT;
    v_live    = sa_in_range && dyn.enable;
    v_exp     = st.hard_fired || seq_exhausted;
    v_no_sa   = v_cand && !v_live;
    v_expired = v_cand && v_live && v_exp;
    v_mtu     = v_cand && v_live && !v_exp && over_mtu;
    v_protect = v_cand && v_live && !v_exp && !over_mtu;
    if (!v_cand)        verdict = x_pv;
    else if (!v_live)   verdict = X_NO_SA;
    else if (v_exp)     verdict = X_EXPIRED;
    else if (over_mtu)  verdict = X_MTU;
    else                verdict = X_PROTECT;
  end

  // Lifetimes after this packet.
  logic [63:0] new_pkts, new_bytes;
  logic        soft_hit, hard_hit, wrap_hit;
  logic [3:0]  soft_kind, hard_kind;
  // (the limits' tables are read at issue, with the head frame's SA, and a
  // cycle before it, with the head's next SA: no issue in the cycle after a
  // configuration write, lt_ready)
  esp_sa_lifetime #(.SA_N(SA_N)) u_lifetime (
    .clk_i, .cfg_we_i(cfg_side_we), .cfg_index_i(sa_req_i.index[SAW-1:0]), .cfg_wr_i(sa_req_i.cfg),
    .ready_o(lt_ready), .nx_index_i(h_aux_d[SAW-1:0]), .rd_index_i(h_sa[SAW-1:0]),
    .rd_add_bytes_i(a_mode[1] ? ord_x.ip_len : a_pl_trn),
    .packets_i(sa_cnt.packets), .bytes_i(sa_cnt.bytes), .add_bytes_i(pl_len),
    .packets_o(new_pkts), .bytes_o(new_bytes), .soft_hit_o(soft_hit), .soft_kind_o(soft_kind),
    .hard_hit_o(hard_hit), .hard_kind_o(hard_kind)
  );
  // Warn well before the sequence number runs out (2^32 without ESN): the top
  // 16 bits of seq = st.seq + 1 all ones, a flag of the SA's state
  // (espnic_pkg::seq_warn, written with seq).
  assign wrap_hit = sa.esn ? st.seq_warn_esn : st.seq_warn_32;

  // Will the event queue have room when stage C pushes this frame's event?
  // Its count then is its count now, plus the push stage C makes now, less
  // the pop now (the queue's own full flag computed a cycle early).
  logic [$clog2(17)-1:0] ev_count;
  logic                  ev_wr_ready_raw, xc_ev_do, ev_room_c;
  wire                   ev_pop = event_valid_o && event_ready_i;
  // The count after this cycle is 16 when it is 16 and nothing leaves (a full
  // queue takes no push), or 15 and stage C pushes and nothing leaves; written
  // as such, not as an add and a compare.
  assign ev_room_c = ev_pop || !(ev_count == 5'd16 || (ev_count == 5'd15 && xc_ev_do));

  // The SA entry after this frame (the table writes it back whole). An
  // ACQUIRE's flag is set once the event will be queued.
  always_comb begin
    dp_dyn = dyn;
    if (v_no_sa && sa_in_range && ev_room_c) dp_dyn.acq_fired = 1'b1;
    if (v_expired)
      dp_dyn.cnt.drops[espnic_regs_pkg::DROP_EXPIRED] = sa_cnt.drops[espnic_regs_pkg::DROP_EXPIRED] + 64'd1;
    if (v_mtu)
      dp_dyn.cnt.drops[espnic_regs_pkg::DROP_MTU] = sa_cnt.drops[espnic_regs_pkg::DROP_MTU] + 64'd1;
    if (v_protect) begin
      dp_dyn.st.seq      = seq;
      // seq (st.seq + 1) is the last number: st.seq is one less than it.
      dp_dyn.st.seq_end_esn = &st.seq[63:1] && !st.seq[0];
      dp_dyn.st.seq_end_32  = st.seq[63:32] != '0 || &st.seq[31:1];
      {dp_dyn.st.seq_warn_esn, dp_dyn.st.seq_warn_32} = espnic_pkg::seq_warn(st.seq, 2);
      dp_dyn.cnt.packets = new_pkts;
      dp_dyn.cnt.bytes   = new_bytes;
      if (hard_hit) dp_dyn.st.hard_fired = 1'b1;
      if (soft_hit) dp_dyn.st.soft_fired = 1'b1;
      if (wrap_hit) dp_dyn.st.wrap_fired = 1'b1;
    end
    dp_we = (v_no_sa && sa_in_range && ev_room_c) || v_expired || v_mtu || v_protect;
  end

  // The transport header's checksum words that depend on the frame alone
  // (stage B, in parallel with the decision): the IP header's 16-bit words
  // up to ip_hlen, without the length (word 1), the protocol byte (word 4's
  // low byte) and the checksum (word 5), in eight sums of four words.
  logic [32*16-1:0] b_tw;
  logic [8*18-1:0]  b_tsum;
  always_comb begin
    for (int i = 0; i < 32; i++) begin
      b_tw[16*i +: 16] = (i < 30 && x_wm[i % 30])
           ? {x_p.hdr[8 * (14 + 2 * i) +: 8], x_p.hdr[8 * (15 + 2 * i) +: 8]} : 16'd0;
      if (i == 1 || i == 5) b_tw[16*i +: 16] = 16'd0;
      if (i == 4) b_tw[16*i +: 8] = 8'd0;
    end
    for (int k = 0; k < 8; k++)
      b_tsum[18*k +: 18] = (18'(b_tw[16*(4*k) +: 16]) + 18'(b_tw[16*(4*k+1) +: 16]))
                         + (18'(b_tw[16*(4*k+2) +: 16]) + 18'(b_tw[16*(4*k+3) +: 16]));
  end

  // ---------------------------------------------------------------- stage C
  // From what execute registered: the encryption and context commands and
  // the event are pushed, the port counters count; the outer headers are
  // assembled (without their checksum) and the checksum words summed in
  // three partial sums.
  logic                   xc_valid, xc_ev_push, xc_ev_acq, xc_prot, xc_ev_new_lt, xc_ev_new_wr;
  logic                   xc_hard_hit, xc_soft_hit;
  logic [3:0]             xc_hard_kind, xc_soft_kind;
  logic                   xc_hard_fired, xc_soft_fired;
  logic [15:0]            xc_sa_idx, xc_rule;
  verdict_e               xc_verdict;
  espnic_pkg::eg_parsed_t xc_p;
  espnic_pkg::sa_cfg_t    xc_sa;
  espnic_pkg::sa_key_t    xc_key;
  espnic_pkg::event_t     xc_ev;
  logic [63:0]            xc_seq;
  logic [15:0]            xc_pl_len, xc_ct_len, xc_esp_len, xc_outer_len, xc_pl_off;
  logic [7:0]             xc_next_hdr;
  logic [8*18-1:0]        xc_tsum;
  logic [7:0]             xc_hlen;     // outer header bytes (Ethernet, IP, UDP)
  logic [10:0]            xc_upos;     // one-hot: the UDP header at byte 34 + 4k
  logic [29:0]            xc_wm;
  logic [7:0]             b_l3;
  assign b_l3 = sa.tunnel ? 8'd20 : x_p.ip_hlen;
  always_ff @(posedge clk_i) begin
    xc_hlen <= 8'd14 + b_l3 + (sa.udp_encap ? 8'd8 : 8'd0);
    for (int k = 0; k < 11; k++) xc_upos[k] <= sa.udp_encap && b_l3 == 8'(20 + 4 * k);
    xc_wm   <= x_wm;
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) xc_valid <= 1'b0;
    else         xc_valid <= ex_go;
    xc_verdict   <= verdict;
    xc_ev_acq    <= v_no_sa && (!sa_in_range || !dyn.acq_fired);
    xc_prot      <= v_protect;
    xc_ev_new_lt <= (hard_hit && !st.hard_fired) || (soft_hit && !st.soft_fired);
    xc_ev_new_wr <= wrap_hit && !st.wrap_fired;
    xc_hard_hit  <= hard_hit;
    xc_soft_hit  <= soft_hit;
    xc_hard_kind <= hard_kind;
    xc_soft_kind <= soft_kind;
    xc_hard_fired <= st.hard_fired;
    xc_soft_fired <= st.soft_fired;
    xc_sa_idx    <= sa_idx;
    xc_rule      <= x_rule;
    xc_p         <= x_p;
    xc_sa        <= sa;
    xc_key       <= sa_key;
    xc_seq       <= seq;
    xc_pl_len    <= pl_len;
    xc_ct_len    <= ct_len;
    xc_esp_len   <= esp_len;
    xc_outer_len <= outer_len;
    xc_pl_off    <= pl_off;
    xc_next_hdr  <= next_hdr;
    xc_tsum      <= b_tsum;
  end

  // Events raised by this packet (at most one per cycle; soft before hard
  // would need two, so a packet that crosses both at once reports hard).
  always_comb begin
    xc_ev_push = 1'b0;
    xc_ev = '0;
    xc_ev.sa = xc_sa_idx;
    xc_ev.rule = xc_rule;
    // (the push from flags stage B registered: it enables the event queue's
    // write and, through ev_room_c, the next frame's write-back)
    xc_ev_push = xc_ev_acq || (xc_prot && (xc_ev_new_lt || xc_ev_new_wr));
    if (xc_ev_acq) begin
      xc_ev.kind = espnic_regs_pkg::EV_ACQUIRE;
    end else if (xc_hard_hit && !xc_hard_fired) begin
      xc_ev.kind = xc_hard_kind;
    end else if (xc_soft_hit && !xc_soft_fired) begin
      xc_ev.kind = xc_soft_kind;
    end else begin
      xc_ev.kind = espnic_regs_pkg::EV_SEQ_WRAP;
    end
  end

  // Commands.
  always_comb begin
    logic [63:0] tail;
    logic [1:0]  pad;
    enc_cmd = '0;
    ctx_cmd = '0;
    push_enc = 1'b0;
    push_ctx = 1'b0;
    push_out = 1'b0;
    tail = '0;
    pad  = 2'd2 - xc_pl_len[1:0];              // -(payload + 2) mod 4
    case (xc_verdict)
      X_BYPASS: begin
        enc_cmd.keep_len = xc_p.frame_len;
        ctx_cmd.op       = aes_gcm_pkg::GCM_BYPASS;
        push_enc = 1'b1; push_ctx = 1'b1; push_out = 1'b1;
      end
      X_PROTECT: begin
        for (int i = 0; i < 3; i++)
          if (i < 32'(pad)) tail[8*i +: 8] = 8'(i + 1);    // RFC 4303 default padding
        tail[8*32'(pad) +: 8]       = 8'(pad);
        tail[8*(32'(pad) + 1) +: 8] = xc_next_hdr;
        enc_cmd.strip    = 8'(xc_pl_off);
        enc_cmd.hdr      = {espnic_pkg::be32(xc_seq[31:0]), espnic_pkg::be32(xc_seq[63:32]), espnic_pkg::be32(xc_seq[31:0]), espnic_pkg::be32(xc_sa.spi)};
        enc_cmd.hdr_len  = 8'd16;
        enc_cmd.keep_len = xc_pl_len;
        enc_cmd.tail     = tail;
        enc_cmd.tail_len = 4'(pad) + 4'd2;
        ctx_cmd.op       = aes_gcm_pkg::GCM_ENCRYPT;
        ctx_cmd.key256   = (xc_sa.alg == espnic_regs_pkg::ALG_AES_GCM_256);
        ctx_cmd.key      = xc_key.key;
        ctx_cmd.salt     = xc_key.salt;
        ctx_cmd.hpow     = xc_key.hpow;
        ctx_cmd.aad      = xc_sa.esn ? {32'd0, espnic_pkg::be32(xc_seq[31:0]), espnic_pkg::be32(xc_seq[63:32]), espnic_pkg::be32(xc_sa.spi)}
                                     : {64'd0, espnic_pkg::be32(xc_seq[31:0]), espnic_pkg::be32(xc_sa.spi)};
        ctx_cmd.aad_len  = xc_sa.esn ? 16'd12 : 16'd8;
        ctx_cmd.len      = xc_ct_len;
        push_enc = 1'b1; push_ctx = 1'b1; push_out = 1'b1;
      end
      default: begin
        enc_cmd.drop = 1'b1;
        push_enc = 1'b1;
      end
    endcase
  end

  // Outer headers: Ethernet from the host's frame (the host resolved the
  // next hop), then IPv4 (tunnel) or the original IP header (transport),
  // then UDP; the IPv4 checksum (bytes 24-25 in both modes) stays zero here.
  logic [159:0]         tun_v4;      // tunnel mode: the new outer IPv4 header
  logic [60*8-1:0]      trn_l3;      // transport mode: the packet's IP header, fixed up
  logic [63:0]          udp_hdr;
  logic [7:0]           ip_proto;
  logic [OUT_HDR*8-1:0] outer;
  logic [7:0]           outer_hlen;
  logic [3*20-1:0]      c_sum;      // three partial sums of the checksum words
  always_comb begin
    ip_proto = xc_sa.udp_encap ? espnic_pkg::IPP_UDP : espnic_pkg::IPP_ESP;
    tun_v4 = '0;
    tun_v4[0 +: 8]    = 8'h45;
    tun_v4[8 +: 8]    = xc_p.tos;                        // DSCP and ECN copied
    tun_v4[16 +: 16]  = espnic_pkg::be16(xc_outer_len);
    tun_v4[32 +: 16]  = espnic_pkg::be16(ip_id_q);
    tun_v4[48 +: 16]  = espnic_pkg::be16({1'b0, xc_p.df, 14'd0});
    tun_v4[64 +: 8]   = 8'd64;
    tun_v4[72 +: 8]   = ip_proto;
    tun_v4[96 +: 32]  = xc_sa.local_v4;
    tun_v4[128 +: 32] = xc_sa.remote_v4;

    // The original header, IPv4 options included, with length and protocol
    // changed and (IPv4) the checksum cleared.
    // (the header's bytes below ip_hlen, from the word mask: ip_hlen is even)
    for (int j = 0; j < 60; j++) trn_l3[8*j +: 8] = xc_wm[j / 2] ? xc_p.hdr[8 * (14 + j) +: 8] : 8'd0;
    if (xc_p.v6) begin
      trn_l3[8*4 +: 16] = espnic_pkg::be16(xc_outer_len - 16'd40);
      trn_l3[8*6 +: 8]  = ip_proto;
    end else begin
      trn_l3[8*2 +: 16]  = espnic_pkg::be16(xc_outer_len);
      trn_l3[8*9 +: 8]   = ip_proto;
      trn_l3[8*10 +: 16] = '0;
    end

    // RFC 3948: the UDP checksum may be zero over IPv4.
    udp_hdr = {16'd0, espnic_pkg::be16(xc_esp_len + 16'd8), espnic_pkg::be16(xc_sa.udp_dport), espnic_pkg::be16(xc_sa.udp_sport)};

    outer = '0;
    outer[0 +: 96]    = xc_p.hdr[0 +: 96];               // MAC addresses
    outer[8*12 +: 16] = xc_sa.tunnel ? espnic_pkg::be16(espnic_pkg::ETH_IPV4) : xc_p.hdr[8*12 +: 16];
    outer[8*14 +: 480] = xc_sa.tunnel ? {320'd0, tun_v4} : trn_l3;
    // (placed by the one-hot of its offset 14 + l3_len stage B registered)
    for (int k = 0; k < 11; k++)
      if (xc_upos[k]) outer[8*(34 + 4*k) +: 64] = outer[8*(34 + 4*k) +: 64] | udp_hdr;
    outer_hlen = xc_hlen;

    // The checksum words in three sums: tunnel, the new header's ten words;
    // transport, the frame's words from stage B plus length and protocol.
    if (xc_sa.tunnel) begin
      c_sum[0 +: 20]  = (20'({8'h45, xc_p.tos}) + 20'(xc_outer_len)) + (20'(ip_id_q) + 20'({1'b0, xc_p.df, 14'd0}));
      c_sum[20 +: 20] = 20'({8'd64, ip_proto}) + 20'({xc_sa.local_v4[7:0], xc_sa.local_v4[15:8]})
                      + 20'({xc_sa.local_v4[23:16], xc_sa.local_v4[31:24]});
      c_sum[40 +: 20] = 20'({xc_sa.remote_v4[7:0], xc_sa.remote_v4[15:8]})
                      + 20'({xc_sa.remote_v4[23:16], xc_sa.remote_v4[31:24]});
    end else begin
      c_sum[0 +: 20]  = (20'(xc_tsum[0 +: 18]) + 20'(xc_tsum[18 +: 18])) + (20'(xc_tsum[36 +: 18]) + 20'(xc_tsum[54 +: 18]));
      c_sum[20 +: 20] = (20'(xc_tsum[72 +: 18]) + 20'(xc_tsum[90 +: 18])) + (20'(xc_tsum[108 +: 18]) + 20'(xc_tsum[126 +: 18]));
      c_sum[40 +: 20] = 20'(xc_outer_len) + 20'(ip_proto);
    end
  end

  // Stage D: the three partial sums added. Stage E: the sum folded into 16
  // bits, its complement written into the header, the output command pushed.
  logic                 xd_valid, xd_push, xd_protect, xd_csum;
  logic                 xe_valid, xe_push, xe_protect, xe_csum;
  logic [OUT_HDR*8-1:0] xd_outer, xe_outer;
  logic [7:0]           xd_hlen, xe_hlen;
  logic [15:0]          xd_keep, xe_keep;
  logic [3*20-1:0]      xd_sum;
  logic [21:0]          xe_sum;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      xd_valid <= 1'b0;
      xe_valid <= 1'b0;
    end else begin
      xd_valid <= xc_valid;
      xe_valid <= xd_valid;
    end
    xd_push    <= push_out;
    xd_protect <= xc_verdict == X_PROTECT;
    xd_csum    <= xc_sa.tunnel || !xc_p.v6;      // an IPv4 outer header
    xd_outer   <= outer;
    xd_hlen    <= outer_hlen;
    xd_keep    <= xc_verdict == X_PROTECT ? xc_esp_len : xc_p.frame_len;
    xd_sum     <= c_sum;
    xe_push    <= xd_push;
    xe_protect <= xd_protect;
    xe_csum    <= xd_csum;
    xe_outer   <= xd_outer;
    xe_hlen    <= xd_hlen;
    xe_keep    <= xd_keep;
    xe_sum     <= 22'(xd_sum[0 +: 20]) + 22'(xd_sum[20 +: 20]) + 22'(xd_sum[40 +: 20]);
  end
  logic [16:0] e_fold1;
  logic [15:0] e_fold2;
  always_comb begin
    e_fold1 = 17'(xe_sum[15:0]) + 17'(xe_sum[21:16]);
    e_fold2 = e_fold1[15:0] + 16'(e_fold1[16]);
    out_cmd = '0;
    if (xe_protect) begin
      out_cmd.hdr      = xe_outer;
      if (xe_csum) out_cmd.hdr[8*24 +: 16] = espnic_pkg::be16(~e_fold2);
      out_cmd.hdr_len  = xe_hlen;
    end
    out_cmd.keep_len = xe_keep;
  end

  // Port counters (stage C).
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      ip_id_q          <= '0;
      cnt_frames_in_o  <= '0;
      cnt_protected_o  <= '0;
      cnt_bypassed_o   <= '0;
      cnt_discarded_o  <= '0;
      cnt_malformed_o  <= '0;
      cnt_no_sa_o      <= '0;
    end else begin
      if (xc_valid) begin
        cnt_frames_in_o <= cnt_frames_in_o + 64'd1;
        case (xc_verdict)
          X_BYPASS:    cnt_bypassed_o  <= cnt_bypassed_o + 64'd1;
          X_DISCARD:   cnt_discarded_o <= cnt_discarded_o + 64'd1;
          X_MALFORMED: cnt_malformed_o <= cnt_malformed_o + 64'd1;
          X_NO_SA:     cnt_no_sa_o     <= cnt_no_sa_o + 64'd1;
          X_PROTECT: begin
            cnt_protected_o <= cnt_protected_o + 64'd1;
            ip_id_q         <= ip_id_q + 16'd1;
          end
          default: ;
        endcase
      end
    end
  end

  // ------------------------------------------------------ command queues
  logic enc_rd_valid, enc_rd_ready, ctx_rd_valid, ctx_rd_ready, out_rd_valid, out_rd_ready;
  enc_cmd_t enc_rd;
  aes_gcm_pkg::gcm_ctx_t ctx_rd;
  out_cmd_t out_rd;

  sync_fifo #(.WIDTH($bits(enc_cmd)), .DEPTH(16)) u_enc_q (
    .clk_i, .rst_ni,
    .wr_valid_i(xc_valid && push_enc), .wr_ready_o(unused_enc_wr_ready), .wr_data_i(enc_cmd),
    .rd_valid_o(enc_rd_valid), .rd_ready_i(enc_rd_ready), .rd_data_o(enc_rd), .count_o(enc_count)
  );
  sync_fifo #(.WIDTH($bits(ctx_cmd)), .DEPTH(16)) u_ctx_q (
    .clk_i, .rst_ni,
    .wr_valid_i(xc_valid && push_ctx), .wr_ready_o(unused_ctx_wr_ready), .wr_data_i(ctx_cmd),
    .rd_valid_o(ctx_rd_valid), .rd_ready_i(ctx_rd_ready), .rd_data_o(ctx_rd), .count_o(ctx_count)
  );
  sync_fifo #(.WIDTH($bits(out_cmd)), .DEPTH(OUT_Q_D)) u_out_q (
    .clk_i, .rst_ni,
    .wr_valid_i(xe_valid && xe_push), .wr_ready_o(unused_out_wr_ready), .wr_data_i(out_cmd),
    .rd_valid_o(out_rd_valid), .rd_ready_i(out_rd_ready), .rd_data_o(out_rd), .count_o(out_count)
  );

  // What the command queues take and give this cycle (for q_room).
  assign enc_push = xc_valid && push_enc && unused_enc_wr_ready;
  assign ctx_push = xc_valid && push_ctx && unused_ctx_wr_ready;
  assign out_push = xe_valid && xe_push && unused_out_wr_ready;
  assign enc_pop  = enc_rd_valid && enc_rd_ready;
  assign ctx_pop  = ctx_rd_valid && ctx_rd_ready;
  assign out_pop  = out_rd_valid && out_rd_ready;

  assign xc_ev_do = xc_valid && xc_ev_push && ev_wr_ready_raw;
  sync_fifo #(.WIDTH(espnic_pkg::EVENT_W), .DEPTH(16)) u_events (
    .clk_i, .rst_ni,
    .wr_valid_i(xc_valid && xc_ev_push), .wr_ready_o(ev_wr_ready_raw), .wr_data_i(xc_ev),
    .rd_valid_o(event_valid_o), .rd_ready_i(event_ready_i), .rd_data_o(event_o), .count_o(ev_count)
  );
  // A full event queue never stalls traffic: the event is counted as lost.
  always_ff @(posedge clk_i) begin
    if (!rst_ni) cnt_event_lost_o <= '0;
    else if (xc_valid && xc_ev_push && !ev_wr_ready_raw) cnt_event_lost_o <= cnt_event_lost_o + 64'd1;
  end

  // ------------------------------------------------------ stream stages
  // MSS clamping on the cleartext, before the ESP header: a command for
  // every frame from stage B (each pushes an encryption command in stage C),
  // the clamp applied to frames it encapsulates (a tagged frame's option
  // moved by its tag; a tagged frame for a transport SA is discarded). Its queue (32) never fills:
  // it holds fewer commands than the encryption queue (16) plus the stages
  // before it.
  logic [DATA_W-1:0] c0_tdata;  logic [BYTES-1:0] c0_tkeep;
  logic c0_tlast, c0_tvalid, c0_tready;
  esp_mss_clamp #(.DATA_W(DATA_W), .Q_D(32)) u_mss_clamp (
    .clk_i, .rst_ni,
    .cmd_valid_i(ex_go), .cmd_hdr_i(x_p.hdr), .cmd_found_i(x_mss_found),
    .cmd_pos_i(x_mss_pos), .cmd_clamp_i(sa.mss_clamp), .cmd_apply_i(v_protect),
    .cmd_tag_i(x_p.vtag),
    .s_axis_tdata(frm_tdata), .s_axis_tkeep(frm_tkeep), .s_axis_tlast(frm_tlast),
    .s_axis_tvalid(frm_tvalid), .s_axis_tready(frm_tready),
    .m_axis_tdata(c0_tdata), .m_axis_tkeep(c0_tkeep), .m_axis_tlast(c0_tlast),
    .m_axis_tvalid(c0_tvalid), .m_axis_tready(c0_tready),
    .clamped_o()
  );

  logic [DATA_W-1:0] e1_tdata;  logic [BYTES-1:0] e1_tkeep;
  logic e1_tlast, e1_tvalid, e1_tready, e1_tuser;

  axis_rehead #(.DATA_W(DATA_W), .HDR_MAX(16), .TAIL_MAX(8)) u_esp_hdr (
    .clk_i, .rst_ni,
    .s_axis_tdata(c0_tdata), .s_axis_tkeep(c0_tkeep), .s_axis_tlast(c0_tlast),
    .s_axis_tuser(1'b1), .s_axis_tvalid(c0_tvalid), .s_axis_tready(c0_tready),
    .cmd_valid_i(enc_rd_valid), .cmd_ready_o(enc_rd_ready),
    .cmd_strip_i(enc_rd.strip), .cmd_hdr_i(enc_rd.hdr), .cmd_hdr_len_i(enc_rd.hdr_len[4:0]),
    .cmd_keep_len_i(enc_rd.keep_len), .cmd_tail_i(enc_rd.tail),
    .cmd_tail_len_i(enc_rd.tail_len), .cmd_drop_i(enc_rd.drop),
    .m_axis_tdata(e1_tdata), .m_axis_tkeep(e1_tkeep), .m_axis_tlast(e1_tlast),
    .m_axis_tuser(e1_tuser), .m_axis_tvalid(e1_tvalid), .m_axis_tready(e1_tready)
  );

  // The crypto core samples its context with a packet's first beat.
  logic e1_sop_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) e1_sop_q <= 1'b1;
    else if (e1_tvalid && e1_tready) e1_sop_q <= e1_tlast;
  end
  logic e1_gate;
  assign e1_gate      = !e1_sop_q || ctx_rd_valid;
  // (e1_tready && e1_sop_q, with e1_gate = ctx_rd_valid at a first beat)
  assign ctx_rd_ready = e1_tvalid && gcm_s_tready && e1_sop_q && ctx_rd_valid;

  logic [DATA_W-1:0] e2_tdata;  logic [BYTES-1:0] e2_tkeep;
  logic e2_tlast, e2_tvalid, e2_tready, e2_tuser, gcm_s_tready;
  assign e1_tready = gcm_s_tready && e1_gate;

  aes_gcm_stream #(.DATA_W(DATA_W)) u_gcm (
    .clk_i, .rst_ni,
    .s_axis_tdata(e1_tdata), .s_axis_tkeep(e1_tkeep), .s_axis_tlast(e1_tlast),
    .s_axis_tvalid(e1_tvalid && e1_gate), .s_axis_tready(gcm_s_tready),
    .s_ctx_i(ctx_rd),
    .m_axis_tdata(e2_tdata), .m_axis_tkeep(e2_tkeep), .m_axis_tlast(e2_tlast),
    .m_axis_tuser(e2_tuser), .m_axis_tvalid(e2_tvalid), .m_axis_tready(e2_tready)
  );

  logic m_tuser;
  axis_rehead #(.DATA_W(DATA_W), .HDR_MAX(OUT_HDR), .TAIL_MAX(8)) u_outer (
    .clk_i, .rst_ni,
    .s_axis_tdata(e2_tdata), .s_axis_tkeep(e2_tkeep), .s_axis_tlast(e2_tlast),
    .s_axis_tuser(e2_tuser), .s_axis_tvalid(e2_tvalid), .s_axis_tready(e2_tready),
    .cmd_valid_i(out_rd_valid), .cmd_ready_o(out_rd_ready),
    .cmd_strip_i(8'd0), .cmd_hdr_i(out_rd.hdr), .cmd_hdr_len_i(out_rd.hdr_len[6:0]),
    .cmd_keep_len_i(out_rd.keep_len), .cmd_tail_i('0), .cmd_tail_len_i('0),
    .cmd_drop_i(1'b0),
    .m_axis_tdata, .m_axis_tkeep, .m_axis_tlast, .m_axis_tuser(m_tuser),
    .m_axis_tvalid, .m_axis_tready
  );

  // Bytes out are counted from the packet's length when the output stage
  // takes its command (header and payload lengths), not summed over tkeep.
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cnt_frames_out_o <= '0;
      cnt_bytes_out_o  <= '0;
    end else begin
      if (out_rd_valid && out_rd_ready)
        cnt_bytes_out_o <= cnt_bytes_out_o + 64'(out_rd.hdr_len) + 64'(out_rd.keep_len);
      if (m_axis_tvalid && m_axis_tready && m_axis_tlast) cnt_frames_out_o <= cnt_frames_out_o + 64'd1;
    end
  end
endmodule
