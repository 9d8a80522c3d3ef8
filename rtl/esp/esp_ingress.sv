// esp_ingress: wire to host. ESP (IP protocol 50) and ESP-in-UDP (port 4500,
// non-zero SPI, RFC 3948) frames are matched to an inbound SA by SPI (the low
// bits of an inbound SPI are the table index), checked against the replay
// window, decrypted and verified, checked against the SA's selectors (RFC
// 4301 inbound policy), stripped and delivered. A packet is delivered only
// after all checks passed; the replay window moves only then. Cleartext (a
// frame that is not ESP) is checked against the SPD with its addresses and
// ports reversed (RFC 4301 section 5.2): it passes unchanged if a BYPASS
// rule matches (IKE and NAT keepalives, by the IKE bypass rules), and is
// dropped and counted (cnt_policy_o) if a PROTECT or DISCARD rule matches:
// traffic of a tunnel never enters in the clear. With no match it takes
// the default action, as on egress; ARP passes.
// An untagged IP fragment (IPv4 with MF or a fragment offset, IPv6 whose
// first next header is Fragment, any protocol) is punted: delivered to the
// host unchanged but for its ethertype, which becomes ETHERTYPE_REASSEMBLY
// (0x88B5), without SA lookup, policy or decryption, and counted
// (cnt_punted_o); the host reassembles it and hands the whole packet back
// (host_rx_steer, ingress_merge), which then takes every check. A tagged
// fragment is not punted (ESP: malformed; cleartext: the inbound policy).
//
//  wire -> frame_capture -> frame FIFO -> rehead(strip outer) -> aes_gcm_stream
//              | meta                   -> esp_inbound_check -> rehead(L2/L3 header)
//              v                        -> pkt_commit_fifo -> MSS clamp -> host
//         parse -> policy (spd_lookup) -> classify (SA, replay) ..> commit (verdict, window)
//                                                            commit ..> mss_find ..^
module esp_ingress
#(
  parameter int DATA_W    = 512,
  parameter int SA_N      = 1024,
  parameter int SPD_N     = 1024,     // SPD rules (the classifier's, as egress)
  parameter int SPD_L     = 8,
  parameter int SPD_D     = 8,
  parameter int MAX_FRAME = 2048
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,

  input  logic [DATA_W-1:0]     s_axis_tdata,     // from the wire
  input  logic [DATA_W/8-1:0]   s_axis_tkeep,
  input  logic                  s_axis_tlast,
  input  logic                  s_axis_tvalid,
  output logic                  s_axis_tready,

  output logic [DATA_W-1:0]     m_axis_tdata,     // to the host
  output logic [DATA_W/8-1:0]   m_axis_tkeep,
  output logic                  m_axis_tlast,
  output logic                  m_axis_tvalid,
  input  logic                  m_axis_tready,

  input  logic                  default_discard_i, // cleartext no SPD rule matches: drop

  // SPD classifier writes (the same as egress's: both classifiers hold the rules).
  input  logic                  cls_wr_valid_i,
  output logic                  cls_wr_ready_o,
  input  logic [3:0]            cls_wr_table_i,
  input  logic [15:0]           cls_wr_addr_i,
  input  logic [511:0]          cls_wr_data_i,

  // SA table slots of the control path (esp_sa_table): taken in any cycle
  // sa_ready_o is high; a READ is answered on sa_rsp_* two cycles later (DP_WB_C).
  output logic                  sa_ready_o,
  input  logic                  sa_req_valid_i,
  input  espnic_pkg::sa_req_t   sa_req_i,
  output logic                  sa_rsp_valid_o,
  output espnic_pkg::sa_cfg_t   sa_rsp_cfg_o,
  output espnic_pkg::sa_dyn_t   sa_rsp_dyn_o,

  output logic                  event_valid_o,
  input  logic                  event_ready_i,
  output espnic_pkg::event_t    event_o,

  output logic [63:0]           cnt_frames_in_o,
  output logic [63:0]           cnt_frames_out_o,
  output logic [63:0]           cnt_bytes_out_o,
  output logic [63:0]           cnt_decrypted_o,
  output logic [63:0]           cnt_bypassed_o,
  output logic [63:0]           cnt_malformed_o,  // ESP that cannot be an SA's
  output logic [63:0]           cnt_no_sa_o,      // unknown SPI
  output logic [63:0]           cnt_dummy_o,      // next header 59 (RFC 4303 2.6)
  output logic [63:0]           cnt_policy_o,     // cleartext the inbound policy dropped
  output logic [63:0]           cnt_punted_o,     // fragments punted to the host to reassemble
  output logic [63:0]           cnt_event_lost_o
);
  localparam int BYTES  = DATA_W / 8;
  localparam int FIFO_D = 2 * MAX_FRAME / BYTES;   // a power of two
  localparam int SAW    = $clog2(SA_N);
  localparam int L2_MAX = 14 + 60;               // Ethernet + largest IPv4 header

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
  typedef struct packed {
    logic                  punt;         // an untagged IP fragment: to the host as it is
    logic                  esp;          // ESP or ESP-in-UDP
    logic                  policy_drop;  // cleartext the SPD drops (set after the lookup)
    logic                  cleartext;    // IPv4 or IPv6, not ESP: looked up in the SPD
    logic                  arp;
    logic                  malformed;    // ESP whose framing is impossible
    logic                  v6;
    logic [15:0]           frame_len;
    logic [7:0]            ip_hlen;
    logic [7:0]            esp_off;      // first byte of the ESP header
    logic [15:0]           esp_len;      // ESP header .. ICV
    logic [31:0]           spi;
    logic [31:0]           seq_lo;
    logic [L2_MAX*8-1:0]   l2l3;         // Ethernet + outer IP header
    logic [espnic_pkg::ADDR_W-1:0] src, dst;     // outer addresses
  } parsed_t;

  // The parse of the frame whose meta is offered, in two stages. Stage M
  // decodes the IP header from the captured bytes and registers it with the
  // header: the family, the IP header's length, protocol, fragment bits and
  // addresses, and each check that reads the lengths for IPv4 and IPv6 apart
  // (UDP framing, ESP malformed), never selected by the family in M (the
  // family and the length checks are both a few levels deep; selecting one by
  // the other was stage M's deepest path); the UDP header's place as a
  // one-hot of 11 and the ESP-in-UDP marker at that place (port 4500 and a
  // non-zero first word, one flag per place); the ESP header's offset for
  // ESP and ESP-in-UDP. Stage P decides from those registers: the
  // family selects the checks, the one-hot the SPI and sequence number (no
  // compare in front of a select). Always_comb blocks, not functions: yosys
  // 0.23 reads no struct members inside a function.
  logic        m_valid_q, m_ready;
  logic [espnic_pkg::HDR_BYTES*8-1:0] m_hdr_q;
  logic [15:0] m_len_q;
  logic        m_arp_q, m_v4_q, m_v6_q, m_esp_q, m_udp4_q, m_udp6_q;
  logic        m_mal_d4_q, m_mal_d6_q, m_mal_u4_q, m_mal_u6_q, m_ct_ip_q, m_punt_q;
  logic [7:0]  m_ihl4_q, m_off_d_q, m_off_u_q;
  logic [15:0] m_esp_len_d_q, m_esp_len_u_q;
  logic [10:0] m_udp_oh_q, m_oe_q;
  logic [espnic_pkg::ADDR_W-1:0] m_src_q, m_dst_q;

  logic [15:0] md_etype, md_len_d, md_len_u;
  logic [15:0] md_len4, md_len6, md_d4, md_u4, md_d6, md_u6;
  logic [3:0]  md_nib;
  logic [5:0]  md_h4;
  logic [7:0]  md_proto4, md_proto6, md_ihl4;
  logic        md_e4, md_e6, md_v4, md_v6, md_frag4, md_fits4, md_fits6;
  logic        md_bad_d4, md_bad_d6, md_bad_u4, md_bad_u6;
  logic [10:0] md_udp_oh, md_encap;
  logic [espnic_pkg::ADDR_W-1:0] md_src, md_dst;
  always_comb begin
    md_etype = espnic_pkg::hbe16(meta_hdr, 12);
    md_nib   = meta_hdr[8*14 +: 4];                 // IPv4 IHL
    md_h4    = {md_nib, 2'b00};
    // The ethertypes exclude each other: the families need no priority.
    // meta_len >= 34 and >= 54 written out as bits (as a compare yosys
    // builds a carry chain in front of everything the family gates).
    md_e4 = md_etype == espnic_pkg::ETH_IPV4;
    md_e6 = md_etype == espnic_pkg::ETH_IPV6;
    md_v4 = md_e4 && (meta_len[15:6] != '0 || (meta_len[5] && meta_len[4:1] != '0))
                  && meta_hdr[8*14+4 +: 4] == 4'd4;
    md_v6 = md_e6 && (meta_len[15:6] != '0
                      || (meta_len[5] && meta_len[4] && (meta_len[3] || (meta_len[2] && meta_len[1]))))
                  && meta_hdr[8*14+4 +: 4] == 4'd6;
    // Lengths and their checks for either family.
    md_len4  = espnic_pkg::hbe16(meta_hdr, 16);
    md_len6  = espnic_pkg::hbe16(meta_hdr, 18) + 16'd40;
    md_d4    = md_len4 - 16'(md_h4);
    md_u4    = md_len4 - 16'(md_h4) - 16'd8;
    md_d6    = espnic_pkg::hbe16(meta_hdr, 18);
    md_u6    = espnic_pkg::hbe16(meta_hdr, 18) - 16'd8;
    md_fits4 = md_len4 >= 16'(md_h4) && 16'd14 + md_len4 <= meta_len;
    md_fits6 = 16'd14 + md_len6 <= meta_len;
    md_proto4 = espnic_pkg::hbyte(meta_hdr, 23);
    md_proto6 = espnic_pkg::hbyte(meta_hdr, 20);
    md_frag4  = meta_hdr[8*20 + 5] || meta_hdr[8*20 +: 5] != '0 || meta_hdr[8*21 +: 8] != '0;  // MF, offset
    // ESP length too short or unaligned: ESP (d) and ESP-in-UDP (u).
    md_bad_d4 = md_d4 < 16'd36 || md_d4[1:0] != 2'd0;
    md_bad_d6 = md_d6 < 16'd36 || md_d6[1:0] != 2'd0;
    md_bad_u4 = md_u4 < 16'd36 || md_u4[1:0] != 2'd0;
    md_bad_u6 = md_u6 < 16'd36 || md_u6[1:0] != 2'd0;
    md_ihl4  = md_v4 ? 8'(md_h4) : md_v6 ? 8'd40 : 8'd0;
    md_src   = md_v4 ? {96'd0, meta_hdr[8*26 +: 32]} : md_v6 ? meta_hdr[8*22 +: 128] : '0;
    md_dst   = md_v4 ? {96'd0, meta_hdr[8*30 +: 32]} : md_v6 ? meta_hdr[8*38 +: 128] : '0;
    md_len_d = md_v4 ? md_d4 : md_v6 ? md_d6 : 16'd0;
    md_len_u = md_v4 ? md_u4 : md_v6 ? md_u6 : 16'hFFF8;
    // The UDP header at byte 34 + 4j (14 + the IP header's length), and
    // whether the port is 4500 and the first word after it non-zero there:
    // zero is the non-ESP marker of IKE, and a single 0xFF byte a NAT
    // keepalive (both pass). The place by the ethertype's top bit alone
    // (0x86DD against 0x0800): stage P uses it only for ESP or UDP, which
    // need the whole family test.
    for (int j = 0; j < 11; j++) begin
      md_udp_oh[j] = md_etype[15] ? j == 5 : md_nib == 4'(5 + j);
      md_encap[j]  = espnic_pkg::hbe16(meta_hdr, 34 + 4*j + 2) == espnic_pkg::UDP_ENCAP_PORT
                     && meta_hdr[8*(34 + 4*j + 8) +: 32] != 32'd0;
    end
  end

  assign meta_ready = !m_valid_q || m_ready;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      m_valid_q <= 1'b0;
    end else begin
      if (m_ready) m_valid_q <= 1'b0;
      if (meta_valid && meta_ready) m_valid_q <= 1'b1;
    end
    if (meta_valid && meta_ready) begin
      m_hdr_q       <= meta_hdr;
      m_len_q       <= meta_len;
      m_arp_q       <= md_etype == 16'h0806;
      m_v4_q        <= md_v4;
      m_v6_q        <= md_v6;
      // Untagged IPv4 fragment, or IPv6 whose first next header is
      // Fragment (44); a frame cut at MAX_FRAME is not punted.
      m_punt_q      <= !meta_oversize && ((md_v4 && md_frag4) || (md_v6 && md_proto6 == 8'd44));
      m_ihl4_q      <= md_ihl4;
      m_off_d_q     <= md_v4 ? 8'd14 + 8'(md_h4) : md_v6 ? 8'd54 : 8'd14;   // 14 + md_ihl4
      m_off_u_q     <= md_v4 ? 8'd22 + 8'(md_h4) : md_v6 ? 8'd62 : 8'd22;   // 22 + md_ihl4
      // ESP: IP protocol 50 behind a valid header.
      m_esp_q       <= (md_v4 && md_nib >= 4'd5 && md_proto4 == espnic_pkg::IPP_ESP)
                       || (md_v6 && md_proto6 == espnic_pkg::IPP_ESP);
      // UDP that can hold ESP-in-UDP (the frame holds the IP packet, not a
      // fragment, UDP header and 4 bytes after it), per family.
      m_udp4_q      <= md_nib >= 4'd5 && md_fits4 && md_proto4 == espnic_pkg::IPP_UDP && !md_frag4
                       && md_len4 >= 16'(md_h4) + 16'd12;
      m_udp6_q      <= md_fits6 && md_proto6 == espnic_pkg::IPP_UDP && md_len6 >= 16'd52;
      // Malformed if ESP (d) or ESP-in-UDP (u), per family: header, IV, at
      // least pad length + next header, ICV; 4-byte aligned. A frame shorter
      // than its IP header says is cut: never decrypt it.
      m_mal_d4_q    <= meta_oversize || md_frag4 || !md_fits4 || md_bad_d4;
      m_mal_d6_q    <= meta_oversize || !md_fits6 || md_bad_d6;
      m_mal_u4_q    <= meta_oversize || md_frag4 || !md_fits4 || md_bad_u4;
      m_mal_u6_q    <= meta_oversize || !md_fits6 || md_bad_u6;
      m_esp_len_d_q <= md_len_d;
      m_esp_len_u_q <= md_len_u;
      m_udp_oh_q    <= md_udp_oh;
      m_oe_q        <= md_udp_oh & md_encap;
      m_src_q       <= md_src;
      m_dst_q       <= md_dst;
      // IP behind at most one 802.1Q tag, as spd_key reads it (an untagged
      // frame's type is at 12, a tagged one's at 16).
      m_ct_ip_q     <= md_etype == espnic_pkg::ETH_IPV4 || md_etype == espnic_pkg::ETH_IPV6
                       || (md_etype == 16'h8100
                           && (espnic_pkg::hbe16(meta_hdr, 16) == espnic_pkg::ETH_IPV4
                               || espnic_pkg::hbe16(meta_hdr, 16) == espnic_pkg::ETH_IPV6));
    end
  end

  // Stage P: ESP at the UDP header's place (IP protocol 50) or behind it
  // (ESP-in-UDP); the SPI and sequence number at both places selected by
  // the UDP header's one-hot, then one of the two. ESP and ESP-in-UDP both
  // need IPv4 or IPv6, so the family selects their checks.
  parsed_t     pd;
  logic        pd_udp, pd_udp_esp;
  logic [63:0] pd_at_udp, pd_behind_udp;    // {SPI, sequence number} at either place
  always_comb begin
    pd = '0;
    pd.frame_len = m_len_q;
    pd.l2l3      = m_hdr_q[0 +: L2_MAX*8];
    pd.arp       = m_arp_q;
    pd.v6        = m_v6_q;
    pd.ip_hlen   = m_ihl4_q;
    pd.src       = m_src_q;
    pd.dst       = m_dst_q;
    pd_udp       = (m_v4_q && m_udp4_q) || (m_v6_q && m_udp6_q);
    pd_udp_esp   = !m_esp_q && pd_udp && m_oe_q != '0;
    pd.punt      = m_punt_q;
    pd.esp       = !m_punt_q && (m_esp_q || pd_udp_esp);
    if (m_esp_q) begin
      pd.esp_off = m_off_d_q;
      pd.esp_len = m_esp_len_d_q;
    end else if (pd_udp_esp) begin
      pd.esp_off = m_off_u_q;
      pd.esp_len = m_esp_len_u_q;
    end
    pd_at_udp = '0;
    pd_behind_udp = '0;
    for (int j = 0; j < 11; j++)
      if (m_udp_oh_q[j]) begin
        pd_at_udp     = pd_at_udp | {m_hdr_q[8*(34+4*j) +: 8], m_hdr_q[8*(35+4*j) +: 8],
                                     m_hdr_q[8*(36+4*j) +: 8], m_hdr_q[8*(37+4*j) +: 8],
                                     m_hdr_q[8*(38+4*j) +: 8], m_hdr_q[8*(39+4*j) +: 8],
                                     m_hdr_q[8*(40+4*j) +: 8], m_hdr_q[8*(41+4*j) +: 8]};
        pd_behind_udp = pd_behind_udp | {m_hdr_q[8*(42+4*j) +: 8], m_hdr_q[8*(43+4*j) +: 8],
                                         m_hdr_q[8*(44+4*j) +: 8], m_hdr_q[8*(45+4*j) +: 8],
                                         m_hdr_q[8*(46+4*j) +: 8], m_hdr_q[8*(47+4*j) +: 8],
                                         m_hdr_q[8*(48+4*j) +: 8], m_hdr_q[8*(49+4*j) +: 8]};
      end
    if (m_esp_q)         {pd.spi, pd.seq_lo} = pd_at_udp;
    else if (pd_udp_esp) {pd.spi, pd.seq_lo} = pd_behind_udp;
    if (pd.esp)
      pd.malformed = m_esp_q ? (m_v4_q ? m_mal_d4_q : m_mal_d6_q)
                             : (m_v4_q ? m_mal_u4_q : m_mal_u6_q);
    // What is not ESP is looked up.
    pd.cleartext = !pd.esp && !m_punt_q && m_ct_ip_q;
  end

  // The parse, registered with the header the key reads.
  logic    r_valid_q, r_ready;
  parsed_t r_q;
  logic [espnic_pkg::HDR_BYTES*8-1:0] r_hdr_q;
  assign m_ready = !r_valid_q || r_ready;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      r_valid_q <= 1'b0;
    end else begin
      if (r_ready) r_valid_q <= 1'b0;
      if (m_valid_q && m_ready) begin
        r_valid_q <= 1'b1;
        r_q       <= pd;
        r_hdr_q   <= m_hdr_q;
      end
    end
  end

  // ------------------------------------------------------- inbound policy
  // Every frame keeps its place; cleartext takes a lookup with its
  // addresses and ports reversed, and its verdict joins it here.
  logic    pol_valid, pol_ready, pol_need, pol_hit, pol_bad;
  parsed_t pol_p;
  logic [1:0]  pol_action;
  logic [15:0] unused_pol_rule, unused_pol_sa;
  spd_lookup #(.PW($bits(r_q)), .N(SPD_N), .L(SPD_L), .D(SPD_D), .REVERSE(1'b1)) u_policy (
    .clk_i, .rst_ni,
    .wr_valid_i(cls_wr_valid_i), .wr_ready_o(cls_wr_ready_o), .wr_table_i(cls_wr_table_i),
    .wr_addr_i(cls_wr_addr_i), .wr_data_i(cls_wr_data_i),
    .in_valid_i(r_valid_q), .in_ready_o(r_ready), .in_payload_i(r_q), .in_need_i(r_q.cleartext),
    .in_hdr_i(r_hdr_q),
    .out_valid_o(pol_valid), .out_ready_i(pol_ready), .out_payload_o(pol_p), .out_need_o(pol_need),
    .out_hit_o(pol_hit), .out_action_o(pol_action), .out_rule_o(unused_pol_rule),
    .out_sa_o(unused_pol_sa), .out_bad_o(pol_bad)
  );
  // The verdict: BYPASS passes; PROTECT or DISCARD drops; no rule (and a
  // frame that is neither IP nor ARP) takes the default; a key that could
  // not be built drops (fail closed).
  parsed_t pol_x;
  always_comb begin
    pol_x = pol_p;
    if (pol_p.esp || pol_p.punt) pol_x.policy_drop = 1'b0;
    else if (pol_need)       pol_x.policy_drop = pol_bad || (pol_hit ? pol_action != espnic_regs_pkg::ACT_BYPASS
                                                                     : default_discard_i);
    else                     pol_x.policy_drop = !pol_p.arp && default_discard_i;
  end

  // p_q is the frame the next classify slot takes; s_q a spare that takes
  // the policy's output while p_q waits, so the policy's read (pol_ready) is
  // a register and not the table's issue.
  logic    p_valid_q, s_valid_q;
  parsed_t p_q, s_q;
  wire     pol_take = pol_valid && pol_ready;

  assign pol_ready = !s_valid_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      p_valid_q <= 1'b0;
      s_valid_q <= 1'b0;
    end else if (x_issue) begin
      p_valid_q <= s_valid_q || pol_take;
      s_valid_q <= 1'b0;
    end else if (pol_take) begin
      p_valid_q <= 1'b1;
      s_valid_q <= p_valid_q;
    end
    if (x_issue || (pol_take && !p_valid_q)) p_q <= s_valid_q ? s_q : pol_x;
    if (!x_issue && pol_take && p_valid_q) s_q <= pol_x;
  end

  // ---------------------------------------------------------------- SA table
  // Three kinds of data-path slot share the inbound SA table (esp_sa_table):
  // commit (a decrypted packet: verdict, window, state, counters), drop (a
  // drop classify found, counted) and classify (a parsed frame: SA, sequence
  // number, replay check), in that order of priority. Commit and drop
  // compare in the table's stage B (commit_go, drop_go below) with the entry
  // as every earlier slot left it, and decide and write it back in stage C
  // (the table's DP_WB_C); classify only reads the entry in B and decides in
  // the stages after it. A commit or drop slot is not issued in the cycle
  // after one of the same SA (its read would miss that write): a commit
  // waits a cycle after a drop slot and after a commit of the same SA
  // (k_next_same), a drop slot after any commit or drop slot.
  logic                     tbl_dp_ready, b_valid, b_commit_q, b_drop_q, dp_we;
  espnic_pkg::sa_cfg_t      b_cfg;
  espnic_pkg::sa_key_t      b_key;
  espnic_pkg::sa_dyn_t      b_dyn, dp_dyn;
  espnic_pkg::window_t      b_win, dp_win;
  logic                     x_want, cm_want, dr_want, dr_ok, x_issue, cm_issue, dr_issue;
  logic [15:0]              cc_rd_sa, dr_rd_sa;
  assign dr_ok    = dr_want && !b_commit_q && !b_drop_q;
  assign cm_issue = cm_want && tbl_dp_ready;
  assign dr_issue = dr_ok && !cm_want && tbl_dp_ready;
  assign x_issue  = x_want && !cm_want && !dr_ok && tbl_dp_ready;

  // The replay window is words beside the entry (replay_pkg): a classify
  // slot reads the word of the packet's sequence number (its low half is
  // enough to name the word), a commit slot reads it and writes it back.
  logic [4:0]               cc_rd_word;
  esp_sa_table #(.SA_N(SA_N), .EXT_W(espnic_pkg::REPLAY_WORD_W),
                 .EXT_WORDS(espnic_pkg::REPLAY_WORDS), .DP_WB_C(1'b1)) u_sa (
    .clk_i, .rst_ni, .ready_o(sa_ready_o),
    .ctl_valid_i(sa_req_valid_i), .ctl_req_i(sa_req_i),
    .ctl_rsp_valid_o(sa_rsp_valid_o), .ctl_rsp_cfg_o(sa_rsp_cfg_o), .ctl_rsp_dyn_o(sa_rsp_dyn_o),
    .dp_valid_i(cm_want || dr_ok || x_want), .dp_ready_o(tbl_dp_ready),
    .dp_index_i(cm_want ? cc_rd_sa : dr_ok ? dr_rd_sa : 16'(p_q.spi[SAW-1:0])),
    .dp_word_i(cm_want ? 16'(cc_rd_word) : 16'(p_q.seq_lo[10:6])),
    .b_valid_o(b_valid), .b_cfg_o(b_cfg), .b_key_o(b_key), .b_dyn_o(b_dyn), .b_ext_o(b_win),
    .b_we_i(dp_we), .b_dyn_i(dp_dyn), .b_ext_i(dp_win)
  );

  logic                          db_replay;
  logic [espnic_pkg::SA_GEN_W-1:0] db_gen;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      b_commit_q <= 1'b0;
      b_drop_q   <= 1'b0;
    end else begin
      b_commit_q <= cm_issue;
      b_drop_q   <= dr_issue;
    end
  end
  wire xb_go     = b_valid && !b_commit_q && !b_drop_q;
  wire commit_go = b_valid && b_commit_q;
  wire drop_go   = b_valid && b_drop_q;

  // --------------------------------------------------------------- classify
  // Stage B reads the entry (xb_go), C and D infer the 64-bit sequence
  // number (RFC 4303 A2) and check the window (replay_pkg's infer_b in B,
  // infer_c in C, infer_ok and infer_hi in D: candidates for the high half
  // and the compares with the low half registered in C, the pick in D), D
  // classifies, E (x_go) writes the work orders and, for a replay or an
  // expired SA, a drop slot's order.
  // Classify writes nothing back: commits that go through the table between
  // its stage B and E are not seen here, and commit checks the window again
  // with the entry as it is then, so classify only drops early what commit
  // would drop. Each stage holds one frame and moves every cycle.
  parsed_t xb;                     // the frame in stage B
  always_ff @(posedge clk_i)
    if (x_issue) xb <= p_q;

  typedef enum logic [2:0] {C_BYPASS, C_MALFORMED, C_NO_SA, C_EXPIRED, C_REPLAY, C_DECRYPT, C_POLICY} class_e;
  logic                  xc_valid, xd_valid, xe_valid;
  parsed_t               xc_p, xd_p, xe_p;
  espnic_pkg::sa_cfg_t   xc_cfg, xd_cfg, xe_cfg;
  espnic_pkg::sa_key_t   xc_key, xd_key, xe_key;
  espnic_pkg::sa_dyn_t   xc_dyn, xd_dyn, xe_dyn;
  espnic_pkg::window_t   xc_win;
  logic                  xc_known, xd_known;
  logic [96:0]           xc_inf;             // infer_b: {case A, bottom, th + 1, th - 1}
  logic [31:0]           xd_thp, xd_thm;
  logic [16:0]           xd_flags;           // infer_c
  logic [63:0]           xe_seq;
  class_e                xe_class;
  // Stage B: is the entry the SA the SPI names? And what the inference
  // needs from the entry alone.
  espnic_pkg::sa_cfg_t   xb_cfg;
  espnic_pkg::sa_state_t xb_st;
  assign xb_cfg = b_cfg;
  assign xb_st  = b_dyn.st;
  wire   xb_known = b_dyn.enable && xb_cfg.spi == xb.spi;
  wire [96:0] xb_inf = replay_pkg::infer_b(xb_st.seq, xb_cfg.replay_window);
  // Stage C: the compares with the received low half.
  espnic_pkg::sa_cfg_t   xc_sa;
  espnic_pkg::sa_state_t xc_st;
  assign xc_sa = xc_cfg;
  assign xc_st = xc_dyn.st;
  wire [16:0] xc_flags = replay_pkg::infer_c(xc_st.seq, xc_p.seq_lo, xc_sa.replay_window, xc_sa.esn,
                                             xc_win, xc_inf[96], xc_inf[95:64], xc_inf[31:0]);
  // Stage D: the pick (the inferred number and its window check).
  espnic_pkg::sa_state_t xd_st;
  assign xd_st = xd_dyn.st;
  wire        xd_replay_ok = replay_pkg::infer_ok(xd_flags);
  wire [63:0] xd_seq = {replay_pkg::infer_hi(xd_st.seq[63:32], xd_thp, xd_thm, xd_flags[16:14]),
                        xd_p.seq_lo};
  class_e xd_class;
  always_comb begin
    if (!xd_p.esp)                                   xd_class = xd_p.policy_drop ? C_POLICY : C_BYPASS;
    else if (xd_p.malformed)                         xd_class = C_MALFORMED;
    else if (!xd_known)                              xd_class = C_NO_SA;
    else if (xd_st.hard_fired)                       xd_class = C_EXPIRED;
    else if (!xd_replay_ok)                          xd_class = C_REPLAY;
    else                                             xd_class = C_DECRYPT;
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      xc_valid <= 1'b0;
      xd_valid <= 1'b0;
      xe_valid <= 1'b0;
    end else begin
      xc_valid <= xb_go;
      xd_valid <= xc_valid;
      xe_valid <= xd_valid;
    end
    xc_p     <= xb;      xd_p   <= xc_p;   xe_p   <= xd_p;
    xc_cfg   <= b_cfg;   xd_cfg <= xc_cfg; xe_cfg <= xd_cfg;
    xc_key   <= b_key;   xd_key <= xc_key; xe_key <= xd_key;
    xc_dyn   <= b_dyn;   xd_dyn <= xc_dyn; xe_dyn <= xd_dyn;
    xc_win   <= b_win;
    xc_known <= xb_known; xd_known <= xc_known;
    xc_inf   <= xb_inf;
    xd_thp   <= xc_inf[63:32];
    xd_thm   <= xc_inf[31:0];
    xd_flags <= xc_flags;
    xe_seq   <= xd_seq;
    xe_class <= xd_class;
  end
  // Stage E: the work orders.
  wire x_go = xe_valid;
  parsed_t xp;
  assign xp = xe_p;
  wire [SAW-1:0] x_i   = xp.spi[SAW-1:0];
  espnic_pkg::sa_cfg_t x_sa;
  assign x_sa = xe_cfg;
  espnic_pkg::sa_key_t x_key;
  assign x_key = xe_key;
  wire [63:0] x_seq   = xe_seq;
  class_e     x_class;
  assign x_class = xe_class;

  // Per-packet work orders.
  typedef struct packed {
    logic        drop;
    logic [7:0]  strip;
    logic [15:0] keep_len;
  } strip_cmd_t;

  typedef struct packed {
    logic [L2_MAX*8-1:0] hdr;
    logic [7:0]          hdr_len;
    logic [15:0]         keep_len;
    logic [7:0]          strip;
  } deliver_cmd_t;

  // What the commit stage needs to decide.
  typedef struct packed {
    logic                bypass;
    logic                punt;         // bypass, ethertype replaced by ETHERTYPE_REASSEMBLY
    logic                same_prev;    // sa is the one of the order queued before it
    logic [15:0]         frame_len;
    logic [15:0]         sa;
    logic [espnic_pkg::SA_GEN_W-1:0] gen;   // the entry's generation at classify
    logic [63:0]         seq;
    logic [15:0]         pt_len;       // plaintext incl. padding and trailer
    logic                tunnel;
    logic                vtag;         // tunnel, delivered with an 802.1Q tag
    logic                v6;           // outer (transport: the packet's) IP version
    logic [7:0]          ip_hlen;
    logic [L2_MAX*8-1:0] l2l3;
    logic [espnic_pkg::ADDR_W-1:0] src, dst;
    // The SA's selectors as classify read them, for the inbound policy
    // check in stage K (an UPDATE leaves them; a WRITE makes the entry stale).
    // (espnic_pkg::prefix_t written out: {addr, mask}; yosys 0.23 takes no
    // package type inside a struct)
    logic                sel_v6;
    logic [2*espnic_pkg::ADDR_W-1:0] sel_src, sel_dst;
    logic [7:0]          sel_proto;
  } commit_ctx_t;

  strip_cmd_t   strip_cmd;
  aes_gcm_pkg::gcm_ctx_t ctx_cmd;
  deliver_cmd_t dlv_cmd;
  commit_ctx_t  cc_cmd;
  logic [SAW-1:0] cc_last_sa_q;
  // The queues always have room (issue checks their counts).
  logic unused_strip_wr_ready, unused_ctx_wr_ready, unused_dlv_wr_ready, unused_cc_wr_ready;
  logic [$clog2(17)-1:0] strip_count, ctx_count, dlv_count;
  logic [$clog2(33)-1:0] cc_count;
  logic push_all;

  always_comb begin
    strip_cmd = '0;
    ctx_cmd   = '0;
    dlv_cmd   = '0;
    cc_cmd    = '0;
    push_all  = 1'b1;
    cc_cmd.frame_len = xp.frame_len;
    cc_cmd.sa        = 16'(x_i);
    cc_cmd.same_prev = x_i == cc_last_sa_q;
    cc_cmd.gen       = xe_dyn.gen;
    cc_cmd.seq       = x_seq;
    cc_cmd.pt_len    = xp.esp_len - 16'd32;
    cc_cmd.tunnel    = x_sa.tunnel;
    cc_cmd.vtag      = x_sa.tunnel && x_sa.vlan_en;
    cc_cmd.v6        = xp.v6;
    cc_cmd.ip_hlen   = xp.ip_hlen;
    cc_cmd.l2l3      = xp.l2l3;
    // The IP header's bytes beyond its length zero (the transport checksum
    // sums the header's words).
    for (int b = 0; b < 60; b++)
      if (b >= 32'(xp.ip_hlen)) cc_cmd.l2l3[8*(14+b) +: 8] = '0;
    cc_cmd.src       = xp.src;
    cc_cmd.dst       = xp.dst;
    cc_cmd.sel_v6    = x_sa.sel_v6;
    cc_cmd.sel_src   = x_sa.sel_src;
    cc_cmd.sel_dst   = x_sa.sel_dst;
    cc_cmd.sel_proto = x_sa.sel_proto;
    case (x_class)
      C_BYPASS: begin
        strip_cmd.keep_len = xp.frame_len;
        ctx_cmd.op         = aes_gcm_pkg::GCM_BYPASS;
        dlv_cmd.keep_len   = xp.frame_len;
        cc_cmd.bypass      = 1'b1;
        cc_cmd.punt        = xp.punt;
      end
      C_DECRYPT: begin
        strip_cmd.strip    = xp.esp_off;
        strip_cmd.keep_len = xp.esp_len;
        ctx_cmd.op         = aes_gcm_pkg::GCM_DECRYPT;
        ctx_cmd.key256     = (x_sa.alg == espnic_regs_pkg::ALG_AES_GCM_256);
        ctx_cmd.key        = x_key.key;
        ctx_cmd.salt       = x_key.salt;
        ctx_cmd.hpow       = x_key.hpow;
        ctx_cmd.aad        = x_sa.esn
            ? {32'd0, espnic_pkg::be32(xp.seq_lo), espnic_pkg::be32(x_seq[63:32]), espnic_pkg::be32(xp.spi)}
            : {64'd0, espnic_pkg::be32(xp.seq_lo), espnic_pkg::be32(xp.spi)};
        ctx_cmd.aad_len    = x_sa.esn ? 16'd12 : 16'd8;
        ctx_cmd.len        = xp.esp_len - 16'd16;
        // Deliver Ethernet (tunnel) or Ethernet + the packet's own IP header
        // (transport); lengths, protocol and checksum are fixed at commit.
        // A route-based session's SA tags what it delivers with the
        // session's VLAN (its tunnel interface on the host).
        dlv_cmd.strip      = 8'd16;
        dlv_cmd.hdr        = xp.l2l3;
        dlv_cmd.hdr_len    = x_sa.tunnel ? 8'd14 : 8'd14 + xp.ip_hlen;
        if (x_sa.tunnel && x_sa.vlan_en) begin
          dlv_cmd.hdr[8*12 +: 32] = {espnic_pkg::be16({4'd0, x_sa.vlan}), espnic_pkg::be16(16'h8100)};
          dlv_cmd.hdr_len         = 8'd18;
        end
        dlv_cmd.keep_len   = xp.esp_len - 16'd32;
      end
      default: begin
        strip_cmd.drop = 1'b1;
        push_all       = 1'b0;
      end
    endcase
  end

  // A parsed frame takes a classify slot when the queues have room for its
  // work orders and for those of the frames in stages B to E.

  // Drops classify found, counted by drop slots (stage B of the table) if
  // the entry is still the one classify read.
  localparam int DR_W = 16 + espnic_pkg::SA_GEN_W + 1;
  logic [DR_W-1:0]    dr_cmd, dr_rd;
  logic               unused_dr_wr_ready;
  logic [3:0]         drop_count;
  assign dr_cmd   = {16'(x_i), xe_dyn.gen, x_class == C_REPLAY};
  assign dr_rd_sa = dr_rd[DR_W-1 -: 16];
  sync_fifo #(.WIDTH(DR_W), .DEPTH(8)) u_drop_q (
    .clk_i, .rst_ni,
    .wr_valid_i(x_go && (x_class == C_REPLAY || x_class == C_EXPIRED)),
    .wr_ready_o(unused_dr_wr_ready), .wr_data_i(dr_cmd),
    .rd_valid_o(dr_want), .rd_ready_i(dr_issue), .rd_data_o(dr_rd), .count_o(drop_count)
  );
  always_ff @(posedge clk_i)
    if (dr_issue) {db_gen, db_replay} <= dr_rd[espnic_pkg::SA_GEN_W:0];

  logic strip_rd_valid, strip_rd_ready, ctx_rd_valid, ctx_rd_ready;
  logic dlv_rd_valid, dlv_rd_ready, cc_rd_valid, cc_rd_ready;
  strip_cmd_t   strip_rd;
  aes_gcm_pkg::gcm_ctx_t ctx_rd;
  deliver_cmd_t dlv_rd;
  commit_ctx_t  cc_rd;

  sync_fifo #(.WIDTH($bits(strip_cmd)), .DEPTH(16)) u_strip_q (
    .clk_i, .rst_ni,
    .wr_valid_i(x_go), .wr_ready_o(unused_strip_wr_ready), .wr_data_i(strip_cmd),
    .rd_valid_o(strip_rd_valid), .rd_ready_i(strip_rd_ready), .rd_data_o(strip_rd), .count_o(strip_count)
  );
  sync_fifo #(.WIDTH($bits(ctx_cmd)), .DEPTH(16)) u_ctx_q (
    .clk_i, .rst_ni,
    .wr_valid_i(x_go && push_all), .wr_ready_o(unused_ctx_wr_ready), .wr_data_i(ctx_cmd),
    .rd_valid_o(ctx_rd_valid), .rd_ready_i(ctx_rd_ready), .rd_data_o(ctx_rd), .count_o(ctx_count)
  );
  sync_fifo #(.WIDTH($bits(dlv_cmd)), .DEPTH(16)) u_dlv_q (
    .clk_i, .rst_ni,
    .wr_valid_i(x_go && push_all), .wr_ready_o(unused_dlv_wr_ready), .wr_data_i(dlv_cmd),
    .rd_valid_o(dlv_rd_valid), .rd_ready_i(dlv_rd_ready), .rd_data_o(dlv_rd), .count_o(dlv_count)
  );
  // Where each packet out of the crypto core ends in its last beat, for the
  // trailer (esp_inbound_check): a bypassed frame is the whole frame, a
  // decrypted one the ESP header, IV and plaintext (esp_len less the ICV).
  // Pushed with the other work orders; more packets may sit between
  // classify and the check than in any one queue, so it has its own count.
  localparam int EB = $clog2(BYTES);
  logic [EB-1:0] end_cmd, end_rd;
  logic          end_rd_valid, end_rd_ready, unused_end_wr_ready;
  logic [$clog2(33)-1:0] end_count;
  assign end_cmd = EB'((xp.esp ? xp.esp_len - 16'd17 : xp.frame_len - 16'd1) % 16'(BYTES));
  sync_fifo #(.WIDTH(EB), .DEPTH(32)) u_end_q (
    .clk_i, .rst_ni,
    .wr_valid_i(x_go && push_all), .wr_ready_o(unused_end_wr_ready), .wr_data_i(end_cmd),
    .rd_valid_o(end_rd_valid), .rd_ready_i(end_rd_ready), .rd_data_o(end_rd), .count_o(end_count)
  );
  // The SA of the order queued last: each order says whether it names the
  // same SA as the one before it, which is the order in stage K when it
  // reaches the queue's head (k_next_same).
  always_ff @(posedge clk_i)
    if (!rst_ni)                cc_last_sa_q <= '0;
    else if (x_go && push_all)  cc_last_sa_q <= x_i;
  sync_fifo #(.WIDTH($bits(cc_cmd)), .DEPTH(32)) u_cc_q (
    .clk_i, .rst_ni,
    .wr_valid_i(x_go && push_all), .wr_ready_o(unused_cc_wr_ready), .wr_data_i(cc_cmd),
    .rd_valid_o(cc_rd_valid), .rd_ready_i(cc_rd_ready), .rd_data_o(cc_rd), .count_o(cc_count)
  );

  // The room is a register: each queue's count after this cycle's push and
  // pop (the queue's own count update: it is never full), compared a cycle
  // ahead, so it is the compare of the counts the queues show next cycle.
  logic room_q;
  wire  push_w = x_go && push_all;
  wire  push_d = x_go && (x_class == C_REPLAY || x_class == C_EXPIRED);
  // n < T for n = count + push - pop: the three compares of the count
  // selected by the push and the pop.
  function automatic logic room_ok(input logic [5:0] count, input logic push, input logic pop,
                                   input logic [5:0] t);
    if (push && !pop)      room_ok = count < t - 6'd1;
    else if (!push && pop) room_ok = count < t + 6'd1;
    else                   room_ok = count < t;
  endfunction
  logic ctx_pop;               // u_ctx_q's read (below)
  always_ff @(posedge clk_i) begin
    if (!rst_ni) room_q <= 1'b1;
    else         room_q <= room_ok(6'(strip_count), x_go, strip_rd_valid && strip_rd_ready, 6'd12)
                           && room_ok(6'(ctx_count), push_w, ctx_pop, 6'd12)
                           && room_ok(6'(dlv_count), push_w, dlv_rd_valid && dlv_rd_ready, 6'd12)
                           && room_ok(cc_count, push_w, cc_rd_valid && cc_rd_ready, 6'd28)
                           && room_ok(end_count, push_w, end_rd_valid && end_rd_ready, 6'd28)
                           && room_ok(6'(drop_count), push_d, dr_issue, 6'd4);
  end
  assign x_want = p_valid_q && room_q;

  // ------------------------------------------------------ stream stages
  logic [DATA_W-1:0] e1_tdata;  logic [BYTES-1:0] e1_tkeep;
  logic e1_tlast, e1_tvalid, e1_tready, e1_tuser;

  axis_rehead #(.DATA_W(DATA_W), .HDR_MAX(16), .TAIL_MAX(8)) u_strip (
    .clk_i, .rst_ni,
    .s_axis_tdata(frm_tdata), .s_axis_tkeep(frm_tkeep), .s_axis_tlast(frm_tlast),
    .s_axis_tuser(1'b1), .s_axis_tvalid(frm_tvalid), .s_axis_tready(frm_tready),
    .cmd_valid_i(strip_rd_valid), .cmd_ready_o(strip_rd_ready),
    .cmd_strip_i(strip_rd.strip), .cmd_hdr_i('0), .cmd_hdr_len_i('0),
    .cmd_keep_len_i(strip_rd.keep_len), .cmd_tail_i('0), .cmd_tail_len_i('0),
    .cmd_drop_i(strip_rd.drop),
    .m_axis_tdata(e1_tdata), .m_axis_tkeep(e1_tkeep), .m_axis_tlast(e1_tlast),
    .m_axis_tuser(e1_tuser), .m_axis_tvalid(e1_tvalid), .m_axis_tready(e1_tready)
  );

  logic e1_sop_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) e1_sop_q <= 1'b1;
    else if (e1_tvalid && e1_tready) e1_sop_q <= e1_tlast;
  end
  wire e1_gate = !e1_sop_q || ctx_rd_valid;

  logic [DATA_W-1:0] e2_tdata;  logic [BYTES-1:0] e2_tkeep;
  logic e2_tlast, e2_tvalid, e2_tready, e2_tuser, gcm_s_tready;
  assign e1_tready = gcm_s_tready && e1_gate;
  // The context queue's read (a packet's first beat into the core), one LUT
  // from the registers and the core's ready, not through e1_tready: it is
  // e1_tvalid && e1_tready && e1_sop_q written out.
  assign ctx_pop      = e1_tvalid && gcm_s_tready && e1_sop_q && ctx_rd_valid;
  assign ctx_rd_ready = ctx_pop;

  aes_gcm_stream #(.DATA_W(DATA_W)) u_gcm (
    .clk_i, .rst_ni,
    .s_axis_tdata(e1_tdata), .s_axis_tkeep(e1_tkeep), .s_axis_tlast(e1_tlast),
    .s_axis_tvalid(e1_tvalid && e1_gate), .s_axis_tready(gcm_s_tready),
    .s_ctx_i(ctx_rd),
    .m_axis_tdata(e2_tdata), .m_axis_tkeep(e2_tkeep), .m_axis_tlast(e2_tlast),
    .m_axis_tuser(e2_tuser), .m_axis_tvalid(e2_tvalid), .m_axis_tready(e2_tready)
  );

  logic [DATA_W-1:0] e3_tdata;  logic [BYTES-1:0] e3_tkeep;
  logic e3_tlast, e3_tvalid, e3_tready, e3_tuser;
  logic rep_valid, rep_ready, rep_icv_ok;
  logic [96*8-1:0] rep_head;
  logic [16*8-1:0] rep_tail;

  esp_inbound_check #(.DATA_W(DATA_W)) u_check (
    .clk_i, .rst_ni,
    .end_valid_i(end_rd_valid), .end_ready_o(end_rd_ready), .end_i(end_rd),
    .s_axis_tdata(e2_tdata), .s_axis_tkeep(e2_tkeep), .s_axis_tlast(e2_tlast),
    .s_axis_tuser(e2_tuser), .s_axis_tvalid(e2_tvalid), .s_axis_tready(e2_tready),
    .m_axis_tdata(e3_tdata), .m_axis_tkeep(e3_tkeep), .m_axis_tlast(e3_tlast),
    .m_axis_tuser(e3_tuser), .m_axis_tvalid(e3_tvalid), .m_axis_tready(e3_tready),
    .rep_valid_o(rep_valid), .rep_ready_i(rep_ready), .rep_icv_ok_o(rep_icv_ok),
    .rep_head_o(rep_head), .rep_tail_o(rep_tail)
  );

  logic [DATA_W-1:0] e4_tdata;  logic [BYTES-1:0] e4_tkeep;
  logic e4_tlast, e4_tvalid, e4_tready, e4_tuser;

  axis_rehead #(.DATA_W(DATA_W), .HDR_MAX(L2_MAX), .TAIL_MAX(8)) u_deliver (
    .clk_i, .rst_ni,
    .s_axis_tdata(e3_tdata), .s_axis_tkeep(e3_tkeep), .s_axis_tlast(e3_tlast),
    .s_axis_tuser(e3_tuser), .s_axis_tvalid(e3_tvalid), .s_axis_tready(e3_tready),
    .cmd_valid_i(dlv_rd_valid), .cmd_ready_o(dlv_rd_ready),
    .cmd_strip_i(dlv_rd.strip), .cmd_hdr_i(dlv_rd.hdr), .cmd_hdr_len_i(dlv_rd.hdr_len[6:0]),
    .cmd_keep_len_i(dlv_rd.keep_len), .cmd_tail_i('0), .cmd_tail_len_i('0),
    .cmd_drop_i(1'b0),
    .m_axis_tdata(e4_tdata), .m_axis_tkeep(e4_tkeep), .m_axis_tlast(e4_tlast),
    .m_axis_tuser(e4_tuser), .m_axis_tvalid(e4_tvalid), .m_axis_tready(e4_tready)
  );

  // Packets fully written to the commit FIFO and not yet committed.
  logic [7:0] ended_q;
  logic       out_wr_ready;
  assign e4_tready = out_wr_ready;
  wire e4_end = e4_tvalid && e4_tready && e4_tlast;

  // -------------------------------------------------------------- commit
  // The oldest packet's work order from classify (cc_rd) and what
  // esp_inbound_check saw (rep_*) first enter stage K, which decides what
  // depends on the packet alone (trailer, inner header, lengths, the inbound
  // policy, the transport header's checksum in partial sums). The packet
  // takes a commit slot from K once it is written to the commit FIFO; stage
  // K moves every cycle a slot is issued, so commits keep one per cycle. In
  // stage B (commit_go) the packet is compared with its SA entry as the
  // table reads it; in stage C (cw_commit_q) its verdict is decided from
  // those compares, the entry written back and the packet committed.
  logic            commit_ready;
  logic            k_valid_q, k_load;
  commit_ctx_t     k_cc;
  logic            k_icv_ok;
  logic [96*8-1:0] k_head;
  logic [7:0]      k_nh;
  logic [15:0]     k_body_len, k_inner_len, k_lenw;
  logic            k_len_ok, k_nh_ok, k_dummy, k_pkt_v6;
  logic [13:0]     k_pad_bad;
  logic [espnic_pkg::ADDR_W-1:0] k_in_src, k_in_dst;
  logic [7:0]      k_in_proto;
  logic [6*20-1:0] k_sum;
  logic            k_seq_nz;
  logic [3:0]      k_sel_any;   // the selectors' masks zero (any address), in parts
  logic [63:0]     k_seq_oh;
  logic [52:0]     k_seq_blk1;
  assign cc_rd_sa   = k_cc.sa;
  assign cc_rd_word = k_cc.seq[10:6];
  logic            lt_ready;   // esp_sa_lifetime: no commit issued in the cycle after an SA write
  wire cfg_side_we = sa_ready_o && sa_req_valid_i
                     && (sa_req_i.op == espnic_pkg::SA_OP_WRITE || sa_req_i.op == espnic_pkg::SA_OP_UPDATE);
  // Whether a commit slot is wanted is a register: its conditions as they
  // are next cycle (a packet ended and not committed, an order in K, no SA
  // configuration write this cycle (lt_ready next cycle), not the same SA
  // as a commit issued now, no drop slot issued now), so the queues' reads
  // behind cm_issue start from a register.
  logic            cm_want_q, cm_want_d;
  assign cm_want    = cm_want_q;
  assign k_load     = cc_rd_valid && rep_valid && (!k_valid_q || cm_issue);
  assign cc_rd_ready = k_load;
  assign rep_ready   = k_load;

  // What stage K takes from the queues' output registers: the trailer's
  // fields and per-byte padding checks, the lengths, the inner header.
  logic [7:0]  pad_len, nh;
  logic        len_ok, nh_ok;
  logic [13:0] pad_bad;
  logic [15:0] body_len, inner_len;
  logic [3:0]  inner_ver;
  logic [espnic_pkg::ADDR_W-1:0] in_src, in_dst;
  logic [7:0]  in_proto;
  logic [60*8-1:0] k_l3;
  logic [5*20-1:0] k_w;
  logic [6*20-1:0] sum_g;
  always_comb begin
    pad_len  = rep_tail[8*14 +: 8];
    nh       = rep_tail[8*15 +: 8];
    len_ok   = 16'(pad_len) + 16'd2 <= cc_rd.pt_len;
    // Default padding 1, 2, 3, ... (RFC 4303 2.4), checked for the pad
    // bytes within the last 16 bytes (all pads up to 14 bytes long), a flag
    // per byte.
    for (int i = 0; i < 14; i++)
      pad_bad[i] = i < 32'(pad_len) && rep_tail[8*(13 - i) +: 8] != 8'(32'(pad_len) - i);
    body_len  = cc_rd.pt_len - 16'(pad_len) - 16'd2;
    inner_ver = rep_head[4 +: 4];
    in_src = '0; in_dst = '0; in_proto = '0; inner_len = body_len;
    if (cc_rd.tunnel) begin
      nh_ok = (nh == espnic_pkg::IPP_IPV4 && inner_ver == 4'd4) || (nh == espnic_pkg::IPP_IPV6 && inner_ver == 4'd6);
      if (nh == espnic_pkg::IPP_IPV4) begin
        inner_len = {rep_head[8*2 +: 8], rep_head[8*3 +: 8]};
        in_src    = {96'd0, rep_head[8*12 +: 32]};
        in_dst    = {96'd0, rep_head[8*16 +: 32]};
        in_proto  = rep_head[8*9 +: 8];
      end else begin
        inner_len = {rep_head[8*4 +: 8], rep_head[8*5 +: 8]} + 16'd40;
        in_src    = rep_head[8*8 +: 128];
        in_dst    = rep_head[8*24 +: 128];
        in_proto  = rep_head[8*6 +: 8];
      end
    end else begin
      nh_ok    = nh != espnic_pkg::IPP_NONE;
      in_src   = cc_rd.src;
      in_dst   = cc_rd.dst;
      in_proto = nh;
    end
    // The transport header's checksum: its words but length, protocol and
    // checksum (the bytes beyond its length zeroed at classify) in six
    // partial sums of at most five words.
    k_l3 = cc_rd.l2l3[8*14 +: 480];
    for (int g = 0; g < 6; g++) begin
      for (int i = 0; i < 5; i++) begin
        k_w[20*i +: 20] = {4'd0, k_l3[16*(5*g+i) +: 8], k_l3[16*(5*g+i)+8 +: 8]};
        if (5*g + i == 1 || 5*g + i == 4 || 5*g + i == 5) k_w[20*i +: 20] = '0;
      end
      sum_g[20*g +: 20] = ((k_w[0 +: 20] + k_w[20 +: 20]) + (k_w[40 +: 20] + k_w[60 +: 20])) + k_w[80 +: 20];
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      k_valid_q  <= 1'b0;
      cm_want_q  <= 1'b0;
    end else begin
      k_valid_q  <= k_load || (k_valid_q && !cm_issue);
      cm_want_q  <= cm_want_d;
    end
    if (k_load) begin
      k_cc          <= cc_rd;
      k_icv_ok      <= rep_icv_ok;
      k_head        <= rep_head;
      k_nh          <= nh;
      k_body_len    <= body_len;
      k_inner_len   <= inner_len;
      k_lenw        <= 16'(cc_rd.ip_hlen) + body_len;
      k_len_ok      <= len_ok;
      k_pad_bad     <= pad_bad;
      k_nh_ok       <= nh_ok;
      k_dummy       <= cc_rd.tunnel && nh == espnic_pkg::IPP_NONE;
      k_pkt_v6      <= cc_rd.tunnel ? (nh == espnic_pkg::IPP_IPV6) : cc_rd.v6;
      k_in_src      <= in_src;
      k_in_dst      <= in_dst;
      k_in_proto    <= in_proto;
      k_sum         <= sum_g;
      k_seq_nz      <= cc_rd.seq != 64'd0;
      for (int q = 0; q < 4; q++)
        k_sel_any[q] <= cc_rd.sel_src[32*q +: 32] == '0 && cc_rd.sel_dst[32*q +: 32] == '0;
      k_seq_oh      <= 64'd1 << cc_rd.seq[5:0];
      k_seq_blk1    <= cc_rd.seq[63:11] + 53'd1;
    end
  end

  // cm_want next cycle, for either outcome of this cycle's issue (it comes
  // late): with an issue, the order loaded behind it, unless it names the
  // same SA (it waits a cycle), and another ended packet; without, the order
  // in K or the one loaded, and an ended packet.
  wire k_next_same = !cc_rd.bypass && !k_cc.bypass && cc_rd.same_prev;
  always_comb
    cm_want_d = !cfg_side_we
        && (cm_issue ? (e4_end ? ended_q != 8'd0 : ended_q != 8'd1) && cc_rd_valid && rep_valid && !k_next_same
                     : (e4_end || ended_q != 8'd0) && (k_valid_q || (cc_rd_valid && rep_valid)) && !dr_issue);

  // Stage K's decisions, from its registers.
  logic        k_trailer_bad, k_inner_ok, k_inner_bad;
  logic [15:0] k_out_len;
  always_comb begin
    k_trailer_bad = !k_len_ok || k_pad_bad != '0;
    if (!k_cc.tunnel)                       k_inner_ok = 1'b1;
    else if (k_nh == espnic_pkg::IPP_IPV4)  k_inner_ok = k_body_len >= 16'd20 && k_inner_len >= 16'd20
                                                         && k_inner_len <= k_body_len;
    else                                    k_inner_ok = k_body_len >= 16'd40 && k_inner_len <= k_body_len;
    k_inner_bad = !k_nh_ok || !k_inner_ok;
    k_out_len   = k_cc.bypass ? k_cc.frame_len
                : k_cc.tunnel ? (k_cc.vtag ? 16'd18 : 16'd14) + k_inner_len
                : 16'd14 + k_lenw;
  end

  // The inbound policy (RFC 4301 5.2 step 4): the inner packet against its
  // SA's selectors, the peer's side being the source. Selectors of one
  // family; all-wildcard selectors take either family. Stage K compares
  // each address in four parts (the selectors ride with the work order:
  // an UPDATE never changes them and a WRITE makes the entry stale), stage B
  // ANDs the parts and stage C uses the result.
  logic [3:0] k_src_part, k_dst_part;
  logic       k_fam_ok, k_proto_ok;
  always_comb begin
    for (int q = 0; q < 4; q++) begin
      k_src_part[q] = ((k_in_src[32*q +: 32] ^ k_cc.sel_src[espnic_pkg::ADDR_W + 32*q +: 32])
                       & k_cc.sel_src[32*q +: 32]) == '0;
      k_dst_part[q] = ((k_in_dst[32*q +: 32] ^ k_cc.sel_dst[espnic_pkg::ADDR_W + 32*q +: 32])
                       & k_cc.sel_dst[32*q +: 32]) == '0;
    end
    k_fam_ok   = k_cc.sel_v6 == k_pkt_v6 || &k_sel_any;
    k_proto_ok = k_cc.sel_proto == 8'd0 || k_cc.sel_proto == k_in_proto;
  end

  // Stage B's registers: the packet's part, and the checksum's sum in two
  // parts.
  commit_ctx_t     cb;
  logic [96*8-1:0] cb_head;
  logic [7:0]      cb_nh;
  logic [15:0]     cb_body_len, cb_out_len, cb_lenw;
  logic [19:0]     cb_sum_a, cb_sum_b;
  logic            cb_seq_nz;
  logic [63:0]     cb_seq_oh;   // the sequence number's bit in its window word
  logic [52:0]     cb_seq_blk1; // the block after the sequence number's (bits [63:11] + 1)
  logic [3:0]      cb_src_part, cb_dst_part;
  logic            cb_fam_ok, cb_proto_ok;

  // What the packet alone makes of the verdict (stage C adds the SA's part):
  // ICV failed; else malformed (trailer, or inner header of a packet that is
  // not a dummy); else a dummy; else good (delivered if the SA agrees).
  logic            cb_p_icv_bad, cb_p_mal, cb_p_dummy, cb_p_good;
  always_ff @(posedge clk_i) begin
    if (cm_issue) begin
      cb             <= k_cc;
      cb_p_icv_bad   <= !k_icv_ok;
      cb_p_mal       <= k_icv_ok && (k_trailer_bad || (!k_dummy && k_inner_bad));
      cb_p_dummy     <= k_icv_ok && !k_trailer_bad && k_dummy;
      cb_p_good      <= k_icv_ok && !k_trailer_bad && !k_dummy && !k_inner_bad;
      cb_head        <= k_head;
      cb_nh          <= k_nh;
      cb_body_len    <= k_body_len;
      cb_lenw        <= k_lenw;
      cb_out_len     <= k_out_len;
      cb_seq_nz      <= k_seq_nz;
      cb_seq_oh      <= k_seq_oh;
      cb_seq_blk1    <= k_seq_blk1;
      cb_src_part    <= k_src_part;
      cb_dst_part    <= k_dst_part;
      cb_fam_ok      <= k_fam_ok;
      cb_proto_ok    <= k_proto_ok;
      cb_sum_a       <= (k_sum[0 +: 20] + k_sum[20 +: 20]) + (k_sum[40 +: 20] + k_sum[60 +: 20]);
      cb_sum_b       <= (k_sum[80 +: 20] + k_sum[100 +: 20])
                        + ({4'd0, k_lenw} + {4'd0, k_cc.l2l3[8*(14+8) +: 8], k_nh});
    end
  end

  // ---- stage B: the packet against its entry as the table reads it
  wire policy_ok = (cb_fam_ok && cb_proto_ok) && (&cb_src_part && &cb_dst_part);
  logic [63:0] b_top;   // the highest sequence number seen
  assign b_top = b_dyn.st.seq;
  // The SA was removed or replaced since this packet was classified: the
  // packet is dropped and the entry's new occupant is not touched.
  wire b_stale = !b_dyn.enable || b_dyn.gen != cb.gen;

  // The replay window's compares, shared by the check and the window's mark.
  // The age top - seq (for seq <= top) is compared from seq's block of 2^11
  // numbers (the window word's tag): an age below 2^11 has top in seq's
  // block (the age is the low parts' difference) or in the next one (the
  // difference borrows; stage K added the one to the block), so no 64-bit
  // difference is compared again. Past the top (seq_gt) they are not used.
  // Stage C puts the parts together: the age is near (below 2^11: top in
  // seq's block and no borrow, or in the next block and a borrow) and its
  // low part's compares. (Kept nets: abc9 maps logic off its critical path
  // into LUT chains as deep as that path; kept nets bound them, README
  // "ingdepth 3".)
  (* keep *) logic seq_gt, blk_same, blk_next, tag_eq, win_hit;
  // (the tag compare as kept parts of three bits, one LUT each: as one net
  // abc9 mapped it as a chain of eight LUTs, README "ingdepth 5")
  (* keep *) logic [17:0] tag_part;
  logic [53:0] tag_w, tag_s;
  logic        age_borrow, age_lt_w, age_lt_max;
  logic        ok_base, ok_old_w;
  logic [11:0] age_lo;
  always_comb begin
    seq_gt     = cb.seq > b_top;
    age_lo     = {1'b0, b_top[10:0]} - {1'b0, cb.seq[10:0]};
    blk_same   = b_top[63:11] == cb.seq[63:11];
    blk_next   = b_top[63:11] == cb_seq_blk1;
    age_borrow = age_lo[11];                                      // the age is age_lo[10:0]
    age_lt_w   = age_lo[10:0] < b_cfg.replay_window;
    age_lt_max = age_lo[10:0] < 11'(espnic_pkg::REPLAY_MAX);
    tag_w      = {1'b0, b_win[64 +: espnic_pkg::REPLAY_TAG_W]};
    tag_s      = {1'b0, cb.seq[63:11]};
    for (int i = 0; i < 18; i++) tag_part[i] = tag_w[3*i +: 3] == tag_s[3*i +: 3];
    tag_eq     = &tag_part;
    win_hit    = (b_win[63:0] & cb_seq_oh) != 64'd0;              // with tag_eq: seen before
    // replay_pkg::replay_ok: past the top (or no window) it passes; below
    // the top it passes when near, within the window and not seen
    ok_base    = cb_seq_nz && (b_cfg.replay_window == '0 || seq_gt);
    ok_old_w   = cb_seq_nz && age_lt_w;                           // and not seen before (C)
  end
  // Header fix-ups over the first 64 delivered bytes.
  logic [64*8-1:0] fix_hdr;
  logic [63:0]     fix_mask;
  logic [60*8-1:0] trn_l3;
  logic [19:0]     trn_sum;      // the header's sum, the end-around carries not yet added
  always_comb begin
    // Transport mode, IPv4: the packet's own header (options included; its
    // bytes beyond its length zeroed at classify) with length and protocol
    // restored; the checksum is written in stage C (trn_sum).
    trn_l3 = cb.l2l3[8*14 +: 480];
    trn_l3[8*2 +: 16]  = espnic_pkg::be16(cb_lenw);
    trn_l3[8*9 +: 8]   = cb_nh;
    trn_sum = cb_sum_a + cb_sum_b;

    fix_hdr  = '0;
    fix_mask = '0;
    if (cb.tunnel && cb.vtag) begin
      fix_hdr[8*16 +: 16] = espnic_pkg::be16(cb_nh == espnic_pkg::IPP_IPV6 ? espnic_pkg::ETH_IPV6 : espnic_pkg::ETH_IPV4);
      fix_mask[17:16]     = 2'b11;
    end else if (cb.tunnel) begin
      fix_hdr[8*12 +: 16] = espnic_pkg::be16(cb_nh == espnic_pkg::IPP_IPV6 ? espnic_pkg::ETH_IPV6 : espnic_pkg::ETH_IPV4);
      fix_mask[13:12]     = 2'b11;
    end else if (cb.v6) begin
      fix_hdr[8*18 +: 16] = espnic_pkg::be16(cb_body_len);
      fix_hdr[8*20 +: 8]  = cb_nh;
      fix_mask[20:18]     = 3'b111;
    end else begin
      fix_hdr[8*14 +: 400] = trn_l3[0 +: 400];
      fix_mask[17:16] = 2'b11;
      fix_mask[25:23] = 3'b111;
    end
    if (cb.punt) fix_hdr[8*12 +: 16] = espnic_pkg::be16(espnic_regs_pkg::ETHERTYPE_REASSEMBLY);
    if (cb.punt)        fix_mask = 64'h3000;
    else if (cb.bypass) fix_mask = '0;
  end

  // Stage K decided with the lengths and addresses (and the same-SA wait at
  // issue): B reads the results.
  logic unused_cb;
  assign unused_cb = ^{cb.frame_len, cb.pt_len, cb.src, cb.dst, cb.sel_v6, cb.sel_src, cb.sel_dst, cb.sel_proto,
                      cb.same_prev, trn_l3[479:400], commit_ready, lt_ready};

  // Lifetimes after a delivered packet (esp_sa_lifetime; its limits' tables
  // are read at the commit slot's issue, with the slot's SA, and a cycle
  // before it, with stage K's next SA), from the entry in stage B.
  logic [63:0] new_pkts, new_bytes;
  logic        soft_hit, hard_hit;
  logic [3:0]  soft_kind, hard_kind;
  esp_sa_lifetime #(.SA_N(SA_N)) u_lifetime (
    .clk_i, .cfg_we_i(cfg_side_we), .cfg_index_i(sa_req_i.index[SAW-1:0]), .cfg_wr_i(sa_req_i.cfg),
    .ready_o(lt_ready),
    .nx_index_i(k_load ? cc_rd.sa[SAW-1:0] : k_cc.sa[SAW-1:0]), .rd_index_i(cc_rd_sa[SAW-1:0]),
    .rd_add_bytes_i(k_body_len),
    .packets_i(b_dyn.cnt.packets), .bytes_i(b_dyn.cnt.bytes), .add_bytes_i(cb_body_len),
    .packets_o(new_pkts), .bytes_o(new_bytes), .soft_hit_o(soft_hit), .soft_kind_o(soft_kind),
    .hard_hit_o(hard_hit), .hard_kind_o(hard_kind)
  );

  // ---- stage C: stage B's compares, the entry and the commit, registered
  logic                cw_commit_q, cw_drop_q, cw_d_replay_q, cw_live_q, cw_live_pol_q;
  logic                cw_go_q, cw_bypass_q, cw_punt_q, cw_hard_q;
  logic                cw_p_icv_bad_q, cw_p_mal_q, cw_p_dummy_q, cw_p_good_nopol_q;
  logic                cw_seq_gt_q, cw_blk_same_q, cw_blk_next_q, cw_age_borrow_q, cw_age_lt_max_q;
  logic                cw_ok_base_q, cw_ok_old_w_q, cw_tag_eq_q, cw_win_hit_q;
  logic [63:0]         cw_seq_q;
  logic [15:0]         cw_sa_q, cw_len_q;
  logic                cw_csum_q;     // transport IPv4: the checksum goes into the header
  logic [19:0]         cw_sum_q;
  espnic_pkg::sa_dyn_t cw_dyn_q;
  espnic_pkg::window_t cw_win_q;
  logic [63:0]         cw_seq_oh_q;
  logic [63:0]         cw_pkts_q, cw_bytes_q;
  logic                cw_soft_hit_q, cw_hard_hit_q;
  logic [3:0]          cw_soft_kind_q, cw_hard_kind_q;
  logic [64*8-1:0]     cw_fix_hdr_q;
  logic [63:0]         cw_fix_mask_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cw_commit_q <= 1'b0;
      cw_drop_q   <= 1'b0;
      cw_live_q   <= 1'b0;
      cw_live_pol_q <= 1'b0;
    end else begin
      cw_commit_q <= commit_go;
      // the outcomes' common terms (v_live, and v_deliver but the replay
      // verdict) as registers: they select the whole write-back
      cw_live_q     <= commit_go && !cb.bypass && !b_stale && !cb_p_icv_bad && !b_dyn.st.hard_fired;
      cw_live_pol_q <= commit_go && !cb.bypass && !b_stale && !cb_p_icv_bad && !b_dyn.st.hard_fired
                       && cb_p_good && policy_ok;
      // a drop slot counts if the entry is still the one classify read
      cw_drop_q   <= drop_go && b_dyn.enable && b_dyn.gen == db_gen;
    end
    cw_d_replay_q  <= db_replay;
    cw_go_q        <= !cb.bypass && !b_stale;
    cw_bypass_q    <= cb.bypass;
    cw_punt_q      <= cb.punt;
    cw_hard_q      <= b_dyn.st.hard_fired;
    cw_p_icv_bad_q <= cb_p_icv_bad;
    cw_p_mal_q     <= cb_p_mal;
    cw_p_dummy_q   <= cb_p_dummy;
    cw_p_good_nopol_q <= cb_p_good && !policy_ok;
    cw_seq_gt_q    <= seq_gt;
    cw_blk_same_q  <= blk_same;
    cw_blk_next_q  <= blk_next;
    cw_age_borrow_q <= age_borrow;
    cw_age_lt_max_q <= age_lt_max;
    cw_ok_base_q   <= ok_base;
    cw_ok_old_w_q  <= ok_old_w;
    cw_tag_eq_q    <= tag_eq;
    cw_win_hit_q   <= win_hit;
    cw_seq_q       <= cb.seq;
    cw_sa_q        <= cb.sa;
    cw_len_q       <= cb_out_len;
    cw_csum_q      <= !cb.bypass && !cb.tunnel && !cb.v6;
    cw_sum_q       <= trn_sum;
    cw_dyn_q       <= b_dyn;
    cw_win_q       <= b_win;
    cw_seq_oh_q    <= cb_seq_oh;
    cw_pkts_q      <= new_pkts;
    cw_bytes_q     <= new_bytes;
    cw_soft_hit_q  <= soft_hit;
    cw_hard_hit_q  <= hard_hit;
    cw_soft_kind_q <= soft_kind;
    cw_hard_kind_q <= hard_kind;
    cw_fix_hdr_q   <= fix_hdr;
    cw_fix_mask_q  <= fix_mask;
  end

  // replay_pkg::replay_ok from stage B's compares (age_near: the age is
  // below 2^11 and was the low parts' difference).
  logic age_near, replay_final_ok, mark_win;
  always_comb begin
    age_near = cw_age_borrow_q ? cw_blk_next_q : cw_blk_same_q;
    replay_final_ok = cw_ok_base_q || (age_near && cw_ok_old_w_q && !(cw_tag_eq_q && cw_win_hit_q));
    // replay_pkg::replay_mark: the window word moves unless the number is
    // older than the largest window
    mark_win = cw_seq_gt_q || (age_near && cw_age_lt_max_q);
  end
  // The window word if the packet is delivered (replay_pkg::replay_mark
  // with the bit's one-hot): its bit set, or a new word for its block.
  espnic_pkg::window_t win_mark;
  always_comb
    win_mark = cw_tag_eq_q ? {cw_win_q[64 +: espnic_pkg::REPLAY_TAG_W], cw_win_q[63:0] | cw_seq_oh_q}
                           : {cw_seq_q[63:11], cw_seq_oh_q};

  // The transport header's checksum: the sum's end-around carries, into its
  // place in the header fix-ups.
  logic [19:0]     csum;
  logic [64*8-1:0] c_fix_hdr;
  always_comb begin
    csum = {4'd0, cw_sum_q[15:0]} + {16'd0, cw_sum_q[19:16]};
    csum = {4'd0, csum[15:0]} + {16'd0, csum[19:16]};
    c_fix_hdr = cw_fix_hdr_q;
    if (cw_csum_q) c_fix_hdr[8*(14+10) +: 16] = espnic_pkg::be16(~csum[15:0]);
  end

  // The commit's outcome, each as its own condition (at most one holds; none
  // for a bypassed packet, a stale entry or no commit), in the order of
  // priority: ICV, expired (packets in flight when the hard lifetime was
  // reached), replay, malformed (trailer), dummy, malformed (inner header),
  // policy, delivered. The write-back is selected by them directly.
  logic v_go, v_live, v_icv, v_expired, v_replay, v_malformed, v_dummy, v_policy, v_deliver;
  always_comb begin
    v_go        = cw_commit_q && cw_go_q;
    v_icv       = v_go && cw_p_icv_bad_q;
    v_expired   = v_go && !cw_p_icv_bad_q && cw_hard_q;
    v_live      = cw_live_q;         // v_go && !cw_p_icv_bad_q && !cw_hard_q
    v_replay    = v_live && !replay_final_ok;
    v_malformed = v_live && replay_final_ok && cw_p_mal_q;
    v_dummy     = v_live && replay_final_ok && cw_p_dummy_q;
    v_policy    = v_live && replay_final_ok && cw_p_good_nopol_q;
    v_deliver   = cw_live_pol_q && replay_final_ok;   // v_live && ... && cb_p_good && policy_ok
  end

  wire c_deliver = cw_bypass_q || v_deliver;
  logic   ev_wr_ready_raw;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      ended_q <= '0;
    end else begin
      ended_q <= ended_q + 8'(e4_end) - 8'(cm_issue);
    end
  end

  // The packet's length rides along as its meta data: bytes out are counted
  // from it when the last beat leaves, not summed over tkeep.
  logic [15:0] out_meta_len;
  logic [DATA_W-1:0] o_tdata;  logic [BYTES-1:0] o_tkeep;
  logic o_tlast, o_tvalid, o_tready;
  // Twice the frame FIFO: a committed frame waits at the output for its MSS
  // command (about 28 cycles after its commit) while the next ones arrive.
  // Its commit queue never fills (it holds no more commits than the FIFO
  // holds packets), so commits do not wait for commit_ready.
  pkt_commit_fifo #(.DATA_W(DATA_W), .DEPTH_BEATS(2 * FIFO_D), .META_W(16), .PKTS(32)) u_out (
    .clk_i, .rst_ni,
    .s_axis_tdata(e4_tdata), .s_axis_tkeep(e4_tkeep), .s_axis_tlast(e4_tlast),
    .s_axis_tvalid(e4_tvalid), .s_axis_tready(out_wr_ready),
    .commit_valid_i(cw_commit_q), .commit_ready_o(commit_ready), .commit_drop_i(!c_deliver),
    .commit_len_i(cw_len_q),
    .commit_hdr_i(c_fix_hdr), .commit_hdr_mask_i(cw_fix_mask_q),
    .commit_meta_i(cw_len_q),
    .m_axis_tdata(o_tdata), .m_axis_tkeep(o_tkeep), .m_axis_tlast(o_tlast),
    .m_axis_tvalid(o_tvalid), .m_axis_tready(o_tready),
    .m_meta_o(out_meta_len), .free_beats_o()
  );
  // ------------------------------------------------ inbound MSS clamping
  // A delivered TCP SYN's MSS option is lowered to its SA's clamp as the
  // frame leaves (esp_mss_clamp on the output, as egress does before
  // encryption). The option is looked for (esp_mss_find) in the delivered
  // frame's first bytes as the commit knows them, laid out as an untagged
  // frame: tunnel mode, the inner packet's first 82 bytes; transport mode,
  // the restored IP header (20 bytes for IPv4 without options, 40 for IPv6;
  // other headers are not clamped) and the payload's first bytes. Bytes the
  // commit does not have are zero, which ends the option walk (an option
  // beyond them is not clamped). One command per delivered frame: the header
  // waits in u_mss_hdr while the walk runs (esp_mss_find's latency), then
  // the command enters esp_mss_clamp, which holds the frame until it comes.
  localparam int HB = espnic_pkg::HDR_BYTES;
  typedef struct packed {
    logic [HB*8-1:0] hdr;
    logic [15:0]     clamp;
    logic            apply;
    logic            tag;
  } mss_cmd_t;
  mss_cmd_t    mh, m0, m1, m_rd;
  logic        m1_valid, mf_valid, mf_found, m_rd_valid, unused_mh_ready;
  logic [5:0]  mf_pos;
  always_comb begin
    mh       = '0;
    // (built in stage B; the verdict's part is ANDed after stage C, m1_deliver)
    mh.apply = b_cfg.mss_clamp != 16'd0;
    mh.clamp = b_cfg.mss_clamp;
    mh.tag   = cb.tunnel && cb.vtag;
    if (cb.tunnel) begin
      mh.hdr[8*12 +: 16] = espnic_pkg::be16(cb_nh == espnic_pkg::IPP_IPV6 ? espnic_pkg::ETH_IPV6 : espnic_pkg::ETH_IPV4);
      mh.hdr[8*14 +: 82*8] = cb_head[0 +: 82*8];
    end else if (!cb.v6 && cb.ip_hlen == 8'd20) begin
      mh.hdr[0 +: 14*8]    = cb.l2l3[0 +: 14*8];
      mh.hdr[8*14 +: 20*8] = trn_l3[0 +: 20*8];
      mh.hdr[8*34 +: 62*8] = cb_head[0 +: 62*8];
    end else if (cb.v6 && cb.ip_hlen == 8'd40) begin
      mh.hdr[0 +: 54*8]    = cb.l2l3[0 +: 54*8];
      mh.hdr[8*18 +: 16]   = espnic_pkg::be16(cb_body_len);
      mh.hdr[8*20 +: 8]    = cb_nh;
      mh.hdr[8*54 +: 42*8] = cb_head[0 +: 42*8];
    end else begin
      mh.apply = 1'b0;
    end
  end
  // m0: the command in stage C; m1: after it, with the verdict.
  logic    m1_deliver;
  mss_cmd_t m1_wr;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) m1_valid <= 1'b0;
    else         m1_valid <= cw_commit_q && c_deliver;
    m0         <= mh;
    m1         <= m0;
    m1_deliver <= v_deliver;
  end
  always_comb begin
    m1_wr       = m1;
    m1_wr.apply = m1.apply && m1_deliver;
  end
  esp_mss_find u_mss_find (
    .clk_i, .rst_ni, .in_valid_i(m1_valid), .hdr_i(m1.hdr),
    .out_valid_o(mf_valid), .found_o(mf_found), .pos_o(mf_pos)
  );
  // Holds the headers in the walk: at most one per cycle of its latency.
  sync_fifo #(.WIDTH($bits(m1)), .DEPTH(32)) u_mss_hdr (
    .clk_i, .rst_ni,
    .wr_valid_i(m1_valid), .wr_ready_o(unused_mh_ready), .wr_data_i(m1_wr),
    .rd_valid_o(m_rd_valid), .rd_ready_i(mf_valid), .rd_data_o(m_rd), .count_o()
  );
  logic unused_m_rd_valid;
  assign unused_m_rd_valid = m_rd_valid;
  // The clamp's queue holds a command per frame between the walk and the
  // output: no more than u_out's packets (32) and the one in the clamp.
  esp_mss_clamp #(.DATA_W(DATA_W), .Q_D(64)) u_mss_clamp (
    .clk_i, .rst_ni,
    .cmd_valid_i(mf_valid), .cmd_hdr_i(m_rd.hdr), .cmd_found_i(mf_found),
    .cmd_pos_i(mf_pos), .cmd_clamp_i(m_rd.clamp), .cmd_apply_i(m_rd.apply),
    .cmd_tag_i(m_rd.tag),
    .s_axis_tdata(o_tdata), .s_axis_tkeep(o_tkeep), .s_axis_tlast(o_tlast),
    .s_axis_tvalid(o_tvalid), .s_axis_tready(o_tready),
    .m_axis_tdata, .m_axis_tkeep, .m_axis_tlast, .m_axis_tvalid, .m_axis_tready,
    .clamped_o()
  );

  // ------------------------------------------------- state and counters
  // The SA entry after a drop or a commit slot, in stage C (the table writes
  // it back whole): a drop found at classify, and a commit's verdict.
  // Each drop counter's increment from its own conditions (a drop slot and
  // a commit slot are never in one cycle).
  logic inc_replay, inc_expired;
  espnic_pkg::sa_counters_t c_cnt;
  assign c_cnt = cw_dyn_q.cnt;
  logic unused_c_cnt;   // packets and bytes: esp_sa_lifetime's new counts
  assign unused_c_cnt = ^{c_cnt.packets, c_cnt.bytes};
  always_comb begin
    inc_replay  = v_replay || (cw_drop_q && cw_d_replay_q);
    inc_expired = v_expired || (cw_drop_q && !cw_d_replay_q);
    dp_dyn = cw_dyn_q;
    dp_win = cw_win_q;
    dp_we  = cw_drop_q || v_icv || v_expired || v_replay || v_malformed || v_policy || v_deliver;
    if (inc_replay)
      dp_dyn.cnt.drops[espnic_regs_pkg::DROP_REPLAY] = espnic_pkg::add64(c_cnt.drops[espnic_regs_pkg::DROP_REPLAY], 16'd1);
    if (inc_expired)
      dp_dyn.cnt.drops[espnic_regs_pkg::DROP_EXPIRED] = espnic_pkg::add64(c_cnt.drops[espnic_regs_pkg::DROP_EXPIRED], 16'd1);
    if (v_icv)
      dp_dyn.cnt.drops[espnic_regs_pkg::DROP_ICV] = espnic_pkg::add64(c_cnt.drops[espnic_regs_pkg::DROP_ICV], 16'd1);
    if (v_policy)
      dp_dyn.cnt.drops[espnic_regs_pkg::DROP_POLICY] = espnic_pkg::add64(c_cnt.drops[espnic_regs_pkg::DROP_POLICY], 16'd1);
    if (v_malformed)
      dp_dyn.cnt.drops[espnic_regs_pkg::DROP_MALFORMED] = espnic_pkg::add64(c_cnt.drops[espnic_regs_pkg::DROP_MALFORMED], 16'd1);
    if (v_deliver) begin
      if (cw_seq_gt_q) dp_dyn.st.seq = cw_seq_q;
      dp_dyn.cnt.packets = cw_pkts_q;
      dp_dyn.cnt.bytes   = cw_bytes_q;
      if (cw_hard_hit_q) dp_dyn.st.hard_fired = 1'b1;
      if (cw_soft_hit_q) dp_dyn.st.soft_fired = 1'b1;
      if (mark_win) dp_win = win_mark;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cnt_frames_in_o <= '0;
      cnt_decrypted_o <= '0;
      cnt_bypassed_o  <= '0;
      cnt_malformed_o <= '0;
      cnt_no_sa_o     <= '0;
      cnt_dummy_o     <= '0;
      cnt_policy_o    <= '0;
      cnt_punted_o    <= '0;
    end else begin
      if (x_go) begin
        cnt_frames_in_o <= espnic_pkg::add64(cnt_frames_in_o, 16'd1);
        case (x_class)
          C_MALFORMED: cnt_malformed_o <= espnic_pkg::add64(cnt_malformed_o, 16'd1);
          C_NO_SA:     cnt_no_sa_o     <= espnic_pkg::add64(cnt_no_sa_o, 16'd1);
          C_POLICY:    cnt_policy_o    <= espnic_pkg::add64(cnt_policy_o, 16'd1);
          default: ;
        endcase
      end
      if (cw_commit_q) begin
        if (cw_punt_q) begin
          cnt_punted_o   <= espnic_pkg::add64(cnt_punted_o, 16'd1);
        end else if (cw_bypass_q) begin
          cnt_bypassed_o <= espnic_pkg::add64(cnt_bypassed_o, 16'd1);
        end else begin
          if (v_deliver) cnt_decrypted_o <= espnic_pkg::add64(cnt_decrypted_o, 16'd1);
          if (v_dummy)   cnt_dummy_o <= espnic_pkg::add64(cnt_dummy_o, 16'd1);
        end
      end
    end
  end

  // A commit's event (lifetime soft or hard, hard first) is pushed the
  // cycle after the commit, from its parts registered in stage C.
  logic               ev_push_q, ev_dl_q, ev_hard_q, ev_soft_q;
  logic [3:0]         ev_hard_kind_q, ev_soft_kind_q;
  logic [15:0]        ev_sa_q;
  espnic_pkg::event_t ev_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) ev_dl_q <= 1'b0;
    else         ev_dl_q <= v_deliver;
    ev_hard_q      <= cw_hard_hit_q;            // (a delivery saw hard_fired clear)
    ev_soft_q      <= cw_soft_hit_q && !cw_dyn_q.st.soft_fired;
    ev_hard_kind_q <= cw_hard_kind_q;
    ev_soft_kind_q <= cw_soft_kind_q;
    ev_sa_q        <= cw_sa_q;
  end
  always_comb begin
    ev_push_q  = ev_dl_q && (ev_hard_q || ev_soft_q);
    ev_q       = '0;
    ev_q.inbound = 1'b1;
    ev_q.sa    = ev_sa_q;
    ev_q.kind  = ev_hard_q ? ev_hard_kind_q : ev_soft_kind_q;
  end
  sync_fifo #(.WIDTH(espnic_pkg::EVENT_W), .DEPTH(16)) u_events (
    .clk_i, .rst_ni,
    .wr_valid_i(ev_push_q), .wr_ready_o(ev_wr_ready_raw), .wr_data_i(ev_q),
    .rd_valid_o(event_valid_o), .rd_ready_i(event_ready_i), .rd_data_o(event_o), .count_o()
  );
  always_ff @(posedge clk_i) begin
    if (!rst_ni) cnt_event_lost_o <= '0;
    else if (ev_push_q && !ev_wr_ready_raw) cnt_event_lost_o <= espnic_pkg::add64(cnt_event_lost_o, 16'd1);
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cnt_frames_out_o <= '0;
      cnt_bytes_out_o  <= '0;
    end else if (o_tvalid && o_tready && o_tlast) begin
      cnt_bytes_out_o  <= espnic_pkg::add64(cnt_bytes_out_o, out_meta_len);
      cnt_frames_out_o <= espnic_pkg::add64(cnt_frames_out_o, 16'd1);
    end
  end
endmodule
