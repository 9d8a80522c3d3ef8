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
// The states (one-hot, st_q; next state st_d), each decision registered
// before the cycle that acts on it (the opcode decoded into flags, the
// check's status as status_ok_q, S_CHECK's acting cycle as check_act_q), so
// that no path runs from the state through a decode into the completion
// image, the next state or the tables' write enables:
//   S_IDLE       wait for a command and a free completion entry
//   S_FETCH      read (and clear) the slot's header and longest payload
//   S_SA_READ    SA commands: read the entry the command names
//   S_CHECK      register the field checks, then the status (third cycle)
//   S_KEY_INIT   SA_ADD: derive the GHASH key powers, write the entry
//   S_LIST       SA_LIST, SPD_LIST: read the slot map words
//   S_RESET_WALK RESET: clear every SA and rule (ctrl_reset_walk)
//   S_COMPLETE   write the completion, word by word (the image shifts by a
//                word a cycle: the ring's data is its low word, no multiplexer)
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

  // The tables, as espnic_ctrl's ports: the SA tables (a request to either
  // or both, the answer to a read from each), the SPD rule writes and the
  // classifier's write port.
  input  logic [1:0]    sa_ready_i,
  output logic          sa_req_valid_o,
  output logic          sa_req_inbound_o,
  output logic          sa_req_both_o,
  output espnic_pkg::sa_req_t sa_req_o,
  input  logic [1:0]    sa_rsp_valid_i,
  input  espnic_pkg::sa_cfg_t sa_rsp_cfg_eg_i,
  input  espnic_pkg::sa_cfg_t sa_rsp_cfg_in_i,
  input  espnic_pkg::sa_dyn_t sa_rsp_dyn_eg_i,
  input  espnic_pkg::sa_dyn_t sa_rsp_dyn_in_i,
  output logic          spd_wr_valid_o,
  output logic          spd_wr_enable_o,
  output espnic_pkg::spd_rule_t spd_wr_rule_o,
  output logic          cls_wr_valid_o,
  input  logic          cls_wr_ready_i,
  output logic [3:0]    cls_wr_table_o,
  output logic [15:0]   cls_wr_addr_o,
  output logic [511:0]  cls_wr_data_o
);
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

  // The states, one-hot (st_q[S_x]).
  localparam int S_IDLE = 0, S_FETCH = 1, S_SA_READ = 2, S_CHECK = 3, S_KEY_INIT = 4,
                 S_RESET_WALK = 5, S_LIST = 6, S_COMPLETE = 7, S_N = 8;
  logic [S_N-1:0]    st_q, st_d;
  localparam logic [CMD_WB:0] FETCH_WORD_ONE = 1;
  logic [CMD_WB:0]   fetch_word_q;      // next word to read (fetch), up to FETCH_W
  logic              fetch_left_q;      // fetch_word_q < FETCH_W (the host's write only waits the fetch)
  logic              fetch_valid_q;     // fetch_data_i holds word fetched_word_q
  logic [CMD_WB-1:0] fetched_word_q;
  logic [SLOT_W-1:0] cmd_slot_q;        // the command being executed (bytes as in the slot)
  logic [15:0]       cmd_no_q;          // its ring position
  logic [CPL_W-1:0]  cpl_image_q;       // the completion being written (S_COMPLETE: from its next word on)
  logic [7:0]        cpl_words_q;       // its words
  logic [7:0]        cpl_word_q;        // next word to write
  logic              cpl_last_q;        // S_COMPLETE: cpl_word_q is the last word

  wire fetch_rd = st_q[S_FETCH] && fetch_left_q && !host_cmd_we_i;
  assign fetch_rd_o   = fetch_rd;
  assign fetch_word_o = fetch_word_q[CMD_WB-1:0];

  // Command header and payload (payload byte k at payload[8k +: 8]).
  wire [7:0]  cmd_opcode    = cmd_slot_q[8*espnic_regs_pkg::CMD_OPCODE +: 8];
  wire [7:0]  cmd_flags = cmd_slot_q[8*espnic_regs_pkg::CMD_FLAGS +: 8];
  wire [15:0] cmd_index = cmd_slot_q[8*espnic_regs_pkg::CMD_INDEX +: 16];
  wire [31:0] cmd_tag   = cmd_slot_q[8*espnic_regs_pkg::CMD_TAG +: 32];
  wire [63:0] cmd_reserved  = cmd_slot_q[64 +: 64];
  wire        cmd_inbound   = cmd_flags[espnic_regs_pkg::CMD_FLAG_INBOUND];
  wire        cmd_clear = cmd_flags[espnic_regs_pkg::CMD_FLAG_CLEAR];
  wire [PAYLOAD_W-1:0] payload  = cmd_slot_q[8*espnic_regs_pkg::CMD_PAYLOAD +: PAYLOAD_W];
  // The header decoded into flags, registered each cycle (ctrl_cmd_check).
  // The header's words are the first the fetch reads (FETCH_W of them, one a
  // cycle), so from S_SA_READ on the flags are the command's; S_COMPLETE
  // clears the slot, which no state after it reads.
  logic op_sa_add_q, op_sa_update_q, op_sa_delete_q, op_spd_add_q, op_spd_delete_q, op_cls_write_q;
  logic op_sa_query_q, op_spd_query_q, op_sa_list_q, op_spd_list_q, op_list_q, op_counters_q, op_reset_q;
  logic sa_cmd_q;                       // an SA command within the table: S_SA_READ reads the entry
  // Its fields, decoded, and its status (ctrl_cmd_check, below).
  espnic_pkg::sa_cfg_t   new_sa, upd_sa_cfg;
  espnic_pkg::spd_rule_t new_rule;
  logic [63:0]  new_sa_seq, upd_seq;
  logic [255:0] new_sa_key;
  logic [31:0]  new_sa_salt;
  logic         upd_set_seq, upd_set_lifetimes;
  logic [7:0]   cls_table;
  logic [511:0] cls_data;
  logic [7:0]   status_q;
  logic         status_ok_q;            // status_q == CMD_STATUS_OK

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

  logic [31:0] spd_gen_q;
  assign spd_gen_o = spd_gen_q;

  // The SA entry a command names, read from its table (S_SA_READ) before the
  // command is checked: a READ slot in the table's pipeline, answered two
  // cycles later (three for the inbound table: its control slots wait a cycle).
  logic         sa_read_sent_q;
  // (After reset the tables clear themselves first: sa_ready_i.)
  wire          sa_read_go  = st_q[S_SA_READ] && sa_cmd_q && !sa_read_sent_q && sa_ready_i[cmd_inbound];
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
    if (st_q[S_SA_READ] && sa_read_rsp) begin
      sa_enable_q  <= sa_rsp_dyn.enable;
      sa_cfg_q <= sa_rsp_cfg;
      sa_state_q  <= sa_rsp_dyn.st;
      sa_counters_q <= sa_rsp_dyn.cnt;
    end
  end

  // The command's fields, decoded, and its check (status_q).
  ctrl_cmd_check #(.SA_N(SA_N), .SPD_N(SPD_N), .SPD_D(SPD_D)) u_check (
    .clk_i, .cmd_opcode, .cmd_flags, .cmd_index, .cmd_reserved, .payload,
    .sa_enable_q, .sa_cfg_q, .sa_seq_q(sa_state_q.seq), .book_enable,
    .new_sa, .new_sa_seq, .new_sa_key, .new_sa_salt, .new_rule,
    .upd_sa_cfg, .upd_seq, .upd_set_seq, .upd_set_lifetimes, .cls_table, .cls_data,
    .op_sa_add_q, .op_sa_update_q, .op_sa_delete_q, .op_sa_query_q, .op_spd_add_q, .op_spd_delete_q,
    .op_spd_query_q, .op_sa_list_q, .op_spd_list_q, .op_list_q, .op_counters_q, .op_reset_q, .op_cls_write_q,
    .sa_cmd_q, .status_q, .status_ok_q
  );

  logic [1:0] check_wait_q;            // S_CHECK: cycles until status_q is the command's
  logic       check_act_q;             // S_CHECK with check_wait_q == 0: the status is the command's
  wire cmd_ok = check_act_q && status_ok_q;
  // A CLS_WRITE waits in S_CHECK until the classifier takes it.
  wire cls_write_ok  = cmd_ok && op_cls_write_q;
  wire cls_write_wait = cls_write_ok && !cls_wr_ready_i;
  wire check_go = check_act_q && !cls_write_wait;                   // S_CHECK's last cycle
  logic cls_swap_q;                    // CLS_WRITE of the swap (an SPD change)
  always_ff @(posedge clk_i) cls_swap_q <= cls_table == 8'(SPD_D + 2);

  logic keyinit_done;
  logic [aes_gcm_pkg::HPOW_N*128-1:0] keyinit_hpow;   // entry i at [128i +: 128]
  logic unused_keyinit_busy;
  aes_gcm_keyinit #(.DATA_W(DATA_W)) u_keyinit (
    .clk_i, .rst_ni,
    .start_i(cmd_ok && op_sa_add_q), .key256_i(new_sa.alg == espnic_regs_pkg::ALG_AES_GCM_256),
    .key_i(new_sa_key),
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
  wire         list_rd   = st_q[S_LIST] && 32'(list_word_q) < LIST_WORDS;
  wire [15:0]  list_addr = {5'd0, cmd_index[15:5]} + 16'(list_word_q);
  wire         map_clear = cmd_ok && op_reset_q;
  wire         sa_set    = st_q[S_KEY_INIT] && keyinit_done;
  wire         sa_clr    = cmd_ok && op_sa_delete_q;
  wire         rule_set  = cmd_ok && op_spd_add_q;
  wire         rule_clr  = cmd_ok && op_spd_delete_q;
  logic [2:0]  map_ready, map_bit_ready;    // [0] outbound SAs, [1] inbound SAs, [2] rules
  logic [31:0] map_word_out, map_word_in, map_word_rule;
  wire         maps_ready = &map_ready && &map_bit_ready;
  assign busy_o = !st_q[S_IDLE] || sa_ready_i != 2'b11 || !maps_ready;
  ctrl_slot_map #(.N(SA_N)) u_map_sa_out (
    .clk_i, .rst_ni, .clear_i(map_clear), .ready_o(map_ready[0]),
    .bit_we_i((sa_set || sa_clr) && !cmd_inbound), .bit_idx_i(cmd_index), .bit_val_i(sa_set),
    .bit_ready_o(map_bit_ready[0]),
    .rd_i(list_rd && op_sa_list_q && !cmd_inbound), .rd_addr_i(list_addr),
    .rd_data_o(map_word_out)
  );
  ctrl_slot_map #(.N(SA_N)) u_map_sa_in (
    .clk_i, .rst_ni, .clear_i(map_clear), .ready_o(map_ready[1]),
    .bit_we_i((sa_set || sa_clr) && cmd_inbound), .bit_idx_i(cmd_index), .bit_val_i(sa_set),
    .bit_ready_o(map_bit_ready[1]),
    .rd_i(list_rd && op_sa_list_q && cmd_inbound), .rd_addr_i(list_addr),
    .rd_data_o(map_word_in)
  );
  ctrl_slot_map #(.N(SPD_N)) u_map_rule (
    .clk_i, .rst_ni, .clear_i(map_clear), .ready_o(map_ready[2]),
    .bit_we_i(rule_set || rule_clr), .bit_idx_i(cmd_index), .bit_val_i(rule_set),
    .bit_ready_o(map_bit_ready[2]),
    .rd_i(list_rd && op_spd_list_q), .rd_addr_i(list_addr),
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
    sa_req_o.seq         = new_sa_seq;
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
    end else if (st_q[S_KEY_INIT] && keyinit_done) begin
      sa_req_valid_o    = 1'b1;
      sa_req_o.key.key  = new_sa_key;
      sa_req_o.key.salt = new_sa_salt;
      sa_req_o.key.hpow = keyinit_hpow;
    end else if (st_q[S_RESET_WALK]) begin
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
      // (one opcode flag at a time)
      if (op_sa_update_q) begin
        sa_req_valid_o   = 1'b1;
        sa_req_o.op      = espnic_pkg::SA_OP_UPDATE;
        sa_req_o.cfg     = upd_sa_cfg;
        sa_req_o.seq     = upd_seq;
        sa_req_o.set_seq = upd_set_seq;
        sa_req_o.rearm   = upd_set_lifetimes;
      end
      if (op_sa_delete_q) begin
        sa_req_valid_o   = 1'b1;
        sa_req_o.enable  = 1'b0;
        sa_req_o.cfg     = '0;
        sa_req_o.seq     = '0;
      end
      if (op_spd_add_q) begin
        spd_wr_valid_o = 1'b1;
        rule_book_we   = 1'b1;
      end
      if (op_spd_delete_q) begin
        spd_wr_valid_o  = 1'b1;
        spd_wr_enable_o = 1'b0;
        spd_wr_rule_o   = '0;
        rule_book_we    = 1'b1;
        rule_book_wdata = '0;
      end
      if (op_cls_write_q) begin
        cls_wr_valid_o = 1'b1;
        cls_wr_table_o = cls_table[3:0];
      end
    end
  end


  // ------------------------------------------------------ the state machine
  wire cmd_start    = cmd_pending_i && cpl_room_i && maps_ready;      // S_IDLE: a command to take
  wire fetch_done   = fetch_valid_q && 32'(fetched_word_q) == FETCH_W - 1;
  wire sa_read_done = !sa_cmd_q || sa_read_rsp;                     // the entry is here (or none needed)
  wire list_done    = !list_rd && !list_valid_q;
  // S_CHECK's successor: a command that passed goes on to its work, if it has any.
  wire go_key_init  = check_go && status_ok_q && op_sa_add_q;
  wire go_list      = check_go && status_ok_q && op_list_q;
  wire go_walk      = check_go && status_ok_q && op_reset_q;

  always_comb begin
    st_d = '0;
    st_d[S_IDLE]       = st_q[S_IDLE] && !cmd_start || st_q[S_COMPLETE] && cpl_last_q;
    st_d[S_FETCH]      = st_q[S_IDLE] && cmd_start || st_q[S_FETCH] && !fetch_done;
    st_d[S_SA_READ]    = st_q[S_FETCH] && fetch_done || st_q[S_SA_READ] && !sa_read_done;
    st_d[S_CHECK]      = st_q[S_SA_READ] && sa_read_done || st_q[S_CHECK] && !check_go;
    st_d[S_KEY_INIT]   = go_key_init || st_q[S_KEY_INIT] && !keyinit_done;
    st_d[S_LIST]       = go_list || st_q[S_LIST] && !list_done;
    st_d[S_RESET_WALK] = go_walk || st_q[S_RESET_WALK] && !walk_done_i;
    st_d[S_COMPLETE]   = check_go && !go_key_init && !go_list && !go_walk
                         || st_q[S_KEY_INIT] && keyinit_done || st_q[S_LIST] && list_done
                         || st_q[S_RESET_WALK] && walk_done_i || st_q[S_COMPLETE] && !cpl_last_q;
  end

  assign engine_o         = !st_q[S_IDLE];
  assign cmd_taken_o      = st_q[S_FETCH] && fetch_done;             // the slot is free again
  assign cpl_we_o         = st_q[S_COMPLETE];
  assign cpl_word_o       = cpl_word_q[CPL_WB-1:0];
  assign cpl_wdata_o      = cpl_image_q[31:0];
  assign cpl_done_o       = st_q[S_COMPLETE] && cpl_last_q;
  assign walk_start_o     = cmd_ok && op_reset_q;
  assign walk_active_o    = st_q[S_RESET_WALK];
  assign counters_clear_o = cmd_ok && op_counters_q && cmd_clear;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      st_q           <= '0;
      st_q[S_IDLE]   <= 1'b1;
      check_act_q    <= 1'b0;
      fetch_valid_q  <= 1'b0;
      list_valid_q   <= 1'b0;
      cmd_slot_q     <= '0;
      spd_gen_q      <= '0;
    end else begin
      st_q <= st_d;
      // S_CHECK's acting cycle comes after check_wait_q's 1 and lasts while a CLS_WRITE waits.
      check_act_q <= st_q[S_CHECK] && (check_wait_q == 2'd1 || check_act_q && cls_write_wait);
      // SPD changes (RESET sets the count back to 0).
      if (cmd_ok && (op_spd_add_q || op_spd_delete_q))
        spd_gen_q <= spd_gen_q + 32'd1;
      if (cls_write_ok && cls_wr_ready_i && cls_swap_q)
        spd_gen_q <= spd_gen_q + 32'd1;
      if (walk_done_i) spd_gen_q <= '0;

      fetch_valid_q  <= fetch_rd;
      list_valid_q   <= list_rd;
      fetched_word_q <= fetch_word_q[CMD_WB-1:0];
      if (fetch_valid_q) cmd_slot_q[32*fetched_word_q +: 32] <= fetch_data_i;
      if (st_q[S_IDLE] && cmd_start) begin
        fetch_word_q <= '0;
        fetch_left_q <= 1'b1;
        cmd_no_q     <= cmd_cons_i;
      end
      if (st_q[S_FETCH]) begin
        if (fetch_rd) begin
          fetch_word_q <= fetch_word_q + FETCH_WORD_ONE;
          fetch_left_q <= 32'(fetch_word_q) < FETCH_W - 1;
        end
        if (fetch_done) sa_read_sent_q <= 1'b0;
      end
      if (st_q[S_SA_READ]) begin
        if (sa_read_go) sa_read_sent_q <= 1'b1;
        if (sa_read_done) check_wait_q <= 2'd2;
      end
      if (st_q[S_CHECK] && check_wait_q != 2'd0) check_wait_q <= check_wait_q - 2'd1;
      // The completion, in S_CHECK's acting cycle (in each while a CLS_WRITE
      // waits: the same values). The result goes by the opcode alone: a
      // completion whose status is not OK is its header words only.
      if (check_act_q) begin
        cpl_image_q <= '0;
        cpl_image_q[8*espnic_regs_pkg::CPL_TAG +: 32]    <= cmd_tag;
        cpl_image_q[8*espnic_regs_pkg::CPL_STATUS +: 8]  <= status_q;
        cpl_image_q[8*espnic_regs_pkg::CPL_OPCODE +: 8]  <= cmd_opcode;
        cpl_image_q[8*espnic_regs_pkg::CPL_INDEX +: 16]  <= cmd_index;
        cpl_image_q[8*espnic_regs_pkg::CPL_CMD_NO +: 16] <= cmd_no_q;
        // (one opcode flag at a time)
        if (op_sa_query_q)  cpl_image_q[CPL_W-1:RESULT_LO] <= sa_query_image;
        if (op_spd_query_q) cpl_image_q[CPL_W-1:RESULT_LO] <= rule_query_image;
        if (op_counters_q)  cpl_image_q[CPL_W-1:RESULT_LO] <= counters_image;
        cpl_word_q  <= '0;
        cpl_last_q  <= 1'b0;                           // (a completion has CPL_WORDS_HDR > 1 words)
        list_word_q <= '0;
        cpl_words_q <= CPL_WORDS_HDR;
        if (status_ok_q) begin
          if (op_sa_query_q)  cpl_words_q <= CPL_WORDS_SA_QUERY;
          if (op_spd_query_q) cpl_words_q <= CPL_WORDS_RULE_QUERY;
          if (op_list_q)      cpl_words_q <= CPL_WORDS_LIST;
          if (op_counters_q)  cpl_words_q <= CPL_WORDS_COUNTERS;
        end
      end
      if (st_q[S_LIST]) begin
        if (list_rd) list_word_q <= list_word_q + 6'd1;
        if (list_valid_q)
          cpl_image_q[LIST_LO +: 32*LIST_WORDS] <= {map_word, cpl_image_q[LIST_LO+32 +: 32*(LIST_WORDS-1)]};
      end
      if (st_q[S_COMPLETE]) begin
        cmd_slot_q  <= '0;                              // no key stays behind
        cpl_word_q  <= cpl_word_q + 8'd1;
        cpl_last_q  <= cpl_word_q + 8'd2 == cpl_words_q;
        cpl_image_q <= {32'd0, cpl_image_q[CPL_W-1:32]};  // the next word to cpl_wdata_o
      end
    end
  end

  logic unused_ok;
  // (the SA's sequence-end and wrap warning flags are the data path's, not reported)
  assign unused_ok = ^{unused_keyinit_busy, sa_state_q.seq_end_esn, sa_state_q.seq_end_32,
                       sa_state_q.seq_warn_esn, sa_state_q.seq_warn_32};
endmodule
