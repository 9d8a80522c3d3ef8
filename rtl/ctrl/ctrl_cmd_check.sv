// ctrl_cmd_check: the fields of the command in ctrl_cmd's slot register,
// decoded (the SA_ADD entry, the SPD_ADD rule, the SA_UPDATE change, the
// CLS_WRITE entry; the opcode as flags, registered), and its check: CMD_STATUS_OK or the reason the command
// changes nothing (status_q, and status_ok_q: it is CMD_STATUS_OK). The check
// runs in registered steps so that no path runs from a payload field through
// the whole cascade: every test of a field is a flag registered each cycle,
// and the status is a priority pick over the flags, registered too: status_q
// is good two cycles after its inputs settle (ctrl_cmd's S_CHECK acts on its
// third cycle). The payload is stable from the fetch on, a cycle before the
// SA entry (S_SA_READ's last cycle): the long payload tests (the SA's and
// rule's fields, the SA_UPDATE fields) take one step more, their parts
// registered, then ORed into the flag.
module ctrl_cmd_check
#(
  parameter int SA_N  = 1024,
  parameter int SPD_N = 1024,
  parameter int SPD_D = 8                    // classifier tree levels
) (
  input  logic                 clk_i,
  // the command (header fields and payload, payload byte k at payload[8k +: 8])
  input  logic [7:0]           cmd_opcode,
  input  logic [7:0]           cmd_flags,
  input  logic [15:0]          cmd_index,
  input  logic [63:0]          cmd_reserved,
  input  logic [(espnic_regs_pkg::CMD_LAYOUT_BYTES - espnic_regs_pkg::CMD_PAYLOAD)*8-1:0] payload,
  // what the tables hold at the command's index
  input  logic                 sa_enable_q,     // the SA entry (S_SA_READ)
  input  espnic_pkg::sa_cfg_t  sa_cfg_q,
  input  logic [63:0]          sa_seq_q,
  input  logic                 book_enable,     // the rule book entry
  // decoded
  output espnic_pkg::sa_cfg_t  new_sa,          // SA_ADD: the entry
  output logic [63:0]          new_sa_seq,
  output logic [255:0]         new_sa_key,
  output logic [31:0]          new_sa_salt,
  output espnic_pkg::spd_rule_t new_rule,       // SPD_ADD: the rule
  output espnic_pkg::sa_cfg_t  upd_sa_cfg,      // SA_UPDATE: the entry changed
  output logic [63:0]          upd_seq,
  output logic                 upd_set_seq,
  output logic                 upd_set_lifetimes,
  output logic [7:0]           cls_table,       // CLS_WRITE: the table and the entry
  output logic [511:0]         cls_data,
  // the opcode, one flag each (registered: the command's a cycle after the header is)
  output logic                 op_sa_add_q,
  output logic                 op_sa_update_q,
  output logic                 op_sa_delete_q,
  output logic                 op_sa_query_q,
  output logic                 op_spd_add_q,
  output logic                 op_spd_delete_q,
  output logic                 op_spd_query_q,
  output logic                 op_sa_list_q,
  output logic                 op_spd_list_q,
  output logic                 op_list_q,       // SA_LIST or SPD_LIST
  output logic                 op_counters_q,
  output logic                 op_reset_q,
  output logic                 op_cls_write_q,
  output logic                 sa_cmd_q,        // an SA command (ADD, UPDATE, DELETE, QUERY) with an index below SA_N
  output logic [7:0]           status_q,        // CMD_STATUS_*
  output logic                 status_ok_q      // status_q == CMD_STATUS_OK
);
  localparam int PAYLOAD_W = (espnic_regs_pkg::CMD_LAYOUT_BYTES - espnic_regs_pkg::CMD_PAYLOAD) * 8;
  localparam int SA_IW  = $clog2(SA_N);
  localparam int SPD_IW = $clog2(SPD_N);
  wire cmd_inbound = cmd_flags[espnic_regs_pkg::CMD_FLAG_INBOUND];
  wire cmd_replace = cmd_flags[espnic_regs_pkg::CMD_FLAG_REPLACE];

  function automatic logic [7:0] byte_at(input logic [PAYLOAD_W-1:0] p, input int k);
    byte_at = p[8*k +: 8];
  endfunction
  function automatic logic [15:0] u16_at(input logic [PAYLOAD_W-1:0] p, input int k);
    u16_at = p[8*k +: 16];
  endfunction
  function automatic logic [31:0] u32_at(input logic [PAYLOAD_W-1:0] p, input int k);
    u32_at = p[8*k +: 32];
  endfunction
  function automatic logic [63:0] u64_at(input logic [PAYLOAD_W-1:0] p, input int k);
    u64_at = p[8*k +: 64];
  endfunction
  function automatic logic [127:0] u128_at(input logic [PAYLOAD_W-1:0] p, input int k);
    u128_at = p[8*k +: 128];
  endfunction
  // A soft lifetime above a hard one can never fire before it: its parts,
  // {s != 0, h != 0, s[63:32] > h[63:32], s[63:32] == h[63:32], s[31:0] > h[31:0]}.
  function automatic logic [4:0] lifetime_parts(input logic [63:0] s, input logic [63:0] h);
    lifetime_parts = {s != 64'd0, h != 64'd0, s[63:32] > h[63:32], s[63:32] == h[63:32], s[31:0] > h[31:0]};
  endfunction
  function automatic logic lifetime_bad(input logic [4:0] p);
    lifetime_bad = p[4] && p[3] && (p[2] || p[1] && p[0]);
  endfunction
  // An address with bits outside its mask, by 32-bit part (bit k: bits 32k..32k+31).
  function automatic logic [3:0] prefix_parts(input logic [127:0] addr, input logic [127:0] mask);
    prefix_parts = {(addr[127:96] & ~mask[127:96]) != 32'd0, (addr[95:64] & ~mask[95:64]) != 32'd0,
                    (addr[63:32] & ~mask[63:32]) != 32'd0, (addr[31:0] & ~mask[31:0]) != 32'd0};
  endfunction

  logic [31:0] new_sa_flags;
  always_comb begin
    new_sa_flags = u32_at(payload, espnic_regs_pkg::SA_FLAGS);
    new_sa = '0;
    new_sa.spi           = u32_at(payload, espnic_regs_pkg::SA_SPI);
    new_sa.tunnel        = new_sa_flags[espnic_regs_pkg::SA_FLAG_TUNNEL];
    new_sa.udp_encap     = new_sa_flags[espnic_regs_pkg::SA_FLAG_UDP];
    new_sa.esn           = new_sa_flags[espnic_regs_pkg::SA_FLAG_ESN];
    new_sa.sel_v6        = new_sa_flags[espnic_regs_pkg::SA_FLAG_SEL_V6];
    new_sa.vlan_en       = new_sa_flags[espnic_regs_pkg::SA_FLAG_VLAN];
    new_sa.vlan          = payload[8*espnic_regs_pkg::SA_VLAN +: 12];
    new_sa.alg           = payload[8*espnic_regs_pkg::SA_ALG +: 4];
    new_sa.sel_proto     = byte_at(payload, espnic_regs_pkg::SA_SEL_PROTO);
    new_sa.replay_window = payload[8*espnic_regs_pkg::SA_REPLAY_WINDOW +: espnic_pkg::REPLAY_W_W];
    new_sa.udp_sport     = u16_at(payload, espnic_regs_pkg::SA_UDP_SPORT);
    new_sa.udp_dport     = u16_at(payload, espnic_regs_pkg::SA_UDP_DPORT);
    new_sa.local_v4      = u32_at(payload, espnic_regs_pkg::SA_LOCAL);
    new_sa.remote_v4     = u32_at(payload, espnic_regs_pkg::SA_REMOTE);
    new_sa.soft_bytes    = u64_at(payload, espnic_regs_pkg::SA_SOFT_BYTES);
    new_sa.hard_bytes    = u64_at(payload, espnic_regs_pkg::SA_HARD_BYTES);
    new_sa.soft_packets  = u64_at(payload, espnic_regs_pkg::SA_SOFT_PACKETS);
    new_sa.hard_packets  = u64_at(payload, espnic_regs_pkg::SA_HARD_PACKETS);
    new_sa.sel_src.addr  = u128_at(payload, espnic_regs_pkg::SA_SEL_SRC_ADDR);
    new_sa.sel_src.mask  = u128_at(payload, espnic_regs_pkg::SA_SEL_SRC_MASK);
    new_sa.sel_dst.addr  = u128_at(payload, espnic_regs_pkg::SA_SEL_DST_ADDR);
    new_sa.sel_dst.mask  = u128_at(payload, espnic_regs_pkg::SA_SEL_DST_MASK);
    new_sa.mss_clamp     = u16_at(payload, espnic_regs_pkg::SA_MSS_CLAMP);

    new_rule = '0;
    new_rule.v6       = payload[8*espnic_regs_pkg::SPD_FLAGS];
    new_rule.any_fam  = payload[8*espnic_regs_pkg::SPD_FLAGS + 1];
    new_rule.vlan_en  = payload[8*espnic_regs_pkg::SPD_FLAGS + 2];
    new_rule.vlan     = payload[8*espnic_regs_pkg::SPD_VLAN +: 12];
    new_rule.proto    = byte_at(payload, espnic_regs_pkg::SPD_PROTO);
    new_rule.action   = payload[8*espnic_regs_pkg::SPD_ACTION +: 2];
    new_rule.sa       = u16_at(payload, espnic_regs_pkg::SPD_SA);
    new_rule.sport_lo = u16_at(payload, espnic_regs_pkg::SPD_SPORT_LO);
    new_rule.sport_hi = u16_at(payload, espnic_regs_pkg::SPD_SPORT_HI);
    new_rule.dport_lo = u16_at(payload, espnic_regs_pkg::SPD_DPORT_LO);
    new_rule.dport_hi = u16_at(payload, espnic_regs_pkg::SPD_DPORT_HI);
    new_rule.src.addr = u128_at(payload, espnic_regs_pkg::SPD_SRC_ADDR);
    new_rule.src.mask = u128_at(payload, espnic_regs_pkg::SPD_SRC_MASK);
    new_rule.dst.addr = u128_at(payload, espnic_regs_pkg::SPD_DST_ADDR);
    new_rule.dst.mask = u128_at(payload, espnic_regs_pkg::SPD_DST_MASK);
  end

  // CLS_WRITE: the table and the entry.
  localparam int CLS_RW  = espnic_pkg::CLS_RULE_W;
  assign cls_table = byte_at(payload, espnic_regs_pkg::CLS_TABLE);
  assign cls_data  = payload[8*espnic_regs_pkg::CLS_DATA +: 512];
  wire [1:0]   cls_rule_action = cls_data[CLS_RW-18 +: 2];     // cls_rule_t {index, action, sa, ...}
  wire [15:0]  cls_rule_sa     = cls_data[CLS_RW-34 +: 16];
  logic [16:0] cls_limit;                                    // entries in the table
  always_comb begin
    if (cls_table == 8'd0)                    cls_limit = 17'd2;
    else if (cls_table < 8'(SPD_D))           cls_limit = 17'(2 ** (SPD_IW + 1));   // as esp_egress sizes them
    else if (cls_table == 8'(SPD_D))          cls_limit = 17'(2 ** (SPD_IW + 1));
    else if (cls_table == 8'(SPD_D + 1))      cls_limit = 17'(SPD_N);
    else                                      cls_limit = 17'd1;   // swap, clear
  end

  // SA_UPDATE: the new configuration and what to set.
  wire [31:0] upd_mask = u32_at(payload, espnic_regs_pkg::UPD_MASK);
  assign      upd_set_lifetimes = upd_mask[espnic_regs_pkg::UPD_SET_LIFETIMES];
  wire        upd_set_window   = upd_mask[espnic_regs_pkg::UPD_SET_REPLAY_WINDOW];
  assign      upd_set_seq = upd_mask[espnic_regs_pkg::UPD_SET_SEQ];
  assign      upd_seq = u64_at(payload, espnic_regs_pkg::UPD_SEQ);
  always_comb begin
    upd_sa_cfg = sa_cfg_q;
    if (upd_set_window) upd_sa_cfg.replay_window = payload[8*espnic_regs_pkg::UPD_REPLAY_WINDOW +: espnic_pkg::REPLAY_W_W];
    if (upd_set_lifetimes) begin
      upd_sa_cfg.soft_bytes   = u64_at(payload, espnic_regs_pkg::UPD_SOFT_BYTES);
      upd_sa_cfg.hard_bytes   = u64_at(payload, espnic_regs_pkg::UPD_HARD_BYTES);
      upd_sa_cfg.soft_packets = u64_at(payload, espnic_regs_pkg::UPD_SOFT_PACKETS);
      upd_sa_cfg.hard_packets = u64_at(payload, espnic_regs_pkg::UPD_HARD_PACKETS);
    end
  end

  // Validation: CMD_STATUS_OK or the reason the command changes nothing, in
  // registered steps so that no path runs from a payload field through the
  // whole cascade: every test of a field is a flag registered each cycle
  // (the payload is stable from the fetch on, the SA entry from the entry
  // into S_CHECK), and the status_d is a priority pick over the flags,
  // registered too. S_CHECK acts on its third cycle (check_wait_q). The long
  // payload tests take a step more (their parts, then the OR): the payload
  // is stable a cycle before the SA entry, in S_SA_READ.
  always_ff @(posedge clk_i) begin
    op_sa_add_q     <= cmd_opcode == espnic_regs_pkg::CMD_SA_ADD;
    op_sa_update_q  <= cmd_opcode == espnic_regs_pkg::CMD_SA_UPDATE;
    op_sa_delete_q  <= cmd_opcode == espnic_regs_pkg::CMD_SA_DELETE;
    op_sa_query_q   <= cmd_opcode == espnic_regs_pkg::CMD_SA_QUERY;
    op_spd_add_q    <= cmd_opcode == espnic_regs_pkg::CMD_SPD_ADD;
    op_spd_delete_q <= cmd_opcode == espnic_regs_pkg::CMD_SPD_DELETE;
    op_spd_query_q  <= cmd_opcode == espnic_regs_pkg::CMD_SPD_QUERY;
    op_sa_list_q    <= cmd_opcode == espnic_regs_pkg::CMD_SA_LIST;
    op_spd_list_q   <= cmd_opcode == espnic_regs_pkg::CMD_SPD_LIST;
    op_list_q       <= cmd_opcode == espnic_regs_pkg::CMD_SA_LIST || cmd_opcode == espnic_regs_pkg::CMD_SPD_LIST;
    op_counters_q   <= cmd_opcode == espnic_regs_pkg::CMD_COUNTERS;
    op_reset_q      <= cmd_opcode == espnic_regs_pkg::CMD_RESET;
    op_cls_write_q  <= cmd_opcode == espnic_regs_pkg::CMD_CLS_WRITE;
    sa_cmd_q        <= (cmd_opcode == espnic_regs_pkg::CMD_SA_ADD || cmd_opcode == espnic_regs_pkg::CMD_SA_UPDATE
                        || cmd_opcode == espnic_regs_pkg::CMD_SA_DELETE || cmd_opcode == espnic_regs_pkg::CMD_SA_QUERY)
                       && cmd_index < 16'(SA_N);
  end

  logic [7:0] flags_allowed;
  always_comb begin
    case (cmd_opcode)
      espnic_regs_pkg::CMD_SA_ADD: flags_allowed = 8'((1 << espnic_regs_pkg::CMD_FLAG_INBOUND) | (1 << espnic_regs_pkg::CMD_FLAG_REPLACE));
      espnic_regs_pkg::CMD_SA_UPDATE, espnic_regs_pkg::CMD_SA_DELETE,
      espnic_regs_pkg::CMD_SA_QUERY,
      espnic_regs_pkg::CMD_SA_LIST: flags_allowed = 8'(1 << espnic_regs_pkg::CMD_FLAG_INBOUND);
      espnic_regs_pkg::CMD_SPD_ADD: flags_allowed = 8'(1 << espnic_regs_pkg::CMD_FLAG_REPLACE);
      espnic_regs_pkg::CMD_COUNTERS: flags_allowed = 8'(1 << espnic_regs_pkg::CMD_FLAG_CLEAR);
      default:                    flags_allowed = 8'd0;
    endcase
  end
  logic bad_opcode_q, bad_header_q, bad_sa_index_q, bad_rule_index_q, bad_sa_list_index_q, bad_rule_list_index_q, index_nonzero_q;
  logic bad_sa_alg_q, bad_sa_field_q, bad_sa_spi_q, bad_upd_field_q;
  logic bad_rule_field_q, bad_rule_sa_q, bad_cls_field_q, bad_cls_index_q, bad_cls_sa_q;
  // The long payload tests' parts (step 1), ORed into their flags (step 2).
  logic [1:0] sa_field_p_q;
  logic [7:0] sa_prefix_p_q;            // the selectors' prefix test, by 32-bit part (source, destination)
  logic       upd_field_p_q;
  logic [2:0] rule_field_p_q;
  logic [7:0] rule_prefix_p_q;          // the rule's prefix test, by 32-bit part (source, destination)
  logic [7:0] rule_mask_p_q;            // the rule's masks nonzero, by 32-bit part (source, destination)
  logic [4:0] sa_life_bytes_q, sa_life_packets_q, upd_life_bytes_q, upd_life_packets_q;
  always_ff @(posedge clk_i) begin
    // SA_ADD. A tag only on what an inbound tunnel SA delivers, VID 1..4094.
    sa_field_p_q[0] <= new_sa_flags[31:5] != 27'd0 || new_sa.spi < 32'd256 ||
                    payload[8*espnic_regs_pkg::SA_VLAN+12 +: 4] != 4'd0;
    sa_field_p_q[1] <= (new_sa.vlan_en ? (!cmd_inbound || !new_sa.tunnel || new_sa.vlan == 12'd0 || new_sa.vlan == 12'hFFF)
                                     : new_sa.vlan != 12'd0) ||
                    32'(u16_at(payload, espnic_regs_pkg::SA_REPLAY_WINDOW)) > espnic_pkg::REPLAY_MAX;
    sa_prefix_p_q <= {prefix_parts(new_sa.sel_dst.addr, new_sa.sel_dst.mask), prefix_parts(new_sa.sel_src.addr, new_sa.sel_src.mask)};
    sa_life_bytes_q   <= lifetime_parts(new_sa.soft_bytes, new_sa.hard_bytes);
    sa_life_packets_q <= lifetime_parts(new_sa.soft_packets, new_sa.hard_packets);
    // SA_UPDATE
    upd_field_p_q <= upd_mask == 32'd0 || upd_mask[31:3] != 29'd0 ||
                     u16_at(payload, espnic_regs_pkg::UPD_REPLAY_WINDOW + 2) != 16'd0 ||
                     (upd_set_window && 32'(u16_at(payload, espnic_regs_pkg::UPD_REPLAY_WINDOW)) > espnic_pkg::REPLAY_MAX);
    upd_life_bytes_q   <= lifetime_parts(u64_at(payload, espnic_regs_pkg::UPD_SOFT_BYTES), u64_at(payload, espnic_regs_pkg::UPD_HARD_BYTES));
    upd_life_packets_q <= lifetime_parts(u64_at(payload, espnic_regs_pkg::UPD_SOFT_PACKETS), u64_at(payload, espnic_regs_pkg::UPD_HARD_PACKETS));
    // SPD_ADD
    rule_field_p_q[0] <= payload[8*espnic_regs_pkg::SPD_FLAGS+3 +: 5] != 5'd0 || byte_at(payload, espnic_regs_pkg::SPD_ACTION + 1) != 8'd0 ||
                     payload[8*espnic_regs_pkg::SPD_VLAN+12 +: 4] != 4'd0 || (!new_rule.vlan_en && new_rule.vlan != 12'd0) ||
                     byte_at(payload, espnic_regs_pkg::SPD_ACTION) > 8'(espnic_regs_pkg::ACT_PROTECT);
    rule_field_p_q[1] <= new_rule.sport_lo > new_rule.sport_hi || new_rule.dport_lo > new_rule.dport_hi;
    rule_field_p_q[2] <= new_rule.any_fam && new_rule.v6;
    rule_mask_p_q <= {new_rule.dst.mask[127:96] != 32'd0, new_rule.dst.mask[95:64] != 32'd0,
                      new_rule.dst.mask[63:32] != 32'd0, new_rule.dst.mask[31:0] != 32'd0,
                      new_rule.src.mask[127:96] != 32'd0, new_rule.src.mask[95:64] != 32'd0,
                      new_rule.src.mask[63:32] != 32'd0, new_rule.src.mask[31:0] != 32'd0};
    rule_prefix_p_q <= {prefix_parts(new_rule.dst.addr, new_rule.dst.mask), prefix_parts(new_rule.src.addr, new_rule.src.mask)};
  end
  always_ff @(posedge clk_i) begin
    bad_sa_field_q   <= sa_field_p_q != 2'd0 || sa_prefix_p_q != 8'd0 ||
                      lifetime_bad(sa_life_bytes_q) || lifetime_bad(sa_life_packets_q);
    bad_upd_field_q  <= upd_field_p_q ||
                      (upd_set_lifetimes && (lifetime_bad(upd_life_bytes_q) || lifetime_bad(upd_life_packets_q)));
    // (a rule of any family has no addresses: its masks are 0)
    bad_rule_field_q <= rule_field_p_q != 3'd0 || rule_prefix_p_q != 8'd0 || new_rule.any_fam && rule_mask_p_q != 8'd0;
  end
  // SA_UPDATE's sequence number against the entry's (from S_CHECK's first
  // cycle), in halves: {high <, high ==, low <=}; the pick combines them.
  logic [2:0] upd_seq_cmp_q;
  always_ff @(posedge clk_i)
    upd_seq_cmp_q <= {upd_seq[63:32] < sa_seq_q[63:32], upd_seq[63:32] == sa_seq_q[63:32], upd_seq[31:0] <= sa_seq_q[31:0]};
  wire upd_seq_back = upd_set_seq && (upd_seq_cmp_q[2] || upd_seq_cmp_q[1] && upd_seq_cmp_q[0]);
  always_ff @(posedge clk_i) begin
    bad_opcode_q   <= cmd_opcode == 8'd0 || 32'(cmd_opcode) > espnic_regs_pkg::CMD_MAX;
    bad_header_q  <= cmd_reserved != 64'd0 || (cmd_flags & ~flags_allowed) != 8'd0;
    bad_sa_index_q   <= cmd_index >= 16'(SA_N);
    bad_rule_index_q  <= cmd_index >= 16'(SPD_N);
    bad_sa_list_index_q  <= cmd_index >= 16'(SA_N) || cmd_index[4:0] != 5'd0;
    bad_rule_list_index_q <= cmd_index >= 16'(SPD_N) || cmd_index[4:0] != 5'd0;
    index_nonzero_q   <= cmd_index != 16'd0;
    // SA_ADD
    bad_sa_alg_q   <= byte_at(payload, espnic_regs_pkg::SA_ALG) != 8'(espnic_regs_pkg::ALG_AES_GCM_128)
                    && byte_at(payload, espnic_regs_pkg::SA_ALG) != 8'(espnic_regs_pkg::ALG_AES_GCM_256);
    // Inbound lookups index the table with the SPI's low bits.
    bad_sa_spi_q   <= cmd_inbound && new_sa.spi[SA_IW-1:0] != cmd_index[SA_IW-1:0];
    // SPD_ADD
    bad_rule_sa_q   <= new_rule.action == espnic_regs_pkg::ACT_PROTECT && new_rule.sa >= 16'(SA_N);
    // CLS_WRITE
    bad_cls_field_q <= payload[8 +: 24] != 24'd0;
    bad_cls_index_q  <= cls_table > 8'(SPD_D + 3) || 17'(cmd_index) >= cls_limit;
    bad_cls_sa_q   <= cls_table == 8'(SPD_D + 1) && cls_rule_action == espnic_regs_pkg::ACT_PROTECT
                    && cls_rule_sa >= 16'(SA_N);
  end

  // The pick: each opcode's status from its flags, side by side, then the
  // one of the command's opcode (the flags are one-hot; bad_opcode_q covers
  // every other opcode).
  logic [7:0] st_sa_add, st_sa_update, st_sa_delete, st_sa_query, st_spd_add, st_spd_delete;
  logic [7:0] st_spd_query, st_sa_list, st_spd_list, st_cls_write, st_other;
  always_comb begin
    st_sa_add = espnic_regs_pkg::CMD_STATUS_OK;
    if (bad_sa_index_q) st_sa_add = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
    else if (sa_enable_q && !cmd_replace) st_sa_add = espnic_regs_pkg::CMD_STATUS_EXISTS;
    else if (bad_sa_alg_q) st_sa_add = espnic_regs_pkg::CMD_STATUS_BAD_ALG;
    else if (bad_sa_field_q) st_sa_add = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
    else if (bad_sa_spi_q) st_sa_add = espnic_regs_pkg::CMD_STATUS_BAD_SPI;
    st_sa_update = espnic_regs_pkg::CMD_STATUS_OK;
    if (bad_sa_index_q) st_sa_update = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
    else if (!sa_enable_q) st_sa_update = espnic_regs_pkg::CMD_STATUS_NOT_FOUND;
    else if (bad_upd_field_q || upd_seq_back) st_sa_update = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
    st_sa_delete = espnic_regs_pkg::CMD_STATUS_OK;
    if (bad_sa_index_q) st_sa_delete = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
    else if (!sa_enable_q) st_sa_delete = espnic_regs_pkg::CMD_STATUS_NOT_FOUND;
    st_sa_query = bad_sa_index_q ? espnic_regs_pkg::CMD_STATUS_BAD_INDEX : espnic_regs_pkg::CMD_STATUS_OK;
    st_spd_add = espnic_regs_pkg::CMD_STATUS_OK;
    if (bad_rule_index_q) st_spd_add = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
    else if (book_enable && !cmd_replace) st_spd_add = espnic_regs_pkg::CMD_STATUS_EXISTS;
    else if (bad_rule_field_q) st_spd_add = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
    else if (bad_rule_sa_q) st_spd_add = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
    st_spd_delete = espnic_regs_pkg::CMD_STATUS_OK;
    if (bad_rule_index_q) st_spd_delete = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
    else if (!book_enable) st_spd_delete = espnic_regs_pkg::CMD_STATUS_NOT_FOUND;
    st_spd_query = bad_rule_index_q ? espnic_regs_pkg::CMD_STATUS_BAD_INDEX : espnic_regs_pkg::CMD_STATUS_OK;
    st_sa_list   = bad_sa_list_index_q ? espnic_regs_pkg::CMD_STATUS_BAD_INDEX : espnic_regs_pkg::CMD_STATUS_OK;
    st_spd_list  = bad_rule_list_index_q ? espnic_regs_pkg::CMD_STATUS_BAD_INDEX : espnic_regs_pkg::CMD_STATUS_OK;
    st_cls_write = espnic_regs_pkg::CMD_STATUS_OK;
    if (bad_cls_field_q) st_cls_write = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
    else if (bad_cls_index_q || bad_cls_sa_q) st_cls_write = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
    // COUNTERS, RESET
    st_other = index_nonzero_q ? espnic_regs_pkg::CMD_STATUS_BAD_INDEX : espnic_regs_pkg::CMD_STATUS_OK;
  end
  logic [7:0] status_d;
  always_comb begin
    if (bad_opcode_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_OPCODE;
    else if (bad_header_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
    else
      // (CMD_STATUS_OK is 0: an opcode's status is its flag ANDed with it, ORed)
      status_d = ({8{op_sa_add_q}} & st_sa_add) | ({8{op_sa_update_q}} & st_sa_update)
               | ({8{op_sa_delete_q}} & st_sa_delete) | ({8{op_sa_query_q}} & st_sa_query)
               | ({8{op_spd_add_q}} & st_spd_add) | ({8{op_spd_delete_q}} & st_spd_delete)
               | ({8{op_spd_query_q}} & st_spd_query) | ({8{op_sa_list_q}} & st_sa_list)
               | ({8{op_spd_list_q}} & st_spd_list) | ({8{op_cls_write_q}} & st_cls_write)
               | ({8{op_counters_q || op_reset_q}} & st_other);
  end
  always_ff @(posedge clk_i) begin
    status_q    <= status_d;
    status_ok_q <= status_d == espnic_regs_pkg::CMD_STATUS_OK;
  end

  assign new_sa_seq  = u64_at(payload, espnic_regs_pkg::SA_SEQ);
  assign new_sa_key  = payload[8*espnic_regs_pkg::SA_KEY +: 256];
  assign new_sa_salt = u32_at(payload, espnic_regs_pkg::SA_SALT);

  // Payload bytes no layout defines.
  logic unused_ok;
  assign unused_ok = ^{payload};
endmodule
