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
//          parse -> spd_classifier -> execute (SA, seq, counters) -> per-packet commands
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
  output logic [63:0]           cnt_malformed_o,  // unparsable or oversize frames
  output logic [63:0]           cnt_no_sa_o,      // PROTECT rule whose SA is missing
  output logic [63:0]           cnt_event_lost_o
);
  localparam int BYTES   = DATA_W / 8;
  localparam int FIFO_D  = 2 * MAX_FRAME / BYTES + 8;
  localparam int OUT_HDR = 96;                  // largest outer header block

  // ------------------------------------------------------------------ entry
  logic [DATA_W-1:0]   cap_tdata;
  logic [BYTES-1:0]    cap_tkeep;
  logic                cap_tlast, cap_tvalid, cap_tready;
  logic                meta_valid, meta_ready, meta_oversize;
  logic [espnic_pkg::HDR_BYTES*8-1:0] meta_hdr;
  logic [15:0]         meta_len;

  frame_capture #(.DATA_W(DATA_W), .MAX_FRAME(MAX_FRAME)) u_capture (
    .clk_i, .rst_ni,
    .s_axis_tdata, .s_axis_tkeep, .s_axis_tlast, .s_axis_tvalid, .s_axis_tready,
    .m_axis_tdata(cap_tdata), .m_axis_tkeep(cap_tkeep), .m_axis_tlast(cap_tlast),
    .m_axis_tvalid(cap_tvalid), .m_axis_tready(cap_tready),
    .meta_valid_o(meta_valid), .meta_ready_i(meta_ready), .meta_hdr_o(meta_hdr),
    .meta_len_o(meta_len), .meta_oversize_o(meta_oversize)
  );

  logic [DATA_W-1:0]   frm_tdata;
  logic [BYTES-1:0]    frm_tkeep;
  logic                frm_tlast, frm_tvalid, frm_tready;

  axis_fifo #(.DATA_W(DATA_W), .DEPTH(FIFO_D), .USER_W(1)) u_frames (
    .clk_i, .rst_ni,
    .s_axis_tdata(cap_tdata), .s_axis_tkeep(cap_tkeep), .s_axis_tlast(cap_tlast),
    .s_axis_tuser(1'b0), .s_axis_tvalid(cap_tvalid), .s_axis_tready(cap_tready),
    .m_axis_tdata(frm_tdata), .m_axis_tkeep(frm_tkeep), .m_axis_tlast(frm_tlast),
    .m_axis_tuser(), .m_axis_tvalid(frm_tvalid), .m_axis_tready(frm_tready),
    .count_o()
  );

  // ------------------------------------------------------------------ parse

  // The parse of the frame whose meta is offered (an always_comb block, not a
  // function: yosys 0.23 reads no struct members inside a function).
  espnic_pkg::eg_parsed_t pd;
  logic [15:0] pd_etype, pd_l4;
  logic [7:0]  pd_ihl4;
  logic        pd_has_ports;
  always_comb begin
    pd_ihl4 = '0;
    pd_l4 = '0;
    pd_has_ports = 1'b0;
    pd = '0;
    pd.hdr = meta_hdr;
    pd.frame_len = meta_len;
    pd_etype = espnic_pkg::hbe16(meta_hdr, 12);
    if (meta_oversize || meta_len < 16'd14) begin
      pd.drop_malformed = 1'b1;
    end else if (pd_etype == 16'h0800) begin
      pd.is_ip   = 1'b1;
      pd_ihl4      = {2'b00, meta_hdr[8*14 +: 4], 2'b00};
      pd.ip_hlen = pd_ihl4;
      pd.ip_len  = espnic_pkg::hbe16(meta_hdr, 16);
      pd.tos     = espnic_pkg::hbyte(meta_hdr, 15);
      pd.df      = meta_hdr[8*20 + 6];
      pd.key.proto = espnic_pkg::hbyte(meta_hdr, 23);
      pd.key.src = {96'd0, meta_hdr[8*26 +: 32]};
      pd.key.dst = {96'd0, meta_hdr[8*30 +: 32]};
      if (meta_hdr[8*14+4 +: 4] != 4'd4 || pd_ihl4 < 8'd20 || pd.ip_len < 16'(pd_ihl4)
          || meta_len < 16'd34 || 16'd14 + pd.ip_len > meta_len)
        pd.drop_malformed = 1'b1;
      // Ports only in the first fragment of TCP, UDP and SCTP.
      pd_has_ports = (pd.key.proto == 8'd6 || pd.key.proto == 8'd17 || pd.key.proto == 8'd132)
               && meta_hdr[8*21 +: 8] == 8'd0 && meta_hdr[8*20 +: 5] == 5'd0 && pd.ip_len >= 16'(pd_ihl4) + 16'd4;
      pd_l4 = 16'd14 + 16'(pd_ihl4);
      if (pd_has_ports) begin
        for (int o = 34; o <= 74; o += 4)
          if (pd_l4 == 16'(o)) begin
            pd.key.sport = espnic_pkg::hbe16(meta_hdr, o);
            pd.key.dport = espnic_pkg::hbe16(meta_hdr, o + 2);
          end
      end
    end else if (pd_etype == 16'h86DD) begin
      pd.is_ip   = 1'b1;
      pd.v6      = 1'b1;
      pd.key.v6  = 1'b1;
      pd.ip_hlen = 8'd40;
      pd.ip_len  = espnic_pkg::hbe16(meta_hdr, 18) + 16'd40;
      pd.tos     = {meta_hdr[8*14 +: 4], meta_hdr[8*15+4 +: 4]};
      pd.key.proto = espnic_pkg::hbyte(meta_hdr, 20);
      pd.key.src = meta_hdr[8*22 +: 128];
      pd.key.dst = meta_hdr[8*38 +: 128];
      if (meta_hdr[8*14+4 +: 4] != 4'd6 || meta_len < 16'd54 || 16'd14 + pd.ip_len > meta_len)
        pd.drop_malformed = 1'b1;
      if ((pd.key.proto == 8'd6 || pd.key.proto == 8'd17 || pd.key.proto == 8'd132)
          && pd.ip_len >= 16'd44) begin
        pd.key.sport = espnic_pkg::hbe16(meta_hdr, 54);
        pd.key.dport = espnic_pkg::hbe16(meta_hdr, 56);
      end
    end
  end

  logic    p_valid_q;
  espnic_pkg::eg_parsed_t p_q;
  logic    spd_req_ready;
  wire     p_take = p_valid_q && (spd_req_ready || !p_q.is_ip || p_q.drop_malformed);
  // Frames that need no lookup skip the SPD but keep their order: they wait
  // in the same queue as looked-up ones (see the ordering FIFO below).

  // ------------------------------------------------------- ordering + SPD
  // Every parsed frame enters `ord` in order; IP frames also enter the SPD.
  logic    ord_wr_ready, ord_rd_valid, ord_rd_ready;
  espnic_pkg::eg_parsed_t ord_rd;
  logic    spd_resp_valid, spd_resp_ready, spd_hit;
  logic [15:0] spd_rule_idx, spd_sa;
  logic [1:0]  spd_action;

  assign meta_ready = !p_valid_q || (p_take && ord_wr_ready);

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      p_valid_q <= 1'b0;
    end else begin
      if (p_take && ord_wr_ready) p_valid_q <= 1'b0;
      if (meta_valid && meta_ready) begin
        p_valid_q <= 1'b1;
        p_q       <= pd;
      end
    end
  end

  wire needs_spd = p_q.is_ip && !p_q.drop_malformed;

  // Deep enough for every lookup the classifier holds (3*D+5 cycles).
  sync_fifo #(.WIDTH($bits(p_q)), .DEPTH(64)) u_order (
    .clk_i, .rst_ni,
    .wr_valid_i(p_valid_q && (!needs_spd || spd_req_ready)), .wr_ready_o(ord_wr_ready),
    .wr_data_i(p_q),
    .rd_valid_o(ord_rd_valid), .rd_ready_i(ord_rd_ready), .rd_data_o(ord_rd),
    .count_o()
  );

  // The classifier's key (spd_key).
  logic [espnic_pkg::CLS_KEY_W-1:0] spd_key;
  spd_key u_key (.flow_i(p_q.key), .key_o(spd_key));

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
    .req_valid_i(p_valid_q && needs_spd && ord_wr_ready), .req_ready_o(spd_req_ready),
    .req_key_i(spd_key),
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
  // have room for it and for the frame in stage B (the output queue also for
  // the frame in stage C). Every frame takes one, so
  // frames stay in order; only PROTECT frames use what the slot reads.
  logic [$clog2(17)-1:0] enc_count, ctx_count, out_count;
  wire      head_needs_spd = ord_rd.is_ip && !ord_rd.drop_malformed;
  wire      head_ready     = ord_rd_valid && (!head_needs_spd || spd_resp_valid);
  wire      q_room = enc_count < 5'd15 && ctx_count < 5'd15 && out_count < 5'd14;
  logic     tbl_dp_ready;
  wire      issue = head_ready && q_room && tbl_dp_ready;
  assign ord_rd_ready   = issue;
  assign spd_resp_ready = issue && head_needs_spd;

  // Decision for the head frame.
  logic [1:0]  action;
  always_comb begin
    if (ord_rd.drop_malformed)            action = espnic_regs_pkg::ACT_DISCARD;
    else if (!ord_rd.is_ip)               action = espnic_regs_pkg::ACT_BYPASS;
    else if (spd_hit)                     action = spd_action;
    else if (default_discard_i)           action = espnic_regs_pkg::ACT_DISCARD;
    else                                  action = espnic_regs_pkg::ACT_BYPASS;
  end

  // Execute (table stage B): the frame, its decision and its SA entry.
  logic                   x_valid;
  espnic_pkg::eg_parsed_t x_p;
  logic [1:0]             x_action;
  logic [15:0]            sa_idx, x_rule;
  always_ff @(posedge clk_i) begin
    if (issue) begin
      x_p      <= ord_rd;
      x_action <= action;
      sa_idx   <= spd_sa;
      x_rule   <= spd_rule_idx;
    end
  end
  assign ex_go = x_valid;

  wire           sa_in_range = sa_idx < 16'(SA_N);
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
    .dp_valid_i(head_ready && q_room), .dp_ready_o(tbl_dp_ready), .dp_index_i(spd_sa),
    .dp_word_i(16'd0),
    .b_valid_o(x_valid), .b_cfg_o(sa), .b_key_o(sa_key), .b_dyn_o(dyn), .b_ext_o(unused_ext),
    .b_we_i(dp_we), .b_dyn_i(dp_dyn), .b_ext_i(1'b0)
  );

  // Sizes of the encapsulated packet.
  logic [15:0] pl_off, pl_len, ct_len, esp_len, outer_len;
  logic [1:0]  pad;
  logic [7:0]  next_hdr;
  logic [63:0] seq;
  logic        seq_exhausted;
  logic [15:0] ip_id_q;
  always_comb begin
    if (sa.tunnel) begin
      pl_off   = 16'd14;
      pl_len   = x_p.ip_len;
      next_hdr = x_p.v6 ? espnic_pkg::IPP_IPV6 : espnic_pkg::IPP_IPV4;
    end else begin
      pl_off   = 16'd14 + 16'(x_p.ip_hlen);
      pl_len   = x_p.ip_len - 16'(x_p.ip_hlen);
      next_hdr = x_p.key.proto;
    end
    pad       = espnic_pkg::esp_pad_len(pl_len);
    ct_len    = pl_len + 16'(pad) + 16'd2;
    esp_len   = 16'd16 + ct_len + 16'd16;
    outer_len = (sa.tunnel ? 16'd20 : 16'(x_p.ip_hlen)) + (sa.udp_encap ? 16'd8 : 16'd0)
              + esp_len;
    seq       = st.seq + 64'd1;
    seq_exhausted = sa.esn ? (st.seq == '1) : (st.seq >= 64'hFFFF_FFFF);
  end

  // Outer headers (stage C, the cycle after execute, from what execute
  // registered): Ethernet from the host's frame (the host resolved the next
  // hop), then IPv4 (tunnel) or the original IP header (transport), then UDP.
  // The header and its checksum are the output command's only; nothing in
  // execute's decision depends on them.
  logic                   xo_valid, xo_protect;
  espnic_pkg::eg_parsed_t xo_p;
  espnic_pkg::sa_cfg_t    xo_sa;
  logic [15:0]            xo_outer_len, xo_esp_len, xo_ip_id;
  logic [159:0]         tun_v4;      // tunnel mode: the new outer IPv4 header
  logic [60*8-1:0]      trn_l3;      // transport mode: the packet's IP header, fixed up
  logic [63:0]          udp_hdr;
  logic [7:0]           l3_len;
  logic [19:0]          trn_sum;
  logic [OUT_HDR*8-1:0] outer;
  logic [7:0]           outer_hlen;
  always_comb begin
    tun_v4 = '0;
    tun_v4[0 +: 8]    = 8'h45;
    tun_v4[8 +: 8]    = xo_p.tos;                        // DSCP and ECN copied
    tun_v4[16 +: 16]  = espnic_pkg::be16(xo_outer_len);
    tun_v4[32 +: 16]  = espnic_pkg::be16(xo_ip_id);
    tun_v4[48 +: 16]  = espnic_pkg::be16({1'b0, xo_p.df, 14'd0});
    tun_v4[64 +: 8]   = 8'd64;
    tun_v4[72 +: 8]   = xo_sa.udp_encap ? espnic_pkg::IPP_UDP : espnic_pkg::IPP_ESP;
    tun_v4[96 +: 32]  = xo_sa.local_v4;
    tun_v4[128 +: 32] = xo_sa.remote_v4;
    tun_v4[80 +: 16]  = espnic_pkg::be16(espnic_pkg::ipv4_checksum(tun_v4));

    // The original header, IPv4 options included, with length and protocol
    // changed and (IPv4) the checksum over the whole header recomputed.
    trn_l3 = xo_p.hdr[8*14 +: 480] & ~({480{1'b1}} << (8 * xo_p.ip_hlen));
    if (xo_p.v6) begin
      trn_l3[8*4 +: 16] = espnic_pkg::be16(xo_outer_len - 16'd40);
      trn_l3[8*6 +: 8]  = xo_sa.udp_encap ? espnic_pkg::IPP_UDP : espnic_pkg::IPP_ESP;
    end else begin
      trn_l3[8*2 +: 16]  = espnic_pkg::be16(xo_outer_len);
      trn_l3[8*9 +: 8]   = xo_sa.udp_encap ? espnic_pkg::IPP_UDP : espnic_pkg::IPP_ESP;
      trn_l3[8*10 +: 16] = '0;
    end
    trn_sum = '0;
    for (int w = 0; w < 30; w++)
      trn_sum = trn_sum + {4'd0, trn_l3[16*w +: 8], trn_l3[16*w+8 +: 8]};
    trn_sum = {4'd0, trn_sum[15:0]} + {16'd0, trn_sum[19:16]};
    trn_sum = {4'd0, trn_sum[15:0]} + {16'd0, trn_sum[19:16]};
    if (!xo_p.v6) trn_l3[8*10 +: 16] = espnic_pkg::be16(~trn_sum[15:0]);

    // RFC 3948: the UDP checksum may be zero over IPv4.
    udp_hdr = {16'd0, espnic_pkg::be16(xo_esp_len + 16'd8), espnic_pkg::be16(xo_sa.udp_dport), espnic_pkg::be16(xo_sa.udp_sport)};
    l3_len  = xo_sa.tunnel ? 8'd20 : xo_p.ip_hlen;

    outer = '0;
    outer[0 +: 96]    = xo_p.hdr[0 +: 96];               // MAC addresses
    outer[8*12 +: 16] = xo_sa.tunnel ? espnic_pkg::be16(espnic_pkg::ETH_IPV4) : xo_p.hdr[8*12 +: 16];
    outer[8*14 +: 480] = xo_sa.tunnel ? {320'd0, tun_v4} : trn_l3;
    if (xo_sa.udp_encap) outer = outer | ({{(OUT_HDR - 8) * 8{1'b0}}, udp_hdr} << (8 * (14 + l3_len)));
    outer_hlen = 8'd14 + l3_len + (xo_sa.udp_encap ? 8'd8 : 8'd0);
  end

  // What happens to the head frame.
  typedef enum logic [2:0] {
    X_BYPASS, X_DISCARD, X_MALFORMED, X_NO_SA, X_EXPIRED, X_MTU, X_PROTECT
  } verdict_e;
  verdict_e verdict;
  always_comb begin
    if (x_p.drop_malformed)                         verdict = X_MALFORMED;
    else if (x_action == espnic_regs_pkg::ACT_BYPASS)    verdict = X_BYPASS;
    else if (x_action != espnic_regs_pkg::ACT_PROTECT)   verdict = X_DISCARD;
    else if (!sa_in_range || !dyn.enable)           verdict = X_NO_SA;
    else if (st.hard_fired || seq_exhausted)           verdict = X_EXPIRED;
    else if (outer_len > mtu_i)                        verdict = X_MTU;
    else                                               verdict = X_PROTECT;
  end

  // Lifetimes after this packet.
  logic [63:0] new_pkts, new_bytes;
  logic        soft_hit, hard_hit, wrap_hit;
  logic [3:0]  soft_kind, hard_kind;
  esp_sa_lifetime u_lifetime (
    .cfg_i(sa), .packets_i(sa_cnt.packets), .bytes_i(sa_cnt.bytes), .add_bytes_i(pl_len),
    .packets_o(new_pkts), .bytes_o(new_bytes), .soft_hit_o(soft_hit), .soft_kind_o(soft_kind),
    .hard_hit_o(hard_hit), .hard_kind_o(hard_kind)
  );
  // Warn well before the sequence number runs out (2^32 without ESN).
  assign wrap_hit = sa.esn ? (seq[63:48] == 16'hFFFF) : (seq[31:0] >= 32'hFFFF_0000);

  // Commands.
  always_comb begin
    logic [63:0] tail;
    enc_cmd = '0;
    ctx_cmd = '0;
    push_enc = 1'b0;
    push_ctx = 1'b0;
    push_out = 1'b0;
    tail = '0;
    case (verdict)
      X_BYPASS: begin
        enc_cmd.keep_len = x_p.frame_len;
        ctx_cmd.op       = aes_gcm_pkg::GCM_BYPASS;
        push_enc = 1'b1; push_ctx = 1'b1; push_out = 1'b1;
      end
      X_PROTECT: begin
        for (int i = 0; i < 3; i++)
          if (i < 32'(pad)) tail[8*i +: 8] = 8'(i + 1);    // RFC 4303 default padding
        tail[8*32'(pad) +: 8]       = 8'(pad);
        tail[8*(32'(pad) + 1) +: 8] = next_hdr;
        enc_cmd.strip    = 8'(pl_off);
        enc_cmd.hdr      = {espnic_pkg::be32(seq[31:0]), espnic_pkg::be32(seq[63:32]), espnic_pkg::be32(seq[31:0]), espnic_pkg::be32(sa.spi)};
        enc_cmd.hdr_len  = 8'd16;
        enc_cmd.keep_len = pl_len;
        enc_cmd.tail     = tail;
        enc_cmd.tail_len = 4'(pad) + 4'd2;
        ctx_cmd.op       = aes_gcm_pkg::GCM_ENCRYPT;
        ctx_cmd.key256   = (sa.alg == espnic_regs_pkg::ALG_AES_GCM_256);
        ctx_cmd.key      = sa_key.key;
        ctx_cmd.salt     = sa_key.salt;
        ctx_cmd.hpow     = sa_key.hpow;
        ctx_cmd.aad      = sa.esn ? {32'd0, espnic_pkg::be32(seq[31:0]), espnic_pkg::be32(seq[63:32]), espnic_pkg::be32(sa.spi)}
                                  : {64'd0, espnic_pkg::be32(seq[31:0]), espnic_pkg::be32(sa.spi)};
        ctx_cmd.aad_len  = sa.esn ? 16'd12 : 16'd8;
        ctx_cmd.len      = ct_len;
        push_enc = 1'b1; push_ctx = 1'b1; push_out = 1'b1;
      end
      default: begin
        enc_cmd.drop = 1'b1;
        push_enc = 1'b1;
      end
    endcase
  end

  // Stage C: the output command, pushed the cycle after execute.
  always_ff @(posedge clk_i) begin
    if (!rst_ni) xo_valid <= 1'b0;
    else         xo_valid <= ex_go && push_out;
    xo_protect   <= verdict == X_PROTECT;
    xo_p         <= x_p;
    xo_sa        <= sa;
    xo_outer_len <= outer_len;
    xo_esp_len   <= esp_len;
    xo_ip_id     <= ip_id_q;
  end
  always_comb begin
    out_cmd = '0;
    if (xo_protect) begin
      out_cmd.hdr      = outer;
      out_cmd.hdr_len  = outer_hlen;
      out_cmd.keep_len = xo_esp_len;
    end else begin
      out_cmd.keep_len = xo_p.frame_len;
    end
  end

  // Events raised by this packet (at most one per cycle; soft before hard
  // would need two, so a packet that crosses both at once reports hard).
  logic   ev_push;
  espnic_pkg::event_t ev;
  logic ev_lost, ev_wr_ready_raw;
  always_comb begin
    ev_push = 1'b0;
    ev = '0;
    ev.sa = sa_idx;
    ev.rule = x_rule;
    if (verdict == X_NO_SA) begin
      ev_push = !sa_in_range || !dyn.acq_fired; ev.kind = espnic_regs_pkg::EV_ACQUIRE;
    end else if (verdict == X_PROTECT) begin
      if (hard_hit && !st.hard_fired) begin
        ev_push = 1'b1; ev.kind = hard_kind;
      end else if (soft_hit && !st.soft_fired) begin
        ev_push = 1'b1; ev.kind = soft_kind;
      end else if (wrap_hit && !st.wrap_fired) begin
        ev_push = 1'b1; ev.kind = espnic_regs_pkg::EV_SEQ_WRAP;
      end
    end
  end

  // The SA entry after this frame (the table writes it back whole).
  always_comb begin
    dp_dyn = dyn;
    dp_we  = 1'b0;
    case (verdict)
      X_NO_SA:
        if (sa_in_range && ev_wr_ready_raw) begin     // once queued
          dp_dyn.acq_fired = 1'b1;
          dp_we = 1'b1;
        end
      X_EXPIRED: begin
        dp_dyn.cnt.drops[espnic_regs_pkg::DROP_EXPIRED] = sa_cnt.drops[espnic_regs_pkg::DROP_EXPIRED] + 64'd1;
        dp_we = 1'b1;
      end
      X_MTU: begin
        dp_dyn.cnt.drops[espnic_regs_pkg::DROP_MTU] = sa_cnt.drops[espnic_regs_pkg::DROP_MTU] + 64'd1;
        dp_we = 1'b1;
      end
      X_PROTECT: begin
        dp_dyn.st.seq      = seq;
        dp_dyn.cnt.packets = new_pkts;
        dp_dyn.cnt.bytes   = new_bytes;
        if (hard_hit) dp_dyn.st.hard_fired = 1'b1;
        if (soft_hit) dp_dyn.st.soft_fired = 1'b1;
        if (wrap_hit) dp_dyn.st.wrap_fired = 1'b1;
        dp_we = 1'b1;
      end
      default: ;
    endcase
  end

  // State, counters and port counters.
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
      if (ex_go) begin
        cnt_frames_in_o <= cnt_frames_in_o + 64'd1;
        case (verdict)
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
    .wr_valid_i(ex_go && push_enc), .wr_ready_o(unused_enc_wr_ready), .wr_data_i(enc_cmd),
    .rd_valid_o(enc_rd_valid), .rd_ready_i(enc_rd_ready), .rd_data_o(enc_rd), .count_o(enc_count)
  );
  sync_fifo #(.WIDTH($bits(ctx_cmd)), .DEPTH(16)) u_ctx_q (
    .clk_i, .rst_ni,
    .wr_valid_i(ex_go && push_ctx), .wr_ready_o(unused_ctx_wr_ready), .wr_data_i(ctx_cmd),
    .rd_valid_o(ctx_rd_valid), .rd_ready_i(ctx_rd_ready), .rd_data_o(ctx_rd), .count_o(ctx_count)
  );
  sync_fifo #(.WIDTH($bits(out_cmd)), .DEPTH(16)) u_out_q (
    .clk_i, .rst_ni,
    .wr_valid_i(xo_valid), .wr_ready_o(unused_out_wr_ready), .wr_data_i(out_cmd),
    .rd_valid_o(out_rd_valid), .rd_ready_i(out_rd_ready), .rd_data_o(out_rd), .count_o(out_count)
  );

  sync_fifo #(.WIDTH(espnic_pkg::EVENT_W), .DEPTH(16)) u_events (
    .clk_i, .rst_ni,
    .wr_valid_i(ex_go && ev_push), .wr_ready_o(ev_wr_ready_raw), .wr_data_i(ev),
    .rd_valid_o(event_valid_o), .rd_ready_i(event_ready_i), .rd_data_o(event_o), .count_o()
  );
  // A full event queue never stalls traffic: the event is counted as lost.
  assign ev_lost = ex_go && ev_push && !ev_wr_ready_raw;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) cnt_event_lost_o <= '0;
    else if (ev_lost) cnt_event_lost_o <= cnt_event_lost_o + 64'd1;
  end

  // ------------------------------------------------------ stream stages
  logic [DATA_W-1:0] e1_tdata;  logic [BYTES-1:0] e1_tkeep;
  logic e1_tlast, e1_tvalid, e1_tready, e1_tuser;

  axis_rehead #(.DATA_W(DATA_W), .HDR_MAX(16), .TAIL_MAX(8)) u_esp_hdr (
    .clk_i, .rst_ni,
    .s_axis_tdata(frm_tdata), .s_axis_tkeep(frm_tkeep), .s_axis_tlast(frm_tlast),
    .s_axis_tuser(1'b1), .s_axis_tvalid(frm_tvalid), .s_axis_tready(frm_tready),
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
  assign ctx_rd_ready = e1_tvalid && e1_tready && e1_sop_q;

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
