// esp_ingress: wire to host. ESP (IP protocol 50) and ESP-in-UDP (port 4500,
// non-zero SPI, RFC 3948) frames are matched to an inbound SA by SPI (the low
// bits of an inbound SPI are the table index), checked against the replay
// window, decrypted and verified, checked against the SA's selectors (RFC
// 4301 inbound policy), stripped and delivered. A packet is delivered only
// after all checks passed; the replay window moves only then. Everything
// that is not ESP passes through unchanged.
//
//  wire -> frame_capture -> frame FIFO -> rehead(strip outer) -> aes_gcm_stream
//              | meta                   -> esp_inbound_check -> rehead(L2/L3 header)
//              v                        -> pkt_commit_fifo -> host
//         parse -> classify (SA, replay) ...................> commit (verdict, window)
module esp_ingress
#(
  parameter int DATA_W    = 512,
  parameter int SA_N      = 1024,
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

  input  logic                  sa_wr_valid_i,
  input  logic [15:0]           sa_wr_index_i,
  input  logic                  sa_wr_enable_i,
  input  espnic_pkg::sa_cfg_t   sa_wr_cfg_i,
  input  espnic_pkg::sa_key_t   sa_wr_key_i,
  input  logic [63:0]           sa_wr_seq_i,
  // sa_wr_update_i: change the entry in place: the configuration, the
  // sequence number if sa_wr_set_seq_i, restarting the replay window, and re-arm the
  // lifetime events if sa_wr_rearm_i; key, counters and enable stay.
  input  logic                  sa_wr_update_i,
  input  logic                  sa_wr_set_seq_i,
  input  logic                  sa_wr_rearm_i,
  input  logic [15:0]           sa_rd_index_i,
  output logic                  sa_rd_enable_o,
  output espnic_pkg::sa_cfg_t   sa_rd_cfg_o,
  output espnic_pkg::sa_state_t sa_rd_state_o,
  output espnic_pkg::sa_counters_t sa_rd_counters_o,

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
  output logic [63:0]           cnt_event_lost_o
);
  localparam int BYTES  = DATA_W / 8;
  localparam int FIFO_D = 2 * MAX_FRAME / BYTES;   // a power of two
  localparam int SAW    = $clog2(SA_N);
  localparam int L2_MAX = 14 + 60;               // Ethernet + largest IPv4 header

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
  typedef struct packed {
    logic                  esp;          // ESP or ESP-in-UDP
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

  // The parse of the frame whose meta is offered (an always_comb block, not a
  // function: yosys 0.23 reads no struct members inside a function).
  parsed_t     pd;
  logic [15:0] pd_etype, pd_ip_len, pd_udp_off;
  logic [7:0]  pd_proto, pd_ihl4;
  logic        pd_frag, pd_ok, pd_fits;
  always_comb begin
    pd = '0;
    pd.frame_len = meta_len;
    pd.l2l3 = meta_hdr[0 +: L2_MAX*8];
    pd_etype = espnic_pkg::hbe16(meta_hdr, 12);
    pd_ok = 1'b0; pd_fits = 1'b0; pd_proto = '0; pd_ip_len = '0; pd_ihl4 = '0; pd_frag = 1'b0;
    if (pd_etype == 16'h0800 && meta_len >= 16'd34 && meta_hdr[8*14+4 +: 4] == 4'd4) begin
      pd_ihl4   = {2'b00, meta_hdr[8*14 +: 4], 2'b00};
      pd_ip_len = espnic_pkg::hbe16(meta_hdr, 16);
      pd_proto  = espnic_pkg::hbyte(meta_hdr, 23);
      pd_frag   = meta_hdr[8*20 + 5] || meta_hdr[8*20 +: 5] != '0 || meta_hdr[8*21 +: 8] != '0;  // MF, offset
      pd.src  = {96'd0, meta_hdr[8*26 +: 32]};
      pd.dst  = {96'd0, meta_hdr[8*30 +: 32]};
      pd_ok     = pd_ihl4 >= 8'd20;
      pd_fits   = pd_ip_len >= 16'(pd_ihl4) && 16'd14 + pd_ip_len <= meta_len;
    end else if (pd_etype == 16'h86DD && meta_len >= 16'd54 && meta_hdr[8*14+4 +: 4] == 4'd6) begin
      pd.v6   = 1'b1;
      pd_ihl4   = 8'd40;
      pd_ip_len = espnic_pkg::hbe16(meta_hdr, 18) + 16'd40;
      pd_proto  = espnic_pkg::hbyte(meta_hdr, 20);
      pd.src  = meta_hdr[8*22 +: 128];
      pd.dst  = meta_hdr[8*38 +: 128];
      pd_ok     = 1'b1;
      pd_fits   = 16'd14 + pd_ip_len <= meta_len;
    end
    pd.ip_hlen = pd_ihl4;
    pd_udp_off = 16'd14 + 16'(pd_ihl4);
    if (pd_ok && pd_proto == 8'd50) begin
      pd.esp     = 1'b1;
      pd.esp_off = 8'(pd_udp_off);
      pd.esp_len = pd_ip_len - 16'(pd_ihl4);
    end else if (pd_ok && pd_fits && pd_proto == 8'd17 && !pd_frag && pd_ip_len >= 16'(pd_ihl4) + 16'd12) begin
      // UDP 4500 with a non-zero first word is ESP; zero is the non-ESP
      // marker of IKE, and a single 0xFF byte a NAT keepalive: both pass.
      for (int o = 34; o <= 74; o += 4) begin
        if (pd_udp_off == 16'(o) && espnic_pkg::hbe16(meta_hdr, o + 2) == 16'd4500
            && meta_hdr[8*(o+8) +: 32] != 32'd0) begin
          pd.esp     = 1'b1;
          pd.esp_off = 8'(o + 8);
          pd.esp_len = pd_ip_len - 16'(pd_ihl4) - 16'd8;
        end
      end
    end
    if (pd.esp) begin
      for (int o = 34; o <= 82; o += 4)
        if (pd.esp_off == 8'(o)) begin
          pd.spi    = {meta_hdr[8*o +: 8], meta_hdr[8*(o+1) +: 8], meta_hdr[8*(o+2) +: 8], meta_hdr[8*(o+3) +: 8]};
          pd.seq_lo = {meta_hdr[8*(o+4) +: 8], meta_hdr[8*(o+5) +: 8], meta_hdr[8*(o+6) +: 8], meta_hdr[8*(o+7) +: 8]};
        end
      // Header, IV, at least pad length + next header, ICV; 4-byte aligned.
      // A frame shorter than its IP header says is cut: never decrypt it.
      pd.malformed = meta_oversize || pd_frag || !pd_fits || pd.esp_len < 16'd36 || pd.esp_len[1:0] != 2'd0;
    end
  end

  logic    p_valid_q;
  parsed_t p_q;
  logic    x_ready;

  assign meta_ready = !p_valid_q || x_ready;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      p_valid_q <= 1'b0;
    end else begin
      if (x_ready) p_valid_q <= 1'b0;
      if (meta_valid && meta_ready) begin
        p_valid_q <= 1'b1;
        p_q       <= pd;
      end
    end
  end

  // ---------------------------------------------------------------- SA table
  logic [SA_N-1:0]  sa_en_q;
  // Tables as plain vectors of the entry's width: yosys 0.23 reads an
  // unpacked array of structs as one struct.
  logic [$bits(sa_wr_cfg_i)-1:0]      sa_cfg_q   [SA_N];
  logic [$bits(sa_wr_key_i)-1:0]      sa_key_q   [SA_N];
  logic [$bits(sa_rd_state_o)-1:0]    sa_state_q [SA_N];
  espnic_pkg::window_t sa_win_q   [SA_N];
  logic [$bits(sa_rd_counters_o)-1:0] sa_cnt_q   [SA_N];     // written at commit
  logic [63:0]      sa_early_replay_q  [SA_N];  // written at classify
  logic [63:0]      sa_early_expired_q [SA_N];

  wire [SAW-1:0] rd_i = sa_rd_index_i[SAW-1:0];
  espnic_pkg::sa_counters_t rd_cnt;
  assign rd_cnt = sa_cnt_q[rd_i];
  always_comb begin
    sa_rd_enable_o   = sa_en_q[rd_i];
    sa_rd_cfg_o      = sa_cfg_q[rd_i];
    sa_rd_state_o    = sa_state_q[rd_i];
    sa_rd_counters_o = rd_cnt;
    sa_rd_counters_o.drops[espnic_regs_pkg::DROP_REPLAY] =
        rd_cnt.drops[espnic_regs_pkg::DROP_REPLAY] + sa_early_replay_q[rd_i];
    sa_rd_counters_o.drops[espnic_regs_pkg::DROP_EXPIRED] =
        rd_cnt.drops[espnic_regs_pkg::DROP_EXPIRED] + sa_early_expired_q[rd_i];
  end

  // --------------------------------------------------------------- classify
  wire [SAW-1:0] x_i   = p_q.spi[SAW-1:0];
  espnic_pkg::sa_cfg_t x_sa;
  espnic_pkg::sa_state_t x_st;
  assign x_sa = sa_cfg_q[x_i];
  assign x_st = sa_state_q[x_i];
  espnic_pkg::sa_key_t x_key;
  assign x_key = sa_key_q[x_i];
  wire           x_known = sa_en_q[x_i] && x_sa.spi == p_q.spi;
  wire [63:0]    x_seq   = replay_pkg::infer_seq(x_st.seq, p_q.seq_lo, x_sa.replay_window, x_sa.esn);

  typedef enum logic [2:0] {C_BYPASS, C_MALFORMED, C_NO_SA, C_EXPIRED, C_REPLAY, C_DECRYPT} class_e;
  class_e x_class;
  always_comb begin
    if (!p_q.esp)                                     x_class = C_BYPASS;
    else if (p_q.malformed)                           x_class = C_MALFORMED;
    else if (!x_known)                                x_class = C_NO_SA;
    else if (x_st.hard_fired)                         x_class = C_EXPIRED;
    else if (!replay_pkg::replay_ok(x_st.seq, sa_win_q[x_i], x_sa.replay_window, x_seq))
                                                      x_class = C_REPLAY;
    else                                              x_class = C_DECRYPT;
  end

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
    logic [15:0]         frame_len;
    logic [15:0]         sa;
    logic [63:0]         seq;
    logic [15:0]         pt_len;       // plaintext incl. padding and trailer
    logic                tunnel;
    logic                v6;           // outer (transport: the packet's) IP version
    logic [7:0]          ip_hlen;
    logic [L2_MAX*8-1:0] l2l3;
    logic [espnic_pkg::ADDR_W-1:0] src, dst;
  } commit_ctx_t;

  strip_cmd_t   strip_cmd;
  aes_gcm_pkg::gcm_ctx_t ctx_cmd;
  deliver_cmd_t dlv_cmd;
  commit_ctx_t  cc_cmd;
  logic strip_wr_ready, ctx_wr_ready, dlv_wr_ready, cc_wr_ready;
  logic push_all;

  always_comb begin
    strip_cmd = '0;
    ctx_cmd   = '0;
    dlv_cmd   = '0;
    cc_cmd    = '0;
    push_all  = 1'b1;
    cc_cmd.frame_len = p_q.frame_len;
    cc_cmd.sa        = 16'(x_i);
    cc_cmd.seq       = x_seq;
    cc_cmd.pt_len    = p_q.esp_len - 16'd32;
    cc_cmd.tunnel    = x_sa.tunnel;
    cc_cmd.v6        = p_q.v6;
    cc_cmd.ip_hlen   = p_q.ip_hlen;
    cc_cmd.l2l3      = p_q.l2l3;
    cc_cmd.src       = p_q.src;
    cc_cmd.dst       = p_q.dst;
    case (x_class)
      C_BYPASS: begin
        strip_cmd.keep_len = p_q.frame_len;
        ctx_cmd.op         = aes_gcm_pkg::GCM_BYPASS;
        dlv_cmd.keep_len   = p_q.frame_len;
        cc_cmd.bypass      = 1'b1;
      end
      C_DECRYPT: begin
        strip_cmd.strip    = p_q.esp_off;
        strip_cmd.keep_len = p_q.esp_len;
        ctx_cmd.op         = aes_gcm_pkg::GCM_DECRYPT;
        ctx_cmd.key256     = (x_sa.alg == espnic_regs_pkg::ALG_AES_GCM_256);
        ctx_cmd.key        = x_key.key;
        ctx_cmd.salt       = x_key.salt;
        ctx_cmd.hpow       = x_key.hpow;
        ctx_cmd.aad        = x_sa.esn
            ? {32'd0, espnic_pkg::be32(p_q.seq_lo), espnic_pkg::be32(x_seq[63:32]), espnic_pkg::be32(p_q.spi)}
            : {64'd0, espnic_pkg::be32(p_q.seq_lo), espnic_pkg::be32(p_q.spi)};
        ctx_cmd.aad_len    = x_sa.esn ? 16'd12 : 16'd8;
        ctx_cmd.len        = p_q.esp_len - 16'd16;
        // Deliver Ethernet (tunnel) or Ethernet + the packet's own IP header
        // (transport); lengths, protocol and checksum are fixed at commit.
        dlv_cmd.strip      = 8'd16;
        dlv_cmd.hdr        = p_q.l2l3;
        dlv_cmd.hdr_len    = x_sa.tunnel ? 8'd14 : 8'd14 + p_q.ip_hlen;
        dlv_cmd.keep_len   = p_q.esp_len - 16'd32;
      end
      default: begin
        strip_cmd.drop = 1'b1;
        push_all       = 1'b0;
      end
    endcase
  end

  assign x_ready = p_valid_q && strip_wr_ready && ctx_wr_ready && dlv_wr_ready && cc_wr_ready
                || !p_valid_q;
  wire x_go = p_valid_q && x_ready;

  logic strip_rd_valid, strip_rd_ready, ctx_rd_valid, ctx_rd_ready;
  logic dlv_rd_valid, dlv_rd_ready, cc_rd_valid, cc_rd_ready;
  strip_cmd_t   strip_rd;
  aes_gcm_pkg::gcm_ctx_t ctx_rd;
  deliver_cmd_t dlv_rd;
  commit_ctx_t  cc_rd;

  sync_fifo #(.WIDTH($bits(strip_cmd)), .DEPTH(16)) u_strip_q (
    .clk_i, .rst_ni,
    .wr_valid_i(x_go), .wr_ready_o(strip_wr_ready), .wr_data_i(strip_cmd),
    .rd_valid_o(strip_rd_valid), .rd_ready_i(strip_rd_ready), .rd_data_o(strip_rd), .count_o()
  );
  sync_fifo #(.WIDTH($bits(ctx_cmd)), .DEPTH(16)) u_ctx_q (
    .clk_i, .rst_ni,
    .wr_valid_i(x_go && push_all), .wr_ready_o(ctx_wr_ready), .wr_data_i(ctx_cmd),
    .rd_valid_o(ctx_rd_valid), .rd_ready_i(ctx_rd_ready), .rd_data_o(ctx_rd), .count_o()
  );
  sync_fifo #(.WIDTH($bits(dlv_cmd)), .DEPTH(16)) u_dlv_q (
    .clk_i, .rst_ni,
    .wr_valid_i(x_go && push_all), .wr_ready_o(dlv_wr_ready), .wr_data_i(dlv_cmd),
    .rd_valid_o(dlv_rd_valid), .rd_ready_i(dlv_rd_ready), .rd_data_o(dlv_rd), .count_o()
  );
  sync_fifo #(.WIDTH($bits(cc_cmd)), .DEPTH(32)) u_cc_q (
    .clk_i, .rst_ni,
    .wr_valid_i(x_go && push_all), .wr_ready_o(cc_wr_ready), .wr_data_i(cc_cmd),
    .rd_valid_o(cc_rd_valid), .rd_ready_i(cc_rd_ready), .rd_data_o(cc_rd), .count_o()
  );

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

  logic [DATA_W-1:0] e3_tdata;  logic [BYTES-1:0] e3_tkeep;
  logic e3_tlast, e3_tvalid, e3_tready, e3_tuser;
  logic rep_valid, rep_ready, rep_icv_ok;
  logic [64*8-1:0] rep_head;
  logic [16*8-1:0] rep_tail;

  esp_inbound_check #(.DATA_W(DATA_W)) u_check (
    .clk_i, .rst_ni,
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
  logic       commit_go;
  logic       out_wr_ready;
  assign e4_tready = out_wr_ready;
  wire e4_end = e4_tvalid && e4_tready && e4_tlast;

  // -------------------------------------------------------------- commit
  // The verdict for the oldest written packet: its work order from classify
  // (cc_rd) and what esp_inbound_check saw (rep_*).
  logic [7:0]  pad_len, nh;
  logic        pad_ok, len_ok, nh_ok, policy_ok, replay_final_ok, inner_ok;
  logic [15:0] body_len, inner_len, out_len;
  logic [3:0]  inner_ver;
  logic [espnic_pkg::ADDR_W-1:0] in_src, in_dst;
  logic [7:0]  in_proto;
  espnic_pkg::sa_cfg_t c_sa;
  espnic_pkg::sa_state_t c_st;
  wire [SAW-1:0] c_i = cc_rd.sa[SAW-1:0];
  assign c_sa = sa_cfg_q[c_i];
  assign c_st = sa_state_q[c_i];
  espnic_pkg::sa_counters_t c_cnt;
  assign c_cnt = sa_cnt_q[c_i];

  always_comb begin
    pad_len  = rep_tail[8*14 +: 8];
    nh       = rep_tail[8*15 +: 8];
    len_ok   = 16'(pad_len) + 16'd2 <= cc_rd.pt_len;
    // Default padding 1, 2, 3, ... (RFC 4303 2.4), checked for the pad
    // bytes within the last 16 bytes (all pads up to 14 bytes long).
    pad_ok   = 1'b1;
    for (int i = 0; i < 14; i++)
      if (i < 32'(pad_len) && rep_tail[8*(13 - i) +: 8] != 8'(32'(pad_len) - i)) pad_ok = 1'b0;
    body_len = cc_rd.pt_len - 16'(pad_len) - 16'd2;
    inner_ver = rep_head[4 +: 4];
    in_src = '0; in_dst = '0; in_proto = '0; inner_len = body_len; inner_ok = 1'b1;
    if (cc_rd.tunnel) begin
      nh_ok = (nh == 8'd4 && inner_ver == 4'd4) || (nh == 8'd41 && inner_ver == 4'd6);
      if (nh == 8'd4) begin
        inner_len = {rep_head[8*2 +: 8], rep_head[8*3 +: 8]};
        in_src    = {96'd0, rep_head[8*12 +: 32]};
        in_dst    = {96'd0, rep_head[8*16 +: 32]};
        in_proto  = rep_head[8*9 +: 8];
        inner_ok  = body_len >= 16'd20 && inner_len >= 16'd20 && inner_len <= body_len;
      end else begin
        inner_len = {rep_head[8*4 +: 8], rep_head[8*5 +: 8]} + 16'd40;
        in_src    = rep_head[8*8 +: 128];
        in_dst    = rep_head[8*24 +: 128];
        in_proto  = rep_head[8*6 +: 8];
        inner_ok  = body_len >= 16'd40 && inner_len <= body_len;
      end
    end else begin
      nh_ok    = nh != 8'd59;
      in_src   = cc_rd.src;
      in_dst   = cc_rd.dst;
      in_proto = nh;
    end
    // Inbound selectors: the peer's side is the source.
    // Selectors of one family; all-wildcard selectors take either family.
    policy_ok = (c_sa.sel_v6 == (cc_rd.tunnel ? (nh == 8'd41) : cc_rd.v6)
                 || (c_sa.sel_src.mask == '0 && c_sa.sel_dst.mask == '0))
             && espnic_pkg::prefix_match(c_sa.sel_src, in_src)
             && espnic_pkg::prefix_match(c_sa.sel_dst, in_dst)
             && (c_sa.sel_proto == 8'd0 || c_sa.sel_proto == in_proto);
    replay_final_ok = replay_pkg::replay_ok(c_st.seq, sa_win_q[c_i], c_sa.replay_window, cc_rd.seq);
    out_len = cc_rd.tunnel ? 16'd14 + inner_len : 16'd14 + 16'(cc_rd.ip_hlen) + body_len;
  end

  typedef enum logic [2:0] {
    V_DELIVER, V_ICV, V_REPLAY, V_MALFORMED, V_POLICY, V_DUMMY, V_EXPIRED
  } verdict_e;
  verdict_e verdict;
  always_comb begin
    if (!rep_icv_ok)                         verdict = V_ICV;
    // Packets already in flight when the hard lifetime was reached.
    else if (c_st.hard_fired)                verdict = V_EXPIRED;
    else if (!replay_final_ok)               verdict = V_REPLAY;
    else if (!len_ok || !pad_ok)             verdict = V_MALFORMED;
    else if (cc_rd.tunnel && nh == 8'd59)    verdict = V_DUMMY;
    else if (!nh_ok || !inner_ok)            verdict = V_MALFORMED;
    else if (!policy_ok)                     verdict = V_POLICY;
    else                                     verdict = V_DELIVER;
  end

  // Header fix-ups over the first 64 delivered bytes.
  logic [64*8-1:0] fix_hdr;
  logic [63:0]     fix_mask;
  logic [60*8-1:0] trn_l3;
  logic [19:0]     trn_sum;
  always_comb begin
    // Transport mode, IPv4: the packet's own header (options included) with
    // length, protocol and checksum restored.
    trn_l3 = cc_rd.l2l3[8*14 +: 480] & ~({480{1'b1}} << (8 * cc_rd.ip_hlen));
    trn_l3[8*2 +: 16]  = espnic_pkg::be16(16'(cc_rd.ip_hlen) + body_len);
    trn_l3[8*9 +: 8]   = nh;
    trn_l3[8*10 +: 16] = '0;
    trn_sum = '0;
    for (int w = 0; w < 30; w++)
      trn_sum = trn_sum + {4'd0, trn_l3[16*w +: 8], trn_l3[16*w+8 +: 8]};
    trn_sum = {4'd0, trn_sum[15:0]} + {16'd0, trn_sum[19:16]};
    trn_sum = {4'd0, trn_sum[15:0]} + {16'd0, trn_sum[19:16]};
    trn_l3[8*10 +: 16] = espnic_pkg::be16(~trn_sum[15:0]);

    fix_hdr  = '0;
    fix_mask = '0;
    if (cc_rd.tunnel) begin
      fix_hdr[8*12 +: 16] = espnic_pkg::be16(nh == 8'd41 ? 16'h86DD : 16'h0800);
      fix_mask[13:12]     = 2'b11;
    end else if (cc_rd.v6) begin
      fix_hdr[8*18 +: 16] = espnic_pkg::be16(body_len);
      fix_hdr[8*20 +: 8]  = nh;
      fix_mask[20:18]     = 3'b111;
    end else begin
      fix_hdr[8*14 +: 400] = trn_l3[0 +: 400];
      fix_mask[17:16] = 2'b11;
      fix_mask[25:23] = 3'b111;
    end
  end

  // Lifetimes after a delivered packet.
  logic [63:0] new_pkts, new_bytes;
  logic        soft_hit, hard_hit;
  logic [3:0]  soft_kind, hard_kind;
  always_comb begin
    new_pkts  = c_cnt.packets + 64'd1;
    new_bytes = c_cnt.bytes + 64'(body_len);
    hard_hit = 1'b0; soft_hit = 1'b0;
    hard_kind = espnic_regs_pkg::EV_HARD_PACKETS; soft_kind = espnic_regs_pkg::EV_SOFT_PACKETS;
    if (c_sa.hard_bytes != '0 && new_bytes >= c_sa.hard_bytes) begin
      hard_hit = 1'b1; hard_kind = espnic_regs_pkg::EV_HARD_BYTES;
    end
    if (c_sa.hard_packets != '0 && new_pkts >= c_sa.hard_packets) begin
      hard_hit = 1'b1; hard_kind = espnic_regs_pkg::EV_HARD_PACKETS;
    end
    if (c_sa.soft_bytes != '0 && new_bytes >= c_sa.soft_bytes) begin
      soft_hit = 1'b1; soft_kind = espnic_regs_pkg::EV_SOFT_BYTES;
    end
    if (c_sa.soft_packets != '0 && new_pkts >= c_sa.soft_packets) begin
      soft_hit = 1'b1; soft_kind = espnic_regs_pkg::EV_SOFT_PACKETS;
    end
  end

  wire c_deliver = cc_rd.bypass || verdict == V_DELIVER;
  logic   ev_push, ev_wr_ready_raw;
  espnic_pkg::event_t ev;
  always_comb begin
    ev = '0;
    ev.inbound = 1'b1;
    ev.sa      = cc_rd.sa;
    ev_push    = 1'b0;
    if (!cc_rd.bypass && verdict == V_DELIVER) begin
      if (hard_hit && !c_st.hard_fired) begin
        ev_push = 1'b1; ev.kind = hard_kind;
      end else if (soft_hit && !c_st.soft_fired) begin
        ev_push = 1'b1; ev.kind = soft_kind;
      end
    end
  end

  // A commit needs the packet written, its work order and its report.
  logic commit_ready;
  assign commit_go   = (ended_q != '0) && cc_rd_valid && rep_valid && commit_ready;
  assign cc_rd_ready = commit_go;
  assign rep_ready   = commit_go;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      ended_q <= '0;
    end else begin
      ended_q <= ended_q + 8'(e4_end) - 8'(commit_go);
    end
  end

  pkt_commit_fifo #(.DATA_W(DATA_W), .DEPTH_BEATS(FIFO_D), .META_W(1)) u_out (
    .clk_i, .rst_ni,
    .s_axis_tdata(e4_tdata), .s_axis_tkeep(e4_tkeep), .s_axis_tlast(e4_tlast),
    .s_axis_tvalid(e4_tvalid), .s_axis_tready(out_wr_ready),
    .commit_valid_i(commit_go), .commit_ready_o(commit_ready), .commit_drop_i(!c_deliver),
    .commit_len_i(cc_rd.bypass ? cc_rd.frame_len : out_len),
    .commit_hdr_i(fix_hdr), .commit_hdr_mask_i(cc_rd.bypass ? 64'd0 : fix_mask),
    .commit_meta_i(1'b0),
    .m_axis_tdata, .m_axis_tkeep, .m_axis_tlast, .m_axis_tvalid, .m_axis_tready,
    .m_meta_o(), .free_beats_o()
  );

  // ------------------------------------------------- state and counters
  // SA state and counter writes, as whole entries (yosys 0.23 cannot write
  // a struct member of an array entry). dp_*: what the commit writes for the
  // packet's SA; cw_*: what the control path writes, on top of the commit's
  // write when both name the same entry (the control path wins field by
  // field, as when each field was written on its own).
  espnic_pkg::sa_state_t    dp_st, cw_st;
  espnic_pkg::sa_counters_t dp_cnt;
  logic                     dp_st_we, dp_cnt_we, cw_go, cw_st_we;
  wire [SAW-1:0]            cw_i = sa_wr_index_i[SAW-1:0];
  always_comb begin
    dp_st     = c_st;
    dp_cnt    = c_cnt;
    dp_st_we  = 1'b0;
    dp_cnt_we = 1'b0;
    if (commit_go && !cc_rd.bypass) begin
      case (verdict)
        V_DELIVER: begin
          if (cc_rd.seq > c_st.seq) dp_st.seq = cc_rd.seq;
          dp_cnt.packets = new_pkts;
          dp_cnt.bytes   = new_bytes;
          if (hard_hit) dp_st.hard_fired = 1'b1;
          if (soft_hit) dp_st.soft_fired = 1'b1;
          dp_st_we  = 1'b1;
          dp_cnt_we = 1'b1;
        end
        V_ICV: begin
          dp_cnt.drops[espnic_regs_pkg::DROP_ICV] = c_cnt.drops[espnic_regs_pkg::DROP_ICV] + 64'd1;
          dp_cnt_we = 1'b1;
        end
        V_REPLAY: begin
          dp_cnt.drops[espnic_regs_pkg::DROP_REPLAY] = c_cnt.drops[espnic_regs_pkg::DROP_REPLAY] + 64'd1;
          dp_cnt_we = 1'b1;
        end
        V_POLICY: begin
          dp_cnt.drops[espnic_regs_pkg::DROP_POLICY] = c_cnt.drops[espnic_regs_pkg::DROP_POLICY] + 64'd1;
          dp_cnt_we = 1'b1;
        end
        V_MALFORMED: begin
          dp_cnt.drops[espnic_regs_pkg::DROP_MALFORMED] = c_cnt.drops[espnic_regs_pkg::DROP_MALFORMED] + 64'd1;
          dp_cnt_we = 1'b1;
        end
        V_EXPIRED: begin
          dp_cnt.drops[espnic_regs_pkg::DROP_EXPIRED] = c_cnt.drops[espnic_regs_pkg::DROP_EXPIRED] + 64'd1;
          dp_cnt_we = 1'b1;
        end
        default: ;
      endcase
    end
    cw_go    = sa_wr_valid_i && sa_wr_index_i < 16'(SA_N);
    cw_st_we = !sa_wr_update_i || sa_wr_set_seq_i || sa_wr_rearm_i;
    cw_st    = (dp_st_we && c_i == cw_i) ? dp_st : sa_state_q[cw_i];
    if (sa_wr_update_i) begin
      if (sa_wr_set_seq_i) cw_st.seq = sa_wr_seq_i;
      if (sa_wr_rearm_i) begin
        cw_st.soft_fired = 1'b0;
        cw_st.hard_fired = 1'b0;
      end
    end else begin
      cw_st     = '0;
      cw_st.seq = sa_wr_seq_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      sa_en_q         <= '0;
      cnt_frames_in_o <= '0;
      cnt_decrypted_o <= '0;
      cnt_bypassed_o  <= '0;
      cnt_malformed_o <= '0;
      cnt_no_sa_o     <= '0;
      cnt_dummy_o     <= '0;
    end else begin
      if (x_go) begin
        cnt_frames_in_o <= cnt_frames_in_o + 64'd1;
        case (x_class)
          C_MALFORMED: cnt_malformed_o <= cnt_malformed_o + 64'd1;
          C_NO_SA:     cnt_no_sa_o     <= cnt_no_sa_o + 64'd1;
          C_EXPIRED:   sa_early_expired_q[x_i] <= sa_early_expired_q[x_i] + 64'd1;
          C_REPLAY:    sa_early_replay_q[x_i]  <= sa_early_replay_q[x_i] + 64'd1;
          default: ;
        endcase
      end
      if (commit_go) begin
        if (cc_rd.bypass) begin
          cnt_bypassed_o <= cnt_bypassed_o + 64'd1;
        end else begin
          case (verdict)
            V_DELIVER: begin
              cnt_decrypted_o <= cnt_decrypted_o + 64'd1;
              sa_win_q[c_i]   <= replay_pkg::replay_mark(c_st.seq, sa_win_q[c_i], cc_rd.seq);
            end
            V_DUMMY:     cnt_dummy_o <= cnt_dummy_o + 64'd1;
            default: ;
          endcase
        end
      end
      // SA entries are written whole (dp_* and cw_* above); the control path
      // wins over the data path for the same entry.
      if (dp_st_we)  sa_state_q[c_i] <= dp_st;
      if (dp_cnt_we) sa_cnt_q[c_i]   <= dp_cnt;
      if (cw_go) begin
        if (cw_st_we) sa_state_q[cw_i] <= cw_st;
        if (sa_wr_update_i) begin
          sa_cfg_q[cw_i] <= sa_wr_cfg_i;
          if (sa_wr_set_seq_i) sa_win_q[cw_i] <= '0;
        end else begin
          sa_en_q[cw_i]            <= sa_wr_enable_i;
          sa_cfg_q[cw_i]           <= sa_wr_cfg_i;
          sa_key_q[cw_i]           <= sa_wr_key_i;
          sa_win_q[cw_i]           <= '0;
          sa_cnt_q[cw_i]           <= '0;
          sa_early_replay_q[cw_i]  <= '0;
          sa_early_expired_q[cw_i] <= '0;
        end
      end
    end
  end

  sync_fifo #(.WIDTH(espnic_pkg::EVENT_W), .DEPTH(16)) u_events (
    .clk_i, .rst_ni,
    .wr_valid_i(commit_go && ev_push), .wr_ready_o(ev_wr_ready_raw), .wr_data_i(ev),
    .rd_valid_o(event_valid_o), .rd_ready_i(event_ready_i), .rd_data_o(event_o), .count_o()
  );
  always_ff @(posedge clk_i) begin
    if (!rst_ni) cnt_event_lost_o <= '0;
    else if (commit_go && ev_push && !ev_wr_ready_raw) cnt_event_lost_o <= cnt_event_lost_o + 64'd1;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cnt_frames_out_o <= '0;
      cnt_bytes_out_o  <= '0;
    end else if (m_axis_tvalid && m_axis_tready) begin
      cnt_bytes_out_o <= cnt_bytes_out_o + 64'($countones(m_axis_tkeep));
      if (m_axis_tlast) cnt_frames_out_o <= cnt_frames_out_o + 64'd1;
    end
  end
endmodule
