// ctrl_cmd: the command engine of the control block (espnic_ctrl). It takes
// the commands from the command ring in order (ctrl_rings), copies the
// defined part of a slot out (clearing it: slots may hold keys), checks it (a
// malformed or impossible command changes nothing), executes it on the SA
// and SPD tables of the two pipelines (a new SA's GHASH key powers come from
// aes_gcm_keyinit) and writes one completion per command into the completion
// ring, only into a free entry. The SPD is two things here: the rule book
// (SPD_ADD, SPD_DELETE, SPD_QUERY: the rules by index as the host gave them,
// in RAM) and the egress classifier's tables, which the host's compiler
// writes (CLS_WRITE); SPD_GEN counts their changes. Which SA and rule slots
// are in use is kept as bitmaps (ctrl_slot_map) for SA_LIST and SPD_LIST.
// RESET's walk over the tables is ctrl_reset_walk. No result carries key
// material. Layouts: espnic_regs_pkg (rtl/regs/espnic_regs.yaml).
//
// The states (state_q, next state state_d):
//   S_IDLE       wait for a command and a free completion entry
//   S_FETCH      read (and clear) the slot's header and longest payload
//   S_SA_READ    SA commands: read the entry the command names
//   S_CHECK      register the field checks, then the status (third cycle)
//   S_KEY_INIT   SA_ADD: derive the GHASH key powers, write the entry
//   S_LIST       SA_LIST, SPD_LIST: read the slot map words
//   S_RESET_WALK RESET: clear every SA and rule (ctrl_reset_walk)
//   S_COMPLETE   write the completion, word by word
module ctrl_cmd
#(
  parameter int          DATA_W    = 512,
  parameter int          SA_N      = 1024,
  parameter int          SPD_N     = 1024,    // SPD rules (rule book entries, classifier rule slots)
  parameter int          SPD_D     = 8        // classifier tree levels (CLS_GEOM)
) (
  input  logic          clk_i,
  input  logic          rst_ni,

  // the rings (ctrl_rings)
  input  logic          cmd_pending_i,     // a command waits in the command ring
  input  logic          cpl_room_i,        // the completion ring has a free entry
  input  logic [15:0]   cmd_cons_i,        // the next command's ring position
  input  logic          host_cmd_we_i,     // the host writes the command ring (the fetch waits)
  output logic          fetch_rd_o,        // read (and clear) word fetch_word_o of the next slot
  output logic [espnic_regs_pkg::CMD_RING_WB-1:0] fetch_word_o,
  input  logic [31:0]   fetch_data_i,      // that word, the cycle after
  output logic          cmd_taken_o,       // the slot is read: the ring's consumer count moves on
  output logic          cpl_we_o,          // write word cpl_word_o of the completion
  output logic [espnic_regs_pkg::CPL_RING_WB-1:0] cpl_word_o,
  output logic [31:0]   cpl_wdata_o,
  output logic          cpl_done_o,        // the completion's last word: the producer count moves on

  // RESET's walk (ctrl_reset_walk)
  output logic          walk_start_o,      // a RESET passed its check
  output logic          walk_active_o,     // in S_RESET_WALK
  input  logic [15:0]   walk_index_i,      // the index being cleared
  input  logic          walk_sa_clear_i,   // clear SA walk_index_i in both tables
  input  logic          walk_book_clear_i, // clear rule walk_index_i in the rule book
  input  logic          walk_cls_clear_i,  // the classifier's clear is still to be written
  input  logic          walk_done_i,       // the walk's last step

  // the port counters (ctrl_counters)
  input  logic [espnic_regs_pkg::PORT_COUNTERS*64-1:0] counters_i,   // since the last clear, counter i at [64i +: 64]
  output logic          counters_clear_o,  // COUNTERS with CMD_FLAG_CLEAR: restart from zero

  output logic          engine_o,          // working on a command (ENGINE)
  output logic [31:0]   spd_gen_o,         // SPD_GEN
  output logic          busy_o,            // a command running, or the tables not ready

  // SA table slots (esp_sa_table) of either pipeline (sa_req_inbound_o
  // selects which): reads and writes; a read is answered on sa_rsp_*.
  input  logic [1:0]    sa_ready_i,        // [0] outbound, [1] inbound: cleared after reset
  output logic          sa_req_valid_o,
  output logic          sa_req_inbound_o,
  output logic          sa_req_both_o,     // to both tables (RESET's walk)
  output espnic_pkg::sa_req_t sa_req_o,
  output logic          spd_wr_valid_o,    // a rule was added (enable) or deleted: ACQUIRE re-arm
  output logic          spd_wr_enable_o,
  output espnic_pkg::spd_rule_t spd_wr_rule_o,
  // the egress SPD classifier's write port (CLS_WRITE, RESET's clear)
  output logic          cls_wr_valid_o,
  input  logic          cls_wr_ready_i,
  output logic [3:0]    cls_wr_table_o,
  output logic [15:0]   cls_wr_addr_o,
  output logic [511:0]  cls_wr_data_o,
  input  logic [1:0]    sa_rsp_valid_i,    // [0] outbound, [1] inbound
  input  espnic_pkg::sa_cfg_t sa_rsp_cfg_eg_i,
  input  espnic_pkg::sa_cfg_t sa_rsp_cfg_in_i,
  input  espnic_pkg::sa_dyn_t sa_rsp_dyn_eg_i,
  input  espnic_pkg::sa_dyn_t sa_rsp_dyn_in_i
);
  localparam int SA_IW    = $clog2(SA_N);
  localparam int SLOT_W   = espnic_regs_pkg::CMD_RING_SLOT_BYTES * 8;       // a command slot, bits
  localparam int CMD_WPS  = espnic_regs_pkg::CMD_RING_SLOT_BYTES / 4;       // words per slot
  localparam int CMD_WB   = $clog2(CMD_WPS);

  // Words of a slot the engine reads (and clears): the header and the longest payload.
  localparam int PL_MAX0  = espnic_regs_pkg::SA_LAYOUT_BYTES > espnic_regs_pkg::SPD_LAYOUT_BYTES ?
                            (espnic_regs_pkg::SA_LAYOUT_BYTES > espnic_regs_pkg::UPD_LAYOUT_BYTES ? espnic_regs_pkg::SA_LAYOUT_BYTES : espnic_regs_pkg::UPD_LAYOUT_BYTES) :
                            (espnic_regs_pkg::SPD_LAYOUT_BYTES > espnic_regs_pkg::UPD_LAYOUT_BYTES ? espnic_regs_pkg::SPD_LAYOUT_BYTES : espnic_regs_pkg::UPD_LAYOUT_BYTES);
  localparam int PL_MAX   = PL_MAX0 > espnic_regs_pkg::CLS_LAYOUT_BYTES ? PL_MAX0 : espnic_regs_pkg::CLS_LAYOUT_BYTES;
  localparam int FETCH_W  = (espnic_regs_pkg::CMD_PAYLOAD + PL_MAX + 3) / 4;
  localparam int CPL_WPS  = espnic_regs_pkg::CPL_RING_SLOT_BYTES / 4;
  localparam int CPL_WB   = $clog2(CPL_WPS);
  localparam int PAYLOAD_W     = (espnic_regs_pkg::CMD_LAYOUT_BYTES - espnic_regs_pkg::CMD_PAYLOAD) * 8;  // payload bits
  localparam int CPL_W    = espnic_regs_pkg::CPL_LAYOUT_BYTES * 8;
  localparam int RESULT_LO      = espnic_regs_pkg::CPL_RESULT * 8;                      // result bit offset
  // Words of a completion: header only, or header and result.
  localparam logic [7:0] CPL_WORDS_HDR  = 8'(espnic_regs_pkg::CPL_RESULT / 4);
  localparam logic [7:0] CPL_WORDS_SA_QUERY  = 8'((espnic_regs_pkg::CPL_RESULT + espnic_regs_pkg::SAQ_LAYOUT_BYTES + 3) / 4);
  localparam logic [7:0] CPL_WORDS_RULE_QUERY = 8'((espnic_regs_pkg::CPL_RESULT + espnic_regs_pkg::SPDQ_LAYOUT_BYTES + 3) / 4);
  localparam logic [7:0] CPL_WORDS_COUNTERS  = 8'((espnic_regs_pkg::CPL_RESULT + espnic_regs_pkg::CNTR_LAYOUT_BYTES + 3) / 4);
  localparam logic [7:0] CPL_WORDS_LIST = 8'((espnic_regs_pkg::CPL_RESULT + espnic_regs_pkg::LIST_LAYOUT_BYTES + 3) / 4);
  localparam int LIST_WORDS = espnic_regs_pkg::LIST_LAYOUT_BYTES / 4;              // map words per listing
  localparam int LIST_LO    = RESULT_LO + 8 * espnic_regs_pkg::LIST_BITMAP;              // the bitmap's bit 0

  typedef enum logic [2:0] {
    S_IDLE, S_FETCH, S_SA_READ, S_CHECK, S_KEY_INIT, S_RESET_WALK, S_LIST, S_COMPLETE
  } state_e;
  state_e            state_q, state_d;
  localparam logic [CMD_WB:0] FETCH_WORD_ONE = 1;
  logic [CMD_WB:0]   fetch_word_q;      // next word to read (fetch), up to FETCH_W
  logic              fetch_valid_q;     // fetch_data_i holds word fetched_word_q
  logic [CMD_WB-1:0] fetched_word_q;
  logic [SLOT_W-1:0] cmd_slot_q;        // the command being executed (bytes as in the slot)
  logic [15:0]       cmd_no_q;          // its ring position
  logic [CPL_W-1:0]  cpl_image_q;       // the completion being written
  logic [7:0]        cpl_words_q;       // its words
  logic [7:0]        cpl_word_q;        // next word to write

  wire fetch_rd = state_q == S_FETCH && 32'(fetch_word_q) < FETCH_W && !host_cmd_we_i;
  assign fetch_rd_o   = fetch_rd;
  assign fetch_word_o = fetch_word_q[CMD_WB-1:0];

  // Command header and payload (payload byte k at payload[8k +: 8]).
  wire [7:0]  cmd_opcode    = cmd_slot_q[8*espnic_regs_pkg::CMD_OPCODE +: 8];
  wire [7:0]  cmd_flags = cmd_slot_q[8*espnic_regs_pkg::CMD_FLAGS +: 8];
  wire [15:0] cmd_index = cmd_slot_q[8*espnic_regs_pkg::CMD_INDEX +: 16];
  wire [31:0] cmd_tag   = cmd_slot_q[8*espnic_regs_pkg::CMD_TAG +: 32];
  wire [63:0] cmd_reserved  = cmd_slot_q[64 +: 64];
  wire        cmd_inbound   = cmd_flags[espnic_regs_pkg::CMD_FLAG_INBOUND];
  wire        cmd_replace  = cmd_flags[espnic_regs_pkg::CMD_FLAG_REPLACE];
  wire        cmd_clear = cmd_flags[espnic_regs_pkg::CMD_FLAG_CLEAR];
  wire [PAYLOAD_W-1:0] payload  = cmd_slot_q[8*espnic_regs_pkg::CMD_PAYLOAD +: PAYLOAD_W];

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
  // A soft lifetime above a hard one can never fire before it.
  function automatic logic lifetime_bad(input logic [63:0] s, input logic [63:0] h);
    lifetime_bad = s != 64'd0 && h != 64'd0 && s > h;
  endfunction
  function automatic logic prefix_bad(input logic [127:0] addr, input logic [127:0] mask);
    prefix_bad = (addr & ~mask) != 128'd0;
  endfunction

  espnic_pkg::sa_cfg_t new_sa;
  espnic_pkg::spd_rule_t new_rule;
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

  // The rule book: {enable, rule} by index, read through a register at the
  // index of the command (stable from its fetch on).
  localparam int SPD_IW   = $clog2(SPD_N);
  localparam int RULE_BOOK_W = 1 + $bits(new_rule);
  logic [RULE_BOOK_W-1:0] rule_book [SPD_N];
  logic [RULE_BOOK_W-1:0] rule_book_q;
  logic              rule_book_we;
  logic [SPD_IW-1:0]   rule_book_addr;
  logic [RULE_BOOK_W-1:0] rule_book_wdata;
  always_ff @(posedge clk_i) begin
    if (rule_book_we) rule_book[rule_book_addr] <= rule_book_wdata;
    rule_book_q <= rule_book[cmd_index[SPD_IW-1:0]];
  end
  espnic_pkg::spd_rule_t book_rule;
  logic              book_enable;
  assign {book_enable, book_rule} = rule_book_q;

  // CLS_WRITE: the table and the entry.
  localparam int CLS_RW  = espnic_pkg::CLS_RULE_W;
  wire [7:0]   cls_table = byte_at(payload, espnic_regs_pkg::CLS_TABLE);
  wire [511:0] cls_data  = payload[8*espnic_regs_pkg::CLS_DATA +: 512];
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
  logic [31:0] spd_gen_q;
  assign spd_gen_o = spd_gen_q;

  // The SA entry a command names, read from its table (S_SA_READ) before the
  // command is checked: a READ slot in the table's pipeline, answered two
  // cycles later.
  wire          sa_cmd = (cmd_opcode == espnic_regs_pkg::CMD_SA_ADD || cmd_opcode == espnic_regs_pkg::CMD_SA_UPDATE
                          || cmd_opcode == espnic_regs_pkg::CMD_SA_DELETE || cmd_opcode == espnic_regs_pkg::CMD_SA_QUERY)
                         && cmd_index < 16'(SA_N);
  logic         sa_read_sent_q;
  // (After reset the tables clear themselves first: sa_ready_i.)
  wire          sa_read_go  = state_q == S_SA_READ && sa_cmd && !sa_read_sent_q && sa_ready_i[cmd_inbound];
  wire          sa_read_rsp = sa_rsp_valid_i[cmd_inbound];
  espnic_pkg::sa_dyn_t      sa_rsp_dyn;
  espnic_pkg::sa_cfg_t      sa_rsp_cfg;
  assign sa_rsp_dyn = cmd_inbound ? sa_rsp_dyn_in_i : sa_rsp_dyn_eg_i;
  assign sa_rsp_cfg = cmd_inbound ? sa_rsp_cfg_in_i : sa_rsp_cfg_eg_i;
  logic         sa_enable_q;
  espnic_pkg::sa_cfg_t sa_cfg_q;
  espnic_pkg::sa_state_t sa_state_q;
  espnic_pkg::sa_counters_t sa_counters_q;
  always_ff @(posedge clk_i) begin
    if (state_q == S_SA_READ && sa_read_rsp) begin
      sa_enable_q  <= sa_rsp_dyn.enable;
      sa_cfg_q <= sa_rsp_cfg;
      sa_state_q  <= sa_rsp_dyn.st;
      sa_counters_q <= sa_rsp_dyn.cnt;
    end
  end

  // SA_UPDATE: the new configuration and what to set.
  wire [31:0] upd_mask = u32_at(payload, espnic_regs_pkg::UPD_MASK);
  wire        upd_set_lifetimes   = upd_mask[espnic_regs_pkg::UPD_SET_LIFETIMES];
  wire        upd_set_window   = upd_mask[espnic_regs_pkg::UPD_SET_REPLAY_WINDOW];
  wire        upd_set_seq  = upd_mask[espnic_regs_pkg::UPD_SET_SEQ];
  wire [63:0] upd_seq = u64_at(payload, espnic_regs_pkg::UPD_SEQ);
  espnic_pkg::sa_cfg_t upd_sa_cfg;
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
  // two registered steps so that no path runs from a payload field through
  // the whole cascade: every test of a field is a flag registered each cycle
  // (the payload is stable from the fetch on, the SA entry from the entry
  // into S_CHECK), and the status_d is a priority pick over the flags,
  // registered too. S_CHECK acts on its third cycle (check_wait_q).
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
  logic bad_sa_alg_q, bad_sa_field_q, bad_sa_spi_q, bad_upd_field_q, upd_seq_back_q;
  logic bad_rule_field_q, bad_rule_sa_q, bad_cls_field_q, bad_cls_index_q, bad_cls_sa_q;
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
    // A tag only on what an inbound tunnel SA delivers, VID 1..4094.
    bad_sa_field_q <= new_sa_flags[31:5] != 27'd0 || new_sa.spi < 32'd256 ||
                    (new_sa.vlan_en ? (!cmd_inbound || !new_sa.tunnel || new_sa.vlan == 12'd0 || new_sa.vlan == 12'hFFF)
                                     : new_sa.vlan != 12'd0) ||
                    payload[8*espnic_regs_pkg::SA_VLAN+12 +: 4] != 4'd0 ||
                    32'(u16_at(payload, espnic_regs_pkg::SA_REPLAY_WINDOW)) > espnic_pkg::REPLAY_MAX ||
                    lifetime_bad(new_sa.soft_bytes, new_sa.hard_bytes) ||
                    lifetime_bad(new_sa.soft_packets, new_sa.hard_packets) ||
                    prefix_bad(new_sa.sel_src.addr, new_sa.sel_src.mask) ||
                    prefix_bad(new_sa.sel_dst.addr, new_sa.sel_dst.mask);
    // Inbound lookups index the table with the SPI's low bits.
    bad_sa_spi_q   <= cmd_inbound && new_sa.spi[SA_IW-1:0] != cmd_index[SA_IW-1:0];
    // SA_UPDATE (the sequence number against the entry's)
    bad_upd_field_q <= upd_mask == 32'd0 || upd_mask[31:3] != 29'd0 ||
                     u16_at(payload, espnic_regs_pkg::UPD_REPLAY_WINDOW + 2) != 16'd0 ||
                     (upd_set_window && 32'(u16_at(payload, espnic_regs_pkg::UPD_REPLAY_WINDOW)) > espnic_pkg::REPLAY_MAX) ||
                     (upd_set_lifetimes && (lifetime_bad(u64_at(payload, espnic_regs_pkg::UPD_SOFT_BYTES), u64_at(payload, espnic_regs_pkg::UPD_HARD_BYTES)) ||
                                 lifetime_bad(u64_at(payload, espnic_regs_pkg::UPD_SOFT_PACKETS), u64_at(payload, espnic_regs_pkg::UPD_HARD_PACKETS))));
    upd_seq_back_q  <= upd_set_seq && upd_seq <= sa_state_q.seq;
    // SPD_ADD
    bad_rule_field_q <= payload[8*espnic_regs_pkg::SPD_FLAGS+3 +: 5] != 5'd0 || byte_at(payload, espnic_regs_pkg::SPD_ACTION + 1) != 8'd0 ||
                     payload[8*espnic_regs_pkg::SPD_VLAN+12 +: 4] != 4'd0 || (!new_rule.vlan_en && new_rule.vlan != 12'd0) ||
                     (new_rule.any_fam && (new_rule.v6 || new_rule.src.mask != '0 || new_rule.dst.mask != '0)) ||
                     byte_at(payload, espnic_regs_pkg::SPD_ACTION) > 8'(espnic_regs_pkg::ACT_PROTECT) ||
                     new_rule.sport_lo > new_rule.sport_hi ||
                     new_rule.dport_lo > new_rule.dport_hi ||
                     prefix_bad(new_rule.src.addr, new_rule.src.mask) ||
                     prefix_bad(new_rule.dst.addr, new_rule.dst.mask);
    bad_rule_sa_q   <= new_rule.action == espnic_regs_pkg::ACT_PROTECT && new_rule.sa >= 16'(SA_N);
    // CLS_WRITE
    bad_cls_field_q <= payload[8 +: 24] != 24'd0;
    bad_cls_index_q  <= cls_table > 8'(SPD_D + 3) || 17'(cmd_index) >= cls_limit;
    bad_cls_sa_q   <= cls_table == 8'(SPD_D + 1) && cls_rule_action == espnic_regs_pkg::ACT_PROTECT
                    && cls_rule_sa >= 16'(SA_N);
  end

  logic [7:0] status_d, status_q;
  always_comb begin
    status_d = espnic_regs_pkg::CMD_STATUS_OK;
    if (bad_opcode_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_OPCODE;
    else if (bad_header_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
    else begin
      case (cmd_opcode)
        espnic_regs_pkg::CMD_SA_ADD: begin
          if (bad_sa_index_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
          else if (sa_enable_q && !cmd_replace) status_d = espnic_regs_pkg::CMD_STATUS_EXISTS;
          else if (bad_sa_alg_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_ALG;
          else if (bad_sa_field_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
          else if (bad_sa_spi_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_SPI;
        end
        espnic_regs_pkg::CMD_SA_UPDATE: begin
          if (bad_sa_index_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
          else if (!sa_enable_q) status_d = espnic_regs_pkg::CMD_STATUS_NOT_FOUND;
          else if (bad_upd_field_q || upd_seq_back_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
        end
        espnic_regs_pkg::CMD_SA_DELETE: begin
          if (bad_sa_index_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
          else if (!sa_enable_q) status_d = espnic_regs_pkg::CMD_STATUS_NOT_FOUND;
        end
        espnic_regs_pkg::CMD_SA_QUERY:
          if (bad_sa_index_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        espnic_regs_pkg::CMD_SPD_ADD: begin
          if (bad_rule_index_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
          else if (book_enable && !cmd_replace) status_d = espnic_regs_pkg::CMD_STATUS_EXISTS;
          else if (bad_rule_field_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
          else if (bad_rule_sa_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        end
        espnic_regs_pkg::CMD_SPD_DELETE: begin
          if (bad_rule_index_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
          else if (!book_enable) status_d = espnic_regs_pkg::CMD_STATUS_NOT_FOUND;
        end
        espnic_regs_pkg::CMD_SPD_QUERY:
          if (bad_rule_index_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        espnic_regs_pkg::CMD_SA_LIST:
          if (bad_sa_list_index_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        espnic_regs_pkg::CMD_SPD_LIST:
          if (bad_rule_list_index_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        espnic_regs_pkg::CMD_CLS_WRITE: begin
          if (bad_cls_field_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
          else if (bad_cls_index_q || bad_cls_sa_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        end
        default:   // COUNTERS, RESET
          if (index_nonzero_q) status_d = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
      endcase
    end
  end
  logic [1:0] check_wait_q;            // S_CHECK: cycles until the status_d is registered
  always_ff @(posedge clk_i) status_q <= status_d;
  wire check_done = check_wait_q == 2'd0;
  wire cmd_ok = state_q == S_CHECK && check_done && status_q == espnic_regs_pkg::CMD_STATUS_OK;
  // A CLS_WRITE waits in S_CHECK until the classifier takes it.
  wire cls_write_ok  = cmd_ok && cmd_opcode == espnic_regs_pkg::CMD_CLS_WRITE;
  wire cls_write_wait = cls_write_ok && !cls_wr_ready_i;

  logic keyinit_done;
  logic [aes_gcm_pkg::HPOW_N*128-1:0] keyinit_hpow;   // entry i at [128i +: 128]
  logic unused_keyinit_busy;
  aes_gcm_keyinit #(.DATA_W(DATA_W)) u_keyinit (
    .clk_i, .rst_ni,
    .start_i(cmd_ok && cmd_opcode == espnic_regs_pkg::CMD_SA_ADD), .key256_i(new_sa.alg == espnic_regs_pkg::ALG_AES_GCM_256),
    .key_i(payload[8*espnic_regs_pkg::SA_KEY +: 256]),
    .busy_o(unused_keyinit_busy), .done_o(keyinit_done), .hpow_o(keyinit_hpow)
  );

  // Results (never key material).
  // (Blocks, not functions: yosys 0.23 reads no struct members inside a
  // function.) The SA_QUERY result of the entry a command names.
  logic [CPL_W-RESULT_LO-1:0] sa_query_image;
  always_comb begin
    sa_query_image = '0;
    sa_query_image[8*espnic_regs_pkg::SAQ_ENABLED +: 8]       = 8'(sa_enable_q);
    sa_query_image[8*espnic_regs_pkg::SAQ_ALG +: 8]           = 8'(sa_cfg_q.alg);
    sa_query_image[8*espnic_regs_pkg::SAQ_STATE +: 8]         = {5'd0, sa_state_q.wrap_fired, sa_state_q.hard_fired, sa_state_q.soft_fired};
    sa_query_image[8*espnic_regs_pkg::SAQ_SEL_PROTO +: 8]     = sa_cfg_q.sel_proto;
    sa_query_image[8*espnic_regs_pkg::SAQ_SPI +: 32]          = sa_cfg_q.spi;
    sa_query_image[8*espnic_regs_pkg::SAQ_FLAGS +: 32]        = 32'({sa_cfg_q.vlan_en, sa_cfg_q.sel_v6, sa_cfg_q.esn, sa_cfg_q.udp_encap, sa_cfg_q.tunnel});
    sa_query_image[8*espnic_regs_pkg::SAQ_VLAN +: 16]         = 16'(sa_cfg_q.vlan);
    sa_query_image[8*espnic_regs_pkg::SAQ_REPLAY_WINDOW +: 16] = 16'(sa_cfg_q.replay_window);
    sa_query_image[8*espnic_regs_pkg::SAQ_UDP_SPORT +: 16]    = sa_cfg_q.udp_sport;
    sa_query_image[8*espnic_regs_pkg::SAQ_UDP_DPORT +: 16]    = sa_cfg_q.udp_dport;
    sa_query_image[8*espnic_regs_pkg::SAQ_LOCAL +: 32]        = sa_cfg_q.local_v4;
    sa_query_image[8*espnic_regs_pkg::SAQ_REMOTE +: 32]       = sa_cfg_q.remote_v4;
    sa_query_image[8*espnic_regs_pkg::SAQ_SEQ +: 64]          = sa_state_q.seq;
    sa_query_image[8*espnic_regs_pkg::SAQ_PACKETS +: 64]      = sa_counters_q.packets;
    sa_query_image[8*espnic_regs_pkg::SAQ_BYTES +: 64]        = sa_counters_q.bytes;
    for (int i = 0; i < espnic_regs_pkg::DROP_N; i++) sa_query_image[8*(espnic_regs_pkg::SAQ_DROPS + 8*i) +: 64] = sa_counters_q.drops[i];
    sa_query_image[8*espnic_regs_pkg::SAQ_SOFT_BYTES +: 64]   = sa_cfg_q.soft_bytes;
    sa_query_image[8*espnic_regs_pkg::SAQ_HARD_BYTES +: 64]   = sa_cfg_q.hard_bytes;
    sa_query_image[8*espnic_regs_pkg::SAQ_SOFT_PACKETS +: 64] = sa_cfg_q.soft_packets;
    sa_query_image[8*espnic_regs_pkg::SAQ_HARD_PACKETS +: 64] = sa_cfg_q.hard_packets;
    sa_query_image[8*espnic_regs_pkg::SAQ_SEL_SRC_ADDR +: 128] = sa_cfg_q.sel_src.addr;
    sa_query_image[8*espnic_regs_pkg::SAQ_SEL_SRC_MASK +: 128] = sa_cfg_q.sel_src.mask;
    sa_query_image[8*espnic_regs_pkg::SAQ_SEL_DST_ADDR +: 128] = sa_cfg_q.sel_dst.addr;
    sa_query_image[8*espnic_regs_pkg::SAQ_MSS_CLAMP +: 16]    = sa_cfg_q.mss_clamp;
    sa_query_image[8*espnic_regs_pkg::SAQ_SEL_DST_MASK +: 128] = sa_cfg_q.sel_dst.mask;
  end

  // The SPD_QUERY result of the rule a command names.
  logic [CPL_W-RESULT_LO-1:0] rule_query_image;
  always_comb begin
    rule_query_image = '0;
    rule_query_image[8*espnic_regs_pkg::SPDQ_ENABLED +: 8]   = 8'(book_enable);
    rule_query_image[8*espnic_regs_pkg::SPD_FLAGS +: 8]      = {5'd0, book_rule.vlan_en, book_rule.any_fam, book_rule.v6};
    rule_query_image[8*espnic_regs_pkg::SPD_VLAN +: 16]      = {4'd0, book_rule.vlan};
    rule_query_image[8*espnic_regs_pkg::SPD_PROTO +: 8]      = book_rule.proto;
    rule_query_image[8*espnic_regs_pkg::SPD_ACTION +: 8]     = 8'(book_rule.action);
    rule_query_image[8*espnic_regs_pkg::SPD_SA +: 16]        = book_rule.sa;
    rule_query_image[8*espnic_regs_pkg::SPD_SPORT_LO +: 16]  = book_rule.sport_lo;
    rule_query_image[8*espnic_regs_pkg::SPD_SPORT_HI +: 16]  = book_rule.sport_hi;
    rule_query_image[8*espnic_regs_pkg::SPD_DPORT_LO +: 16]  = book_rule.dport_lo;
    rule_query_image[8*espnic_regs_pkg::SPD_DPORT_HI +: 16]  = book_rule.dport_hi;
    rule_query_image[8*espnic_regs_pkg::SPD_SRC_ADDR +: 128] = book_rule.src.addr;
    rule_query_image[8*espnic_regs_pkg::SPD_SRC_MASK +: 128] = book_rule.src.mask;
    rule_query_image[8*espnic_regs_pkg::SPD_DST_ADDR +: 128] = book_rule.dst.addr;
    rule_query_image[8*espnic_regs_pkg::SPD_DST_MASK +: 128] = book_rule.dst.mask;
  end

  logic [CPL_W-RESULT_LO-1:0] counters_image;
  always_comb begin
    counters_image = '0;
    for (int i = 0; i < espnic_regs_pkg::PORT_COUNTERS; i++) counters_image[8*espnic_regs_pkg::CNTR_FIRST + 64*i +: 64] = counters_i[64*i +: 64];
  end

  // Which slots are in use: set by a successful add (an SA once its key is
  // written), cleared by a delete, all cleared by RESET. SA_LIST and
  // SPD_LIST read LIST_WORDS words of one map (S_LIST), shifted into the
  // result as they come.
  logic [5:0]  list_word_q;                 // S_LIST: next word to read
  logic        list_valid_q;                 // S_LIST: a word read last cycle
  wire         list_rd   = state_q == S_LIST && 32'(list_word_q) < LIST_WORDS;
  wire [15:0]  list_addr = {5'd0, cmd_index[15:5]} + 16'(list_word_q);
  wire         map_clear = cmd_ok && cmd_opcode == espnic_regs_pkg::CMD_RESET;
  wire         sa_set    = state_q == S_KEY_INIT && keyinit_done;
  wire         sa_clr    = cmd_ok && cmd_opcode == espnic_regs_pkg::CMD_SA_DELETE;
  wire         rule_set  = cmd_ok && cmd_opcode == espnic_regs_pkg::CMD_SPD_ADD;
  wire         rule_clr  = cmd_ok && cmd_opcode == espnic_regs_pkg::CMD_SPD_DELETE;
  logic [2:0]  map_ready, map_bit_ready;    // [0] outbound SAs, [1] inbound SAs, [2] rules
  logic [31:0] map_word_out, map_word_in, map_word_rule;
  wire         maps_ready = &map_ready && &map_bit_ready;
  assign busy_o = state_q != S_IDLE || sa_ready_i != 2'b11 || !maps_ready;
  ctrl_slot_map #(.N(SA_N)) u_map_sa_out (
    .clk_i, .rst_ni, .clear_i(map_clear), .ready_o(map_ready[0]),
    .bit_we_i((sa_set || sa_clr) && !cmd_inbound), .bit_idx_i(cmd_index), .bit_val_i(sa_set),
    .bit_ready_o(map_bit_ready[0]),
    .rd_i(list_rd && cmd_opcode == espnic_regs_pkg::CMD_SA_LIST && !cmd_inbound), .rd_addr_i(list_addr),
    .rd_data_o(map_word_out)
  );
  ctrl_slot_map #(.N(SA_N)) u_map_sa_in (
    .clk_i, .rst_ni, .clear_i(map_clear), .ready_o(map_ready[1]),
    .bit_we_i((sa_set || sa_clr) && cmd_inbound), .bit_idx_i(cmd_index), .bit_val_i(sa_set),
    .bit_ready_o(map_bit_ready[1]),
    .rd_i(list_rd && cmd_opcode == espnic_regs_pkg::CMD_SA_LIST && cmd_inbound), .rd_addr_i(list_addr),
    .rd_data_o(map_word_in)
  );
  ctrl_slot_map #(.N(SPD_N)) u_map_rule (
    .clk_i, .rst_ni, .clear_i(map_clear), .ready_o(map_ready[2]),
    .bit_we_i(rule_set || rule_clr), .bit_idx_i(cmd_index), .bit_val_i(rule_set),
    .bit_ready_o(map_bit_ready[2]),
    .rd_i(list_rd && cmd_opcode == espnic_regs_pkg::CMD_SPD_LIST), .rd_addr_i(list_addr),
    .rd_data_o(map_word_rule)
  );
  // (The map not read answers 0.)
  wire [31:0] map_word = map_word_out | map_word_in | map_word_rule;

  // Table reads and writes.
  // RESET walks both SA tables at once (sa_req_both_o), the rule book alongside.
  always_comb begin
    sa_req_valid_o       = 1'b0;
    sa_req_inbound_o     = cmd_inbound;
    sa_req_both_o        = 1'b0;
    sa_req_o             = '0;
    sa_req_o.op          = espnic_pkg::SA_OP_WRITE;
    sa_req_o.index       = cmd_index;
    sa_req_o.enable      = 1'b1;
    sa_req_o.cfg         = new_sa;
    sa_req_o.seq         = u64_at(payload, espnic_regs_pkg::SA_SEQ);
    spd_wr_valid_o   = 1'b0;
    spd_wr_enable_o  = 1'b1;
    spd_wr_rule_o    = new_rule;
    rule_book_we     = 1'b0;
    rule_book_addr   = cmd_index[SPD_IW-1:0];
    rule_book_wdata  = {1'b1, new_rule};
    cls_wr_valid_o   = walk_cls_clear_i;
    cls_wr_table_o   = 4'(SPD_D + 3);
    cls_wr_addr_o    = cmd_index;
    cls_wr_data_o    = cls_data;
    if (sa_read_go) begin
      sa_req_valid_o   = 1'b1;
      sa_req_o.op      = espnic_pkg::SA_OP_READ;
    end else if (state_q == S_KEY_INIT && keyinit_done) begin
      sa_req_valid_o    = 1'b1;
      sa_req_o.key.key  = payload[8*espnic_regs_pkg::SA_KEY +: 256];
      sa_req_o.key.salt = u32_at(payload, espnic_regs_pkg::SA_SALT);
      sa_req_o.key.hpow = keyinit_hpow;
    end else if (state_q == S_RESET_WALK) begin
      sa_req_valid_o   = walk_sa_clear_i;
      sa_req_both_o    = 1'b1;
      sa_req_o.index   = walk_index_i;
      sa_req_o.enable  = 1'b0;
      sa_req_o.cfg     = '0;
      sa_req_o.seq     = '0;
      rule_book_we     = walk_book_clear_i;
      rule_book_addr   = walk_index_i[SPD_IW-1:0];
      rule_book_wdata  = '0;
    end else if (cmd_ok) begin
      case (cmd_opcode)
        espnic_regs_pkg::CMD_SA_UPDATE: begin
          sa_req_valid_o   = 1'b1;
          sa_req_o.op      = espnic_pkg::SA_OP_UPDATE;
          sa_req_o.cfg     = upd_sa_cfg;
          sa_req_o.seq     = upd_seq;
          sa_req_o.set_seq = upd_set_seq;
          sa_req_o.rearm   = upd_set_lifetimes;
        end
        espnic_regs_pkg::CMD_SA_DELETE: begin
          sa_req_valid_o   = 1'b1;
          sa_req_o.enable  = 1'b0;
          sa_req_o.cfg     = '0;
          sa_req_o.seq     = '0;
        end
        espnic_regs_pkg::CMD_SPD_ADD: begin
          spd_wr_valid_o = 1'b1;
          rule_book_we        = 1'b1;
        end
        espnic_regs_pkg::CMD_SPD_DELETE: begin
          spd_wr_valid_o  = 1'b1;
          spd_wr_enable_o = 1'b0;
          spd_wr_rule_o   = '0;
          rule_book_we         = 1'b1;
          rule_book_wdata         = '0;
        end
        espnic_regs_pkg::CMD_CLS_WRITE: begin
          cls_wr_valid_o = 1'b1;
          cls_wr_table_o = cls_table[3:0];
        end
        default: ;
      endcase
    end
  end


  // ------------------------------------------------------ the state machine
  wire cmd_start    = cmd_pending_i && cpl_room_i && maps_ready;      // S_IDLE: a command to take
  wire fetch_done   = fetch_valid_q && 32'(fetched_word_q) == FETCH_W - 1;
  wire sa_read_done = !sa_cmd || sa_read_rsp;                       // the entry is here (or none needed)
  wire check_end    = check_done && !cls_write_wait;                 // the status is known and acted on
  wire list_done    = !list_rd && !list_valid_q;
  wire cpl_last     = cpl_word_q + 8'd1 == cpl_words_q;

  always_comb begin
    state_d = state_q;
    case (state_q)
      S_IDLE:       if (cmd_start) state_d = S_FETCH;
      S_FETCH:      if (fetch_done) state_d = S_SA_READ;
      S_SA_READ:    if (sa_read_done) state_d = S_CHECK;
      S_CHECK:
        if (check_end) begin
          state_d = S_COMPLETE;
          if (status_q == espnic_regs_pkg::CMD_STATUS_OK)
            case (cmd_opcode)
              espnic_regs_pkg::CMD_SA_ADD:  state_d = S_KEY_INIT;
              espnic_regs_pkg::CMD_SA_LIST,
              espnic_regs_pkg::CMD_SPD_LIST: state_d = S_LIST;
              espnic_regs_pkg::CMD_RESET:   state_d = S_RESET_WALK;
              default: ;
            endcase
        end
      S_KEY_INIT:   if (keyinit_done) state_d = S_COMPLETE;
      S_LIST:       if (list_done) state_d = S_COMPLETE;
      S_RESET_WALK: if (walk_done_i) state_d = S_COMPLETE;
      S_COMPLETE:   if (cpl_last) state_d = S_IDLE;
      default:      state_d = S_IDLE;
    endcase
  end

  assign engine_o         = state_q != S_IDLE;
  assign cmd_taken_o      = state_q == S_FETCH && fetch_done;         // the slot is free again
  assign cpl_we_o         = state_q == S_COMPLETE;
  assign cpl_word_o       = cpl_word_q[CPL_WB-1:0];
  assign cpl_wdata_o      = cpl_image_q[32*cpl_word_q +: 32];
  assign cpl_done_o       = state_q == S_COMPLETE && cpl_last;
  assign walk_start_o     = cmd_ok && cmd_opcode == espnic_regs_pkg::CMD_RESET;
  assign walk_active_o    = state_q == S_RESET_WALK;
  assign counters_clear_o = cmd_ok && cmd_opcode == espnic_regs_pkg::CMD_COUNTERS && cmd_clear;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q        <= S_IDLE;
      fetch_valid_q  <= 1'b0;
      list_valid_q   <= 1'b0;
      cmd_slot_q     <= '0;
      spd_gen_q      <= '0;
    end else begin
      state_q <= state_d;
      // SPD changes (RESET sets the count back to 0).
      if (cmd_ok && (cmd_opcode == espnic_regs_pkg::CMD_SPD_ADD || cmd_opcode == espnic_regs_pkg::CMD_SPD_DELETE))
        spd_gen_q <= spd_gen_q + 32'd1;
      if (cls_write_ok && cls_wr_ready_i && cls_table == 8'(SPD_D + 2))
        spd_gen_q <= spd_gen_q + 32'd1;
      if (walk_done_i) spd_gen_q <= '0;

      fetch_valid_q  <= fetch_rd;
      list_valid_q   <= list_rd;
      fetched_word_q <= fetch_word_q[CMD_WB-1:0];
      if (fetch_valid_q) cmd_slot_q[32*fetched_word_q +: 32] <= fetch_data_i;
      case (state_q)
        S_IDLE:
          if (cmd_start) begin
            fetch_word_q <= '0;
            cmd_no_q     <= cmd_cons_i;
          end
        S_FETCH: begin
          if (fetch_rd) fetch_word_q <= fetch_word_q + FETCH_WORD_ONE;
          if (fetch_done) sa_read_sent_q <= 1'b0;
        end
        S_SA_READ: begin
          if (sa_read_go) sa_read_sent_q <= 1'b1;
          if (sa_read_done) check_wait_q <= 2'd2;
        end
        S_CHECK: if (!check_done) check_wait_q <= check_wait_q - 2'd1;
        else if (!cls_write_wait) begin
          cpl_image_q <= '0;
          cpl_image_q[8*espnic_regs_pkg::CPL_TAG +: 32]    <= cmd_tag;
          cpl_image_q[8*espnic_regs_pkg::CPL_STATUS +: 8]  <= status_q;
          cpl_image_q[8*espnic_regs_pkg::CPL_OPCODE +: 8]  <= cmd_opcode;
          cpl_image_q[8*espnic_regs_pkg::CPL_INDEX +: 16]  <= cmd_index;
          cpl_image_q[8*espnic_regs_pkg::CPL_CMD_NO +: 16] <= cmd_no_q;
          cpl_word_q  <= '0;
          cpl_words_q <= CPL_WORDS_HDR;
          if (status_q == espnic_regs_pkg::CMD_STATUS_OK) begin
            case (cmd_opcode)
              espnic_regs_pkg::CMD_SA_QUERY: begin
                cpl_image_q[CPL_W-1:RESULT_LO] <= sa_query_image;
                cpl_words_q <= CPL_WORDS_SA_QUERY;
              end
              espnic_regs_pkg::CMD_SPD_QUERY: begin
                cpl_image_q[CPL_W-1:RESULT_LO] <= rule_query_image;
                cpl_words_q <= CPL_WORDS_RULE_QUERY;
              end
              espnic_regs_pkg::CMD_SA_LIST, espnic_regs_pkg::CMD_SPD_LIST: begin
                list_word_q <= '0;
                cpl_words_q <= CPL_WORDS_LIST;
              end
              espnic_regs_pkg::CMD_COUNTERS: begin
                cpl_image_q[CPL_W-1:RESULT_LO] <= counters_image;
                cpl_words_q <= CPL_WORDS_COUNTERS;
              end
              default: ;
            endcase
          end
        end
        S_LIST: begin
          if (list_rd) list_word_q <= list_word_q + 6'd1;
          if (list_valid_q)
            cpl_image_q[LIST_LO +: 32*LIST_WORDS] <= {map_word, cpl_image_q[LIST_LO+32 +: 32*(LIST_WORDS-1)]};
        end
        S_COMPLETE: begin
          cmd_slot_q <= '0;                              // no key stays behind
          cpl_word_q <= cpl_word_q + 8'd1;
        end
        default: ;
      endcase
    end
  end

  // Payload bytes no layout defines, header reserved bits checked above.
  logic unused_ok;
  assign unused_ok = ^{payload, unused_keyinit_busy};
endmodule
