// espnic_ctrl: the card's control path. Registers and three rings in BAR0
// (on-card memory). The host writes commands into the command ring and rings
// the doorbell (CMD_PROD); the command engine takes them in order, copies the
// defined part of a slot out (clearing it: slots may hold keys), checks it (a malformed or
// impossible command changes nothing), executes it on the SA and SPD tables of
// the two pipelines (a new SA's GHASH key powers come from aes_gcm_keyinit)
// and writes one completion per command into the completion ring, only into
// a free entry. The SPD is two things here: the rule book (SPD_ADD, SPD_DELETE,
// SPD_QUERY: the rules by index as the host gave them, in RAM) and the
// egress classifier's tables, which the host's compiler writes (CLS_WRITE);
// SPD_GEN counts their changes. Which SA and rule slots are in use is also
// kept as bitmaps (ctrl_slot_map) for SA_LIST and SPD_LIST. Events of the pipelines go to the event ring; a full ring
// counts the loss (EV_LOST) and raises INT_EV_OVERFLOW. No read returns key
// material. Offsets and layouts: espnic_regs_pkg (rtl/regs/espnic_regs.yaml).
module espnic_ctrl
#(
  parameter int          DATA_W    = 512,
  parameter int          SA_N      = 1024,
  parameter int          SPD_N     = 1024,    // SPD rules (rule book entries, classifier rule slots)
  parameter int          SPD_L     = 8,       // classifier rules per leaf (CLS_GEOM)
  parameter int          SPD_D     = 8,       // classifier tree levels (CLS_GEOM)
  parameter int          MAX_FRAME = 2048,
  parameter logic [31:0] BUILD_ID  = 32'h0
) (
  input  logic          clk_i,
  input  logic          rst_ni,

  // register access (32-bit words; read data is valid the cycle after re)
  input  logic          reg_we_i,
  input  logic          reg_re_i,
  input  logic [15:0]   reg_addr_i,
  input  logic [31:0]   reg_wdata_i,
  output logic [31:0]   reg_rdata_o,

  output logic [15:0]   mtu_o,
  output logic          default_discard_o,

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

  // (One port per pipeline: yosys 0.23 takes no unpacked array ports and no
  // packed arrays of structs.)
  input  logic [1:0]    sa_rsp_valid_i,    // [0] outbound, [1] inbound
  input  espnic_pkg::sa_cfg_t sa_rsp_cfg_eg_i,
  input  espnic_pkg::sa_cfg_t sa_rsp_cfg_in_i,
  input  espnic_pkg::sa_dyn_t sa_rsp_dyn_eg_i,
  input  espnic_pkg::sa_dyn_t sa_rsp_dyn_in_i,

  // events from the pipelines: [0] egress, [1] ingress
  input  logic [1:0]    event_valid_i,
  output logic [1:0]    event_ready_o,
  input  espnic_pkg::event_t event_eg_i,
  input  espnic_pkg::event_t event_in_i,

  input  logic [espnic_regs_pkg::PORT_COUNTERS*64-1:0] port_counters_i,   // counter i at [64i +: 64]

  output logic          irq_o,             // INT_STATUS & ~INT_MASK
  output logic          busy_o,            // a command running, or the tables not ready
  output logic          event_pending_o    // the event ring is not empty
);
  localparam int SAW      = $clog2(SA_N);
  localparam int SLOT_W   = espnic_regs_pkg::CMD_RING_SLOT_BYTES * 8;       // a command slot, bits
  localparam int CMD_WPS  = espnic_regs_pkg::CMD_RING_SLOT_BYTES / 4;       // words per slot
  localparam int CMD_SB   = $clog2(espnic_regs_pkg::CMD_RING_SLOTS);
  localparam int CMD_WB   = $clog2(CMD_WPS);
  localparam int CMD_AW   = CMD_SB + CMD_WB;
  // Words of a slot the engine reads (and clears): the header and the longest payload.
  localparam int PL_MAX0  = espnic_regs_pkg::SA_LAYOUT_BYTES > espnic_regs_pkg::SPD_LAYOUT_BYTES ?
                            (espnic_regs_pkg::SA_LAYOUT_BYTES > espnic_regs_pkg::UPD_LAYOUT_BYTES ? espnic_regs_pkg::SA_LAYOUT_BYTES : espnic_regs_pkg::UPD_LAYOUT_BYTES) :
                            (espnic_regs_pkg::SPD_LAYOUT_BYTES > espnic_regs_pkg::UPD_LAYOUT_BYTES ? espnic_regs_pkg::SPD_LAYOUT_BYTES : espnic_regs_pkg::UPD_LAYOUT_BYTES);
  localparam int PL_MAX   = PL_MAX0 > espnic_regs_pkg::CLS_LAYOUT_BYTES ? PL_MAX0 : espnic_regs_pkg::CLS_LAYOUT_BYTES;
  localparam int FETCH_W  = (espnic_regs_pkg::CMD_PAYLOAD + PL_MAX + 3) / 4;
  localparam int CPL_WPS  = espnic_regs_pkg::CPL_RING_SLOT_BYTES / 4;
  localparam int CPL_SB   = $clog2(espnic_regs_pkg::CPL_RING_SLOTS);
  localparam int CPL_WB   = $clog2(CPL_WPS);
  localparam int CPL_AW   = CPL_SB + CPL_WB;
  localparam int EV_SB    = $clog2(espnic_regs_pkg::EV_RING_SLOTS);
  localparam int EV_BITS  = 8 * espnic_regs_pkg::EVE_LAYOUT_BYTES; // defined bytes of an event
  localparam int PL_W     = (espnic_regs_pkg::CMD_LAYOUT_BYTES - espnic_regs_pkg::CMD_PAYLOAD) * 8;  // payload bits
  localparam int CPL_W    = espnic_regs_pkg::CPL_LAYOUT_BYTES * 8;
  localparam int RES      = espnic_regs_pkg::CPL_RESULT * 8;                      // result bit offset
  // Words of a completion: header only, or header and result.
  localparam logic [7:0] CW_HDR  = 8'(espnic_regs_pkg::CPL_RESULT / 4);
  localparam logic [7:0] CW_SAQ  = 8'((espnic_regs_pkg::CPL_RESULT + espnic_regs_pkg::SAQ_LAYOUT_BYTES + 3) / 4);
  localparam logic [7:0] CW_SPDQ = 8'((espnic_regs_pkg::CPL_RESULT + espnic_regs_pkg::SPDQ_LAYOUT_BYTES + 3) / 4);
  localparam logic [7:0] CW_CNT  = 8'((espnic_regs_pkg::CPL_RESULT + espnic_regs_pkg::CNTR_LAYOUT_BYTES + 3) / 4);
  localparam logic [7:0] CW_LIST = 8'((espnic_regs_pkg::CPL_RESULT + espnic_regs_pkg::LIST_LAYOUT_BYTES + 3) / 4);
  localparam int LIST_WORDS = espnic_regs_pkg::LIST_LAYOUT_BYTES / 4;              // map words per listing
  localparam int LIST_LO    = RES + 8 * espnic_regs_pkg::LIST_BITMAP;              // the bitmap's bit 0

  // ------------------------------------------------------ host registers
  logic [15:0] mtu_q;
  logic        discard_q;
  logic [15:0] cmd_prod_q, cmd_cons_q, cpl_prod_q, cpl_cons_q, ev_prod_q, ev_cons_q;
  logic [31:0] ev_lost_q;
  logic [3:0]  int_q, int_mask_q, int_set;
  logic [2:0]  err_q, err_set, err_set_q;
  logic [espnic_regs_pkg::PORT_COUNTERS*64-1:0] cnt_base_q, cnt_rel;   // counter i at [64i +: 64]

  assign mtu_o             = mtu_q;
  assign default_discard_o = discard_q;
  assign irq_o             = |(int_q & ~int_mask_q);
  assign event_pending_o   = ev_prod_q != ev_cons_q;

  // The counters since the last clear, registered (a 64-bit subtraction,
  // then the read multiplexer, would not fit one cycle): what the host reads
  // is one cycle old, and a clear moves the base by exactly what it reported.
  always_ff @(posedge clk_i)
    for (int i = 0; i < espnic_regs_pkg::PORT_COUNTERS; i++) cnt_rel[64*i +: 64] <= port_counters_i[64*i +: 64] - cnt_base_q[64*i +: 64];

  wire [15:0] w16      = reg_wdata_i[15:0];
  wire [15:0] cmd_off  = reg_addr_i - espnic_regs_pkg::REG_CMD_RING;
  wire [15:0] cpl_off  = reg_addr_i - espnic_regs_pkg::REG_CPL_RING;
  wire [15:0] ev_off   = reg_addr_i - espnic_regs_pkg::REG_EV_RING;
  wire [15:0] cnt_off  = reg_addr_i - espnic_regs_pkg::REG_COUNTERS;
  wire        in_cmd   = reg_addr_i >= espnic_regs_pkg::REG_CMD_RING &&
                         32'(cmd_off) < espnic_regs_pkg::CMD_RING_SLOTS * espnic_regs_pkg::CMD_RING_SLOT_BYTES;
  wire        in_cpl   = reg_addr_i >= espnic_regs_pkg::REG_CPL_RING &&
                         32'(cpl_off) < espnic_regs_pkg::CPL_RING_SLOTS * espnic_regs_pkg::CPL_RING_SLOT_BYTES;
  wire        in_ev    = reg_addr_i >= espnic_regs_pkg::REG_EV_RING &&
                         32'(ev_off) < espnic_regs_pkg::EV_RING_SLOTS * espnic_regs_pkg::EV_RING_SLOT_BYTES;
  wire        in_cnt   = reg_addr_i >= espnic_regs_pkg::REG_COUNTERS &&
                         reg_addr_i < espnic_regs_pkg::REG_COUNTERS + 16'(8 * espnic_regs_pkg::PORT_COUNTERS);
  wire        host_cmd_we = reg_we_i && in_cmd;
  wire        wr_reg   = reg_we_i;

  // ------------------------------------------------------ rings (on-card memory)
  logic [31:0] cmd_mem [espnic_regs_pkg::CMD_RING_SLOTS * CMD_WPS];
  logic [31:0] cpl_mem [espnic_regs_pkg::CPL_RING_SLOTS * CPL_WPS];
  logic [EV_BITS-1:0] ev_mem [espnic_regs_pkg::EV_RING_SLOTS];

  // ------------------------------------------------------ command engine
  typedef enum logic [2:0] {S_IDLE, S_FETCH, S_SARD, S_CHECK, S_KEY, S_RESET, S_LIST, S_CPL} state_e;
  state_e            state_q;
  localparam logic [CMD_WB:0] FK_ONE = 1;
  logic [CMD_WB:0]   fk_q;        // next word to read (fetch), up to FETCH_W
  logic              rv_q;        // cmd_rd_q holds word rw_q
  logic [CMD_WB-1:0] rw_q;
  logic [31:0]       cmd_rd_q;
  logic [SLOT_W-1:0] slot_q;      // the command being executed (bytes as in the slot)
  logic [15:0]       cur_no_q;    // its ring position
  logic [CPL_W-1:0]  cpl_img_q;   // the completion being written
  logic [7:0]        cw_n_q;      // its words
  logic [7:0]        cw_q;        // next word to write
  logic [15:0]       walk_q;      // RESET: index being cleared

  wire              fetch_go = state_q == S_FETCH && 32'(fk_q) < FETCH_W && !host_cmd_we;
  wire [CMD_AW-1:0] eng_ra   = {cmd_cons_q[CMD_SB-1:0], fk_q[CMD_WB-1:0]};

  always_ff @(posedge clk_i) begin
    if (host_cmd_we) cmd_mem[cmd_off[CMD_AW+1:2]] <= reg_wdata_i;
    else if (fetch_go) cmd_mem[eng_ra] <= 32'd0;           // clear as it is read
    if (fetch_go) cmd_rd_q <= cmd_mem[eng_ra];
  end

  // Command header and payload (payload byte k at pl[8k +: 8]).
  wire [7:0]  h_op    = slot_q[8*espnic_regs_pkg::CMD_OPCODE +: 8];
  wire [7:0]  h_flags = slot_q[8*espnic_regs_pkg::CMD_FLAGS +: 8];
  wire [15:0] h_index = slot_q[8*espnic_regs_pkg::CMD_INDEX +: 16];
  wire [31:0] h_tag   = slot_q[8*espnic_regs_pkg::CMD_TAG +: 32];
  wire [63:0] h_rsvd  = slot_q[64 +: 64];
  wire        h_inb   = h_flags[espnic_regs_pkg::CMD_FLAG_INBOUND];
  wire        h_repl  = h_flags[espnic_regs_pkg::CMD_FLAG_REPLACE];
  wire        h_clear = h_flags[espnic_regs_pkg::CMD_FLAG_CLEAR];
  wire [PL_W-1:0] pl  = slot_q[8*espnic_regs_pkg::CMD_PAYLOAD +: PL_W];

  function automatic logic [7:0] pb(input logic [PL_W-1:0] p, input int k);
    pb = p[8*k +: 8];
  endfunction
  function automatic logic [15:0] p16(input logic [PL_W-1:0] p, input int k);
    p16 = p[8*k +: 16];
  endfunction
  function automatic logic [31:0] p32(input logic [PL_W-1:0] p, input int k);
    p32 = p[8*k +: 32];
  endfunction
  function automatic logic [63:0] p64(input logic [PL_W-1:0] p, input int k);
    p64 = p[8*k +: 64];
  endfunction
  function automatic logic [127:0] p128(input logic [PL_W-1:0] p, input int k);
    p128 = p[8*k +: 128];
  endfunction
  // A soft lifetime above a hard one can never fire before it.
  function automatic logic lt_bad(input logic [63:0] s, input logic [63:0] h);
    lt_bad = s != 64'd0 && h != 64'd0 && s > h;
  endfunction
  function automatic logic pfx_bad(input logic [127:0] addr, input logic [127:0] mask);
    pfx_bad = (addr & ~mask) != 128'd0;
  endfunction

  espnic_pkg::sa_cfg_t desc_sa;
  espnic_pkg::spd_rule_t desc_rule;
  logic [31:0] sa_flags;
  always_comb begin
    sa_flags = p32(pl, espnic_regs_pkg::SA_FLAGS);
    desc_sa = '0;
    desc_sa.spi           = p32(pl, espnic_regs_pkg::SA_SPI);
    desc_sa.tunnel        = sa_flags[espnic_regs_pkg::SA_FLAG_TUNNEL];
    desc_sa.udp_encap     = sa_flags[espnic_regs_pkg::SA_FLAG_UDP];
    desc_sa.esn           = sa_flags[espnic_regs_pkg::SA_FLAG_ESN];
    desc_sa.sel_v6        = sa_flags[espnic_regs_pkg::SA_FLAG_SEL_V6];
    desc_sa.vlan_en       = sa_flags[espnic_regs_pkg::SA_FLAG_VLAN];
    desc_sa.vlan          = pl[8*espnic_regs_pkg::SA_VLAN +: 12];
    desc_sa.alg           = pl[8*espnic_regs_pkg::SA_ALG +: 4];
    desc_sa.sel_proto     = pb(pl, espnic_regs_pkg::SA_SEL_PROTO);
    desc_sa.replay_window = pl[8*espnic_regs_pkg::SA_REPLAY_WINDOW +: espnic_pkg::REPLAY_W_W];
    desc_sa.udp_sport     = p16(pl, espnic_regs_pkg::SA_UDP_SPORT);
    desc_sa.udp_dport     = p16(pl, espnic_regs_pkg::SA_UDP_DPORT);
    desc_sa.local_v4      = p32(pl, espnic_regs_pkg::SA_LOCAL);
    desc_sa.remote_v4     = p32(pl, espnic_regs_pkg::SA_REMOTE);
    desc_sa.soft_bytes    = p64(pl, espnic_regs_pkg::SA_SOFT_BYTES);
    desc_sa.hard_bytes    = p64(pl, espnic_regs_pkg::SA_HARD_BYTES);
    desc_sa.soft_packets  = p64(pl, espnic_regs_pkg::SA_SOFT_PACKETS);
    desc_sa.hard_packets  = p64(pl, espnic_regs_pkg::SA_HARD_PACKETS);
    desc_sa.sel_src.addr  = p128(pl, espnic_regs_pkg::SA_SEL_SRC_ADDR);
    desc_sa.sel_src.mask  = p128(pl, espnic_regs_pkg::SA_SEL_SRC_MASK);
    desc_sa.sel_dst.addr  = p128(pl, espnic_regs_pkg::SA_SEL_DST_ADDR);
    desc_sa.sel_dst.mask  = p128(pl, espnic_regs_pkg::SA_SEL_DST_MASK);
    desc_sa.mss_clamp     = p16(pl, espnic_regs_pkg::SA_MSS_CLAMP);

    desc_rule = '0;
    desc_rule.v6       = pl[8*espnic_regs_pkg::SPD_FLAGS];
    desc_rule.any_fam  = pl[8*espnic_regs_pkg::SPD_FLAGS + 1];
    desc_rule.vlan_en  = pl[8*espnic_regs_pkg::SPD_FLAGS + 2];
    desc_rule.vlan     = pl[8*espnic_regs_pkg::SPD_VLAN +: 12];
    desc_rule.proto    = pb(pl, espnic_regs_pkg::SPD_PROTO);
    desc_rule.action   = pl[8*espnic_regs_pkg::SPD_ACTION +: 2];
    desc_rule.sa       = p16(pl, espnic_regs_pkg::SPD_SA);
    desc_rule.sport_lo = p16(pl, espnic_regs_pkg::SPD_SPORT_LO);
    desc_rule.sport_hi = p16(pl, espnic_regs_pkg::SPD_SPORT_HI);
    desc_rule.dport_lo = p16(pl, espnic_regs_pkg::SPD_DPORT_LO);
    desc_rule.dport_hi = p16(pl, espnic_regs_pkg::SPD_DPORT_HI);
    desc_rule.src.addr = p128(pl, espnic_regs_pkg::SPD_SRC_ADDR);
    desc_rule.src.mask = p128(pl, espnic_regs_pkg::SPD_SRC_MASK);
    desc_rule.dst.addr = p128(pl, espnic_regs_pkg::SPD_DST_ADDR);
    desc_rule.dst.mask = p128(pl, espnic_regs_pkg::SPD_DST_MASK);
  end

  // The rule book: {enable, rule} by index, read through a register at the
  // index of the command (stable from its fetch on).
  localparam int SPDW   = $clog2(SPD_N);
  localparam int BOOK_W = 1 + $bits(desc_rule);
  logic [BOOK_W-1:0] book [SPD_N];
  logic [BOOK_W-1:0] book_q;
  logic              book_we;
  logic [SPDW-1:0]   book_wa;
  logic [BOOK_W-1:0] book_wd;
  always_ff @(posedge clk_i) begin
    if (book_we) book[book_wa] <= book_wd;
    book_q <= book[h_index[SPDW-1:0]];
  end
  espnic_pkg::spd_rule_t spd_rd_rule;
  logic              spd_rd_enable;
  assign {spd_rd_enable, spd_rd_rule} = book_q;

  // CLS_WRITE: the table and the entry.
  localparam int CLS_RW  = espnic_pkg::CLS_RULE_W;
  wire [7:0]   cls_table = pb(pl, espnic_regs_pkg::CLS_TABLE);
  wire [511:0] cls_data  = pl[8*espnic_regs_pkg::CLS_DATA +: 512];
  wire [1:0]   cls_r_action = cls_data[CLS_RW-18 +: 2];     // cls_rule_t {index, action, sa, ...}
  wire [15:0]  cls_r_sa     = cls_data[CLS_RW-34 +: 16];
  logic [16:0] cls_limit;                                    // entries in the table
  always_comb begin
    if (cls_table == 8'd0)                    cls_limit = 17'd2;
    else if (cls_table < 8'(SPD_D))           cls_limit = 17'(2 ** (SPDW + 1));   // as esp_egress sizes them
    else if (cls_table == 8'(SPD_D))          cls_limit = 17'(2 ** (SPDW + 1));
    else if (cls_table == 8'(SPD_D + 1))      cls_limit = 17'(SPD_N);
    else                                      cls_limit = 17'd1;   // swap, clear
  end
  logic [31:0] spd_gen_q;
  logic        cls_clear_q;     // RESET: the classifier's clear is still to be written

  // The SA entry a command names, read from its table (S_SARD) before the
  // command is checked: a READ slot in the table's pipeline, answered two
  // cycles later.
  wire          sa_cmd = (h_op == espnic_regs_pkg::CMD_SA_ADD || h_op == espnic_regs_pkg::CMD_SA_UPDATE
                          || h_op == espnic_regs_pkg::CMD_SA_DELETE || h_op == espnic_regs_pkg::CMD_SA_QUERY)
                         && h_index < 16'(SA_N);
  logic         sard_sent_q;
  // (After reset the tables clear themselves first: sa_ready_i.)
  wire          sard_go  = state_q == S_SARD && sa_cmd && !sard_sent_q && sa_ready_i[h_inb];
  wire          sard_rsp = sa_rsp_valid_i[h_inb];
  espnic_pkg::sa_dyn_t      rsp_dyn;
  espnic_pkg::sa_cfg_t      rsp_cfg;
  assign rsp_dyn = h_inb ? sa_rsp_dyn_in_i : sa_rsp_dyn_eg_i;
  assign rsp_cfg = h_inb ? sa_rsp_cfg_in_i : sa_rsp_cfg_eg_i;
  logic         cur_en;
  espnic_pkg::sa_cfg_t cur_cfg;
  espnic_pkg::sa_state_t cur_st;
  espnic_pkg::sa_counters_t cur_cnt;
  always_ff @(posedge clk_i) begin
    if (state_q == S_SARD && sard_rsp) begin
      cur_en  <= rsp_dyn.enable;
      cur_cfg <= rsp_cfg;
      cur_st  <= rsp_dyn.st;
      cur_cnt <= rsp_dyn.cnt;
    end
  end

  // SA_UPDATE: the new configuration and what to set.
  wire [31:0] upd_mask = p32(pl, espnic_regs_pkg::UPD_MASK);
  wire        upd_lt   = upd_mask[espnic_regs_pkg::UPD_SET_LIFETIMES];
  wire        upd_rw   = upd_mask[espnic_regs_pkg::UPD_SET_REPLAY_WINDOW];
  wire        upd_seq  = upd_mask[espnic_regs_pkg::UPD_SET_SEQ];
  wire [63:0] upd_seq_v = p64(pl, espnic_regs_pkg::UPD_SEQ);
  espnic_pkg::sa_cfg_t upd_cfg;
  always_comb begin
    upd_cfg = cur_cfg;
    if (upd_rw) upd_cfg.replay_window = pl[8*espnic_regs_pkg::UPD_REPLAY_WINDOW +: espnic_pkg::REPLAY_W_W];
    if (upd_lt) begin
      upd_cfg.soft_bytes   = p64(pl, espnic_regs_pkg::UPD_SOFT_BYTES);
      upd_cfg.hard_bytes   = p64(pl, espnic_regs_pkg::UPD_HARD_BYTES);
      upd_cfg.soft_packets = p64(pl, espnic_regs_pkg::UPD_SOFT_PACKETS);
      upd_cfg.hard_packets = p64(pl, espnic_regs_pkg::UPD_HARD_PACKETS);
    end
  end

  // Validation: CMD_STATUS_OK or the reason the command changes nothing, in
  // two registered steps so that no path runs from a payload field through
  // the whole cascade: every test of a field is a flag registered each cycle
  // (the payload is stable from the fetch on, the SA entry from the entry
  // into S_CHECK), and the status is a priority pick over the flags,
  // registered too. S_CHECK acts on its third cycle (chk_q).
  logic [7:0] allowed;
  always_comb begin
    case (h_op)
      espnic_regs_pkg::CMD_SA_ADD: allowed = 8'((1 << espnic_regs_pkg::CMD_FLAG_INBOUND) | (1 << espnic_regs_pkg::CMD_FLAG_REPLACE));
      espnic_regs_pkg::CMD_SA_UPDATE, espnic_regs_pkg::CMD_SA_DELETE,
      espnic_regs_pkg::CMD_SA_QUERY,
      espnic_regs_pkg::CMD_SA_LIST: allowed = 8'(1 << espnic_regs_pkg::CMD_FLAG_INBOUND);
      espnic_regs_pkg::CMD_SPD_ADD: allowed = 8'(1 << espnic_regs_pkg::CMD_FLAG_REPLACE);
      espnic_regs_pkg::CMD_COUNTERS: allowed = 8'(1 << espnic_regs_pkg::CMD_FLAG_CLEAR);
      default:                    allowed = 8'd0;
    endcase
  end
  logic f_op_bad_q, f_hdr_bad_q, f_sa_idx_q, f_spd_idx_q, f_sa_list_q, f_spd_list_q, f_idx_nz_q;
  logic f_sa_alg_q, f_sa_field_q, f_sa_spi_q, f_upd_field_q, f_upd_seq_q;
  logic f_spd_field_q, f_spd_sa_q, f_cls_field_q, f_cls_idx_q, f_cls_sa_q;
  always_ff @(posedge clk_i) begin
    f_op_bad_q   <= h_op == 8'd0 || 32'(h_op) > espnic_regs_pkg::CMD_MAX;
    f_hdr_bad_q  <= h_rsvd != 64'd0 || (h_flags & ~allowed) != 8'd0;
    f_sa_idx_q   <= h_index >= 16'(SA_N);
    f_spd_idx_q  <= h_index >= 16'(SPD_N);
    f_sa_list_q  <= h_index >= 16'(SA_N) || h_index[4:0] != 5'd0;
    f_spd_list_q <= h_index >= 16'(SPD_N) || h_index[4:0] != 5'd0;
    f_idx_nz_q   <= h_index != 16'd0;
    // SA_ADD
    f_sa_alg_q   <= pb(pl, espnic_regs_pkg::SA_ALG) != 8'(espnic_regs_pkg::ALG_AES_GCM_128)
                    && pb(pl, espnic_regs_pkg::SA_ALG) != 8'(espnic_regs_pkg::ALG_AES_GCM_256);
    // A tag only on what an inbound tunnel SA delivers, VID 1..4094.
    f_sa_field_q <= sa_flags[31:5] != 27'd0 || desc_sa.spi < 32'd256 ||
                    (desc_sa.vlan_en ? (!h_inb || !desc_sa.tunnel || desc_sa.vlan == 12'd0 || desc_sa.vlan == 12'hFFF)
                                     : desc_sa.vlan != 12'd0) ||
                    pl[8*espnic_regs_pkg::SA_VLAN+12 +: 4] != 4'd0 ||
                    32'(p16(pl, espnic_regs_pkg::SA_REPLAY_WINDOW)) > espnic_pkg::REPLAY_MAX ||
                    lt_bad(desc_sa.soft_bytes, desc_sa.hard_bytes) ||
                    lt_bad(desc_sa.soft_packets, desc_sa.hard_packets) ||
                    pfx_bad(desc_sa.sel_src.addr, desc_sa.sel_src.mask) ||
                    pfx_bad(desc_sa.sel_dst.addr, desc_sa.sel_dst.mask);
    // Inbound lookups index the table with the SPI's low bits.
    f_sa_spi_q   <= h_inb && desc_sa.spi[SAW-1:0] != h_index[SAW-1:0];
    // SA_UPDATE (the sequence number against the entry's)
    f_upd_field_q <= upd_mask == 32'd0 || upd_mask[31:3] != 29'd0 ||
                     p16(pl, espnic_regs_pkg::UPD_REPLAY_WINDOW + 2) != 16'd0 ||
                     (upd_rw && 32'(p16(pl, espnic_regs_pkg::UPD_REPLAY_WINDOW)) > espnic_pkg::REPLAY_MAX) ||
                     (upd_lt && (lt_bad(p64(pl, espnic_regs_pkg::UPD_SOFT_BYTES), p64(pl, espnic_regs_pkg::UPD_HARD_BYTES)) ||
                                 lt_bad(p64(pl, espnic_regs_pkg::UPD_SOFT_PACKETS), p64(pl, espnic_regs_pkg::UPD_HARD_PACKETS))));
    f_upd_seq_q  <= upd_seq && upd_seq_v <= cur_st.seq;
    // SPD_ADD
    f_spd_field_q <= pl[8*espnic_regs_pkg::SPD_FLAGS+3 +: 5] != 5'd0 || pb(pl, espnic_regs_pkg::SPD_ACTION + 1) != 8'd0 ||
                     pl[8*espnic_regs_pkg::SPD_VLAN+12 +: 4] != 4'd0 || (!desc_rule.vlan_en && desc_rule.vlan != 12'd0) ||
                     (desc_rule.any_fam && (desc_rule.v6 || desc_rule.src.mask != '0 || desc_rule.dst.mask != '0)) ||
                     pb(pl, espnic_regs_pkg::SPD_ACTION) > 8'(espnic_regs_pkg::ACT_PROTECT) ||
                     desc_rule.sport_lo > desc_rule.sport_hi ||
                     desc_rule.dport_lo > desc_rule.dport_hi ||
                     pfx_bad(desc_rule.src.addr, desc_rule.src.mask) ||
                     pfx_bad(desc_rule.dst.addr, desc_rule.dst.mask);
    f_spd_sa_q   <= desc_rule.action == espnic_regs_pkg::ACT_PROTECT && desc_rule.sa >= 16'(SA_N);
    // CLS_WRITE
    f_cls_field_q <= pl[8 +: 24] != 24'd0;
    f_cls_idx_q  <= cls_table > 8'(SPD_D + 3) || 17'(h_index) >= cls_limit;
    f_cls_sa_q   <= cls_table == 8'(SPD_D + 1) && cls_r_action == espnic_regs_pkg::ACT_PROTECT
                    && cls_r_sa >= 16'(SA_N);
  end

  logic [7:0] status, status_q;
  always_comb begin
    status = espnic_regs_pkg::CMD_STATUS_OK;
    if (f_op_bad_q) status = espnic_regs_pkg::CMD_STATUS_BAD_OPCODE;
    else if (f_hdr_bad_q) status = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
    else begin
      case (h_op)
        espnic_regs_pkg::CMD_SA_ADD: begin
          if (f_sa_idx_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
          else if (cur_en && !h_repl) status = espnic_regs_pkg::CMD_STATUS_EXISTS;
          else if (f_sa_alg_q) status = espnic_regs_pkg::CMD_STATUS_BAD_ALG;
          else if (f_sa_field_q) status = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
          else if (f_sa_spi_q) status = espnic_regs_pkg::CMD_STATUS_BAD_SPI;
        end
        espnic_regs_pkg::CMD_SA_UPDATE: begin
          if (f_sa_idx_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
          else if (!cur_en) status = espnic_regs_pkg::CMD_STATUS_NOT_FOUND;
          else if (f_upd_field_q || f_upd_seq_q) status = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
        end
        espnic_regs_pkg::CMD_SA_DELETE: begin
          if (f_sa_idx_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
          else if (!cur_en) status = espnic_regs_pkg::CMD_STATUS_NOT_FOUND;
        end
        espnic_regs_pkg::CMD_SA_QUERY:
          if (f_sa_idx_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        espnic_regs_pkg::CMD_SPD_ADD: begin
          if (f_spd_idx_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
          else if (spd_rd_enable && !h_repl) status = espnic_regs_pkg::CMD_STATUS_EXISTS;
          else if (f_spd_field_q) status = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
          else if (f_spd_sa_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        end
        espnic_regs_pkg::CMD_SPD_DELETE: begin
          if (f_spd_idx_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
          else if (!spd_rd_enable) status = espnic_regs_pkg::CMD_STATUS_NOT_FOUND;
        end
        espnic_regs_pkg::CMD_SPD_QUERY:
          if (f_spd_idx_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        espnic_regs_pkg::CMD_SA_LIST:
          if (f_sa_list_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        espnic_regs_pkg::CMD_SPD_LIST:
          if (f_spd_list_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        espnic_regs_pkg::CMD_CLS_WRITE: begin
          if (f_cls_field_q) status = espnic_regs_pkg::CMD_STATUS_BAD_FIELD;
          else if (f_cls_idx_q || f_cls_sa_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
        end
        default:   // COUNTERS, RESET
          if (f_idx_nz_q) status = espnic_regs_pkg::CMD_STATUS_BAD_INDEX;
      endcase
    end
  end
  logic [1:0] chk_q;            // S_CHECK: cycles until the status is registered
  always_ff @(posedge clk_i) status_q <= status;
  wire chk_done = chk_q == 2'd0;
  wire ok = state_q == S_CHECK && chk_done && status_q == espnic_regs_pkg::CMD_STATUS_OK;
  // A CLS_WRITE waits in S_CHECK until the classifier takes it.
  wire cls_cmd  = ok && h_op == espnic_regs_pkg::CMD_CLS_WRITE;
  wire cls_wait = cls_cmd && !cls_wr_ready_i;

  logic kinit_done;
  logic [aes_gcm_pkg::HPOW_N*128-1:0] kinit_hpow;   // entry i at [128i +: 128]
  logic unused_kinit_busy;
  aes_gcm_keyinit #(.DATA_W(DATA_W)) u_keyinit (
    .clk_i, .rst_ni,
    .start_i(ok && h_op == espnic_regs_pkg::CMD_SA_ADD), .key256_i(desc_sa.alg == espnic_regs_pkg::ALG_AES_GCM_256),
    .key_i(pl[8*espnic_regs_pkg::SA_KEY +: 256]),
    .busy_o(unused_kinit_busy), .done_o(kinit_done), .hpow_o(kinit_hpow)
  );

  // Results (never key material).
  // (Blocks, not functions: yosys 0.23 reads no struct members inside a
  // function.) The SA_QUERY result of the entry a command names.
  logic [CPL_W-RES-1:0] sa_img;
  always_comb begin
    sa_img = '0;
    sa_img[8*espnic_regs_pkg::SAQ_ENABLED +: 8]       = 8'(cur_en);
    sa_img[8*espnic_regs_pkg::SAQ_ALG +: 8]           = 8'(cur_cfg.alg);
    sa_img[8*espnic_regs_pkg::SAQ_STATE +: 8]         = {5'd0, cur_st.wrap_fired, cur_st.hard_fired, cur_st.soft_fired};
    sa_img[8*espnic_regs_pkg::SAQ_SEL_PROTO +: 8]     = cur_cfg.sel_proto;
    sa_img[8*espnic_regs_pkg::SAQ_SPI +: 32]          = cur_cfg.spi;
    sa_img[8*espnic_regs_pkg::SAQ_FLAGS +: 32]        = 32'({cur_cfg.vlan_en, cur_cfg.sel_v6, cur_cfg.esn, cur_cfg.udp_encap, cur_cfg.tunnel});
    sa_img[8*espnic_regs_pkg::SAQ_VLAN +: 16]         = 16'(cur_cfg.vlan);
    sa_img[8*espnic_regs_pkg::SAQ_REPLAY_WINDOW +: 16] = 16'(cur_cfg.replay_window);
    sa_img[8*espnic_regs_pkg::SAQ_UDP_SPORT +: 16]    = cur_cfg.udp_sport;
    sa_img[8*espnic_regs_pkg::SAQ_UDP_DPORT +: 16]    = cur_cfg.udp_dport;
    sa_img[8*espnic_regs_pkg::SAQ_LOCAL +: 32]        = cur_cfg.local_v4;
    sa_img[8*espnic_regs_pkg::SAQ_REMOTE +: 32]       = cur_cfg.remote_v4;
    sa_img[8*espnic_regs_pkg::SAQ_SEQ +: 64]          = cur_st.seq;
    sa_img[8*espnic_regs_pkg::SAQ_PACKETS +: 64]      = cur_cnt.packets;
    sa_img[8*espnic_regs_pkg::SAQ_BYTES +: 64]        = cur_cnt.bytes;
    for (int i = 0; i < espnic_regs_pkg::DROP_N; i++) sa_img[8*(espnic_regs_pkg::SAQ_DROPS + 8*i) +: 64] = cur_cnt.drops[i];
    sa_img[8*espnic_regs_pkg::SAQ_SOFT_BYTES +: 64]   = cur_cfg.soft_bytes;
    sa_img[8*espnic_regs_pkg::SAQ_HARD_BYTES +: 64]   = cur_cfg.hard_bytes;
    sa_img[8*espnic_regs_pkg::SAQ_SOFT_PACKETS +: 64] = cur_cfg.soft_packets;
    sa_img[8*espnic_regs_pkg::SAQ_HARD_PACKETS +: 64] = cur_cfg.hard_packets;
    sa_img[8*espnic_regs_pkg::SAQ_SEL_SRC_ADDR +: 128] = cur_cfg.sel_src.addr;
    sa_img[8*espnic_regs_pkg::SAQ_SEL_SRC_MASK +: 128] = cur_cfg.sel_src.mask;
    sa_img[8*espnic_regs_pkg::SAQ_SEL_DST_ADDR +: 128] = cur_cfg.sel_dst.addr;
    sa_img[8*espnic_regs_pkg::SAQ_MSS_CLAMP +: 16]    = cur_cfg.mss_clamp;
    sa_img[8*espnic_regs_pkg::SAQ_SEL_DST_MASK +: 128] = cur_cfg.sel_dst.mask;
  end

  // The SPD_QUERY result of the rule a command names.
  logic [CPL_W-RES-1:0] rule_img;
  always_comb begin
    rule_img = '0;
    rule_img[8*espnic_regs_pkg::SPDQ_ENABLED +: 8]   = 8'(spd_rd_enable);
    rule_img[8*espnic_regs_pkg::SPD_FLAGS +: 8]      = {5'd0, spd_rd_rule.vlan_en, spd_rd_rule.any_fam, spd_rd_rule.v6};
    rule_img[8*espnic_regs_pkg::SPD_VLAN +: 16]      = {4'd0, spd_rd_rule.vlan};
    rule_img[8*espnic_regs_pkg::SPD_PROTO +: 8]      = spd_rd_rule.proto;
    rule_img[8*espnic_regs_pkg::SPD_ACTION +: 8]     = 8'(spd_rd_rule.action);
    rule_img[8*espnic_regs_pkg::SPD_SA +: 16]        = spd_rd_rule.sa;
    rule_img[8*espnic_regs_pkg::SPD_SPORT_LO +: 16]  = spd_rd_rule.sport_lo;
    rule_img[8*espnic_regs_pkg::SPD_SPORT_HI +: 16]  = spd_rd_rule.sport_hi;
    rule_img[8*espnic_regs_pkg::SPD_DPORT_LO +: 16]  = spd_rd_rule.dport_lo;
    rule_img[8*espnic_regs_pkg::SPD_DPORT_HI +: 16]  = spd_rd_rule.dport_hi;
    rule_img[8*espnic_regs_pkg::SPD_SRC_ADDR +: 128] = spd_rd_rule.src.addr;
    rule_img[8*espnic_regs_pkg::SPD_SRC_MASK +: 128] = spd_rd_rule.src.mask;
    rule_img[8*espnic_regs_pkg::SPD_DST_ADDR +: 128] = spd_rd_rule.dst.addr;
    rule_img[8*espnic_regs_pkg::SPD_DST_MASK +: 128] = spd_rd_rule.dst.mask;
  end

  logic [CPL_W-RES-1:0] cnt_image;
  always_comb begin
    cnt_image = '0;
    for (int i = 0; i < espnic_regs_pkg::PORT_COUNTERS; i++) cnt_image[8*espnic_regs_pkg::CNTR_FIRST + 64*i +: 64] = cnt_rel[64*i +: 64];
  end

  // Which slots are in use: set by a successful add (an SA once its key is
  // written), cleared by a delete, all cleared by RESET. SA_LIST and
  // SPD_LIST read LIST_WORDS words of one map (S_LIST), shifted into the
  // result as they come.
  logic [5:0]  lk_q;                 // S_LIST: next word to read
  logic        lr_q;                 // S_LIST: a word read last cycle
  wire         list_rd   = state_q == S_LIST && 32'(lk_q) < LIST_WORDS;
  wire [15:0]  list_addr = {5'd0, h_index[15:5]} + 16'(lk_q);
  wire         map_clear = ok && h_op == espnic_regs_pkg::CMD_RESET;
  wire         sa_set    = state_q == S_KEY && kinit_done;
  wire         sa_clr    = ok && h_op == espnic_regs_pkg::CMD_SA_DELETE;
  wire         rule_set  = ok && h_op == espnic_regs_pkg::CMD_SPD_ADD;
  wire         rule_clr  = ok && h_op == espnic_regs_pkg::CMD_SPD_DELETE;
  logic [2:0]  map_ready, map_bit_ready;    // [0] outbound SAs, [1] inbound SAs, [2] rules
  logic [31:0] map_word_out, map_word_in, map_word_rule;
  wire         maps_ready = &map_ready && &map_bit_ready;
  assign busy_o = state_q != S_IDLE || sa_ready_i != 2'b11 || !maps_ready;
  ctrl_slot_map #(.N(SA_N)) u_map_sa_out (
    .clk_i, .rst_ni, .clear_i(map_clear), .ready_o(map_ready[0]),
    .bit_we_i((sa_set || sa_clr) && !h_inb), .bit_idx_i(h_index), .bit_val_i(sa_set),
    .bit_ready_o(map_bit_ready[0]),
    .rd_i(list_rd && h_op == espnic_regs_pkg::CMD_SA_LIST && !h_inb), .rd_addr_i(list_addr),
    .rd_data_o(map_word_out)
  );
  ctrl_slot_map #(.N(SA_N)) u_map_sa_in (
    .clk_i, .rst_ni, .clear_i(map_clear), .ready_o(map_ready[1]),
    .bit_we_i((sa_set || sa_clr) && h_inb), .bit_idx_i(h_index), .bit_val_i(sa_set),
    .bit_ready_o(map_bit_ready[1]),
    .rd_i(list_rd && h_op == espnic_regs_pkg::CMD_SA_LIST && h_inb), .rd_addr_i(list_addr),
    .rd_data_o(map_word_in)
  );
  ctrl_slot_map #(.N(SPD_N)) u_map_rule (
    .clk_i, .rst_ni, .clear_i(map_clear), .ready_o(map_ready[2]),
    .bit_we_i(rule_set || rule_clr), .bit_idx_i(h_index), .bit_val_i(rule_set),
    .bit_ready_o(map_bit_ready[2]),
    .rd_i(list_rd && h_op == espnic_regs_pkg::CMD_SPD_LIST), .rd_addr_i(list_addr),
    .rd_data_o(map_word_rule)
  );
  // (The map not read answers 0.)
  wire [31:0] map_word = map_word_out | map_word_in | map_word_rule;

  // Table reads and writes.
  // RESET walks both SA tables at once (sa_req_both_o), the rule book alongside.
  localparam int WALK_N = SA_N > SPD_N ? SA_N : SPD_N;
  wire walk_end  = walk_q == 16'(WALK_N - 1);
  wire walk_last = walk_end && !cls_clear_q;
  always_comb begin
    sa_req_valid_o       = 1'b0;
    sa_req_inbound_o     = h_inb;
    sa_req_both_o        = 1'b0;
    sa_req_o             = '0;
    sa_req_o.op          = espnic_pkg::SA_OP_WRITE;
    sa_req_o.index       = h_index;
    sa_req_o.enable      = 1'b1;
    sa_req_o.cfg         = desc_sa;
    sa_req_o.seq         = p64(pl, espnic_regs_pkg::SA_SEQ);
    spd_wr_valid_o   = 1'b0;
    spd_wr_enable_o  = 1'b1;
    spd_wr_rule_o    = desc_rule;
    book_we          = 1'b0;
    book_wa          = h_index[SPDW-1:0];
    book_wd          = {1'b1, desc_rule};
    cls_wr_valid_o   = cls_clear_q;
    cls_wr_table_o   = 4'(SPD_D + 3);
    cls_wr_addr_o    = h_index;
    cls_wr_data_o    = cls_data;
    if (sard_go) begin
      sa_req_valid_o   = 1'b1;
      sa_req_o.op      = espnic_pkg::SA_OP_READ;
    end else if (state_q == S_KEY && kinit_done) begin
      sa_req_valid_o    = 1'b1;
      sa_req_o.key.key  = pl[8*espnic_regs_pkg::SA_KEY +: 256];
      sa_req_o.key.salt = p32(pl, espnic_regs_pkg::SA_SALT);
      sa_req_o.key.hpow = kinit_hpow;
    end else if (state_q == S_RESET) begin
      sa_req_valid_o   = sa_ready_i == 2'b11 && walk_q < 16'(SA_N);
      sa_req_both_o    = 1'b1;
      sa_req_o.index   = walk_q;
      sa_req_o.enable  = 1'b0;
      sa_req_o.cfg     = '0;
      sa_req_o.seq     = '0;
      book_we          = sa_ready_i == 2'b11 && walk_q < 16'(SPD_N);
      book_wa          = walk_q[SPDW-1:0];
      book_wd          = '0;
    end else if (ok) begin
      case (h_op)
        espnic_regs_pkg::CMD_SA_UPDATE: begin
          sa_req_valid_o   = 1'b1;
          sa_req_o.op      = espnic_pkg::SA_OP_UPDATE;
          sa_req_o.cfg     = upd_cfg;
          sa_req_o.seq     = upd_seq_v;
          sa_req_o.set_seq = upd_seq;
          sa_req_o.rearm   = upd_lt;
        end
        espnic_regs_pkg::CMD_SA_DELETE: begin
          sa_req_valid_o   = 1'b1;
          sa_req_o.enable  = 1'b0;
          sa_req_o.cfg     = '0;
          sa_req_o.seq     = '0;
        end
        espnic_regs_pkg::CMD_SPD_ADD: begin
          spd_wr_valid_o = 1'b1;
          book_we        = 1'b1;
        end
        espnic_regs_pkg::CMD_SPD_DELETE: begin
          spd_wr_valid_o  = 1'b1;
          spd_wr_enable_o = 1'b0;
          spd_wr_rule_o   = '0;
          book_we         = 1'b1;
          book_wd         = '0;
        end
        espnic_regs_pkg::CMD_CLS_WRITE: begin
          cls_wr_valid_o = 1'b1;
          cls_wr_table_o = cls_table[3:0];
        end
        default: ;
      endcase
    end
  end

  // ------------------------------------------------------ events
  // One event per cycle into the ring, the two pipelines taking turns.
  logic   ev_rr_q;
  wire    ev_take = event_valid_i[0] || event_valid_i[1];
  wire    ev_src  = event_valid_i[1] && (!event_valid_i[0] || ev_rr_q);
  espnic_pkg::event_t ev_head;
  assign ev_head = ev_src ? event_in_i : event_eg_i;
  assign event_ready_o[0] = ev_take && !ev_src;
  assign event_ready_o[1] = ev_take && ev_src;
  wire    ev_full = ev_prod_q - ev_cons_q == 16'(espnic_regs_pkg::EV_RING_SLOTS);
  logic [EV_BITS-1:0] ev_entry;   // the defined bytes of an entry (the rest reads 0)
  always_comb begin
    ev_entry = '0;
    ev_entry[8*espnic_regs_pkg::EVE_KIND +: 8]  = 8'(ev_head.kind);
    ev_entry[8*espnic_regs_pkg::EVE_FLAGS +: 8] = 8'(ev_head.inbound);
    ev_entry[8*espnic_regs_pkg::EVE_SA +: 16]   = ev_head.sa;
    ev_entry[8*espnic_regs_pkg::EVE_RULE +: 16] = ev_head.rule;
  end

  always_ff @(posedge clk_i)
    if (ev_take && !ev_full)
      ev_mem[ev_prod_q[EV_SB-1:0]] <= ev_entry;

  // ------------------------------------------------------ completions
  wire cpl_we = state_q == S_CPL;
  always_ff @(posedge clk_i)
    if (cpl_we) cpl_mem[{cpl_prod_q[CPL_SB-1:0], cw_q[CPL_WB-1:0]}] <= cpl_img_q[32*cw_q +: 32];

  // ------------------------------------------------------ state
  always_comb begin
    int_set = '0;
    int_set[espnic_regs_pkg::INT_CPL] = state_q == S_CPL && cw_q + 8'd1 == cw_n_q;
    int_set[espnic_regs_pkg::INT_EVENT] = ev_take && !ev_full;
    int_set[espnic_regs_pkg::INT_EV_OVERFLOW] = ev_take && ev_full;
    err_set = '0;
    if (wr_reg && reg_addr_i == espnic_regs_pkg::REG_CMD_PROD &&
        !(w16 - cmd_cons_q <= 16'(espnic_regs_pkg::CMD_RING_SLOTS) && w16 - cmd_cons_q >= cmd_prod_q - cmd_cons_q))
      err_set[espnic_regs_pkg::ERR_DOORBELL] = 1'b1;
    if (wr_reg && reg_addr_i == espnic_regs_pkg::REG_CPL_CONS && w16 - cpl_cons_q > cpl_prod_q - cpl_cons_q)
      err_set[espnic_regs_pkg::ERR_CPL_CONS] = 1'b1;
    if (wr_reg && reg_addr_i == espnic_regs_pkg::REG_EV_CONS && w16 - ev_cons_q > ev_prod_q - ev_cons_q)
      err_set[espnic_regs_pkg::ERR_EV_CONS] = 1'b1;
    // A refused write is refused at once; its ERROR bit and INT_ERROR follow a
    // cycle later (err_set_q), off the path from the write's data.
    int_set[espnic_regs_pkg::INT_ERROR] = err_set_q != '0;
  end
  always_ff @(posedge clk_i) err_set_q <= rst_ni ? err_set : 3'd0;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      mtu_q      <= 16'd1500;
      discard_q  <= 1'b0;
      state_q    <= S_IDLE;
      cmd_prod_q <= '0;
      cmd_cons_q <= '0;
      cpl_prod_q <= '0;
      cpl_cons_q <= '0;
      ev_prod_q  <= '0;
      ev_cons_q  <= '0;
      ev_lost_q  <= '0;
      ev_rr_q    <= 1'b0;
      int_q      <= '0;
      int_mask_q <= '1;
      err_q      <= '0;
      rv_q       <= 1'b0;
      lr_q       <= 1'b0;
      slot_q     <= '0;
      spd_gen_q  <= '0;
      cls_clear_q <= 1'b0;
      for (int i = 0; i < espnic_regs_pkg::PORT_COUNTERS; i++) cnt_base_q[64*i +: 64] <= '0;
    end else begin
      // SPD changes; the classifier's clear of a RESET.
      if (cls_clear_q && cls_wr_ready_i) cls_clear_q <= 1'b0;
      if (ok && (h_op == espnic_regs_pkg::CMD_SPD_ADD || h_op == espnic_regs_pkg::CMD_SPD_DELETE))
        spd_gen_q <= spd_gen_q + 32'd1;
      if (cls_cmd && cls_wr_ready_i && cls_table == 8'(SPD_D + 2))
        spd_gen_q <= spd_gen_q + 32'd1;
      // host writes
      if (wr_reg) begin
        case (reg_addr_i)
          espnic_regs_pkg::REG_MTU: mtu_q      <= w16;
          espnic_regs_pkg::REG_CONTROL: discard_q  <= reg_wdata_i[espnic_regs_pkg::CTRL_DEFAULT_DISCARD];
          espnic_regs_pkg::REG_INT_MASK: int_mask_q <= reg_wdata_i[3:0];
          espnic_regs_pkg::REG_CMD_PROD: if (!err_set[espnic_regs_pkg::ERR_DOORBELL]) cmd_prod_q <= w16;
          espnic_regs_pkg::REG_CPL_CONS: if (!err_set[espnic_regs_pkg::ERR_CPL_CONS]) cpl_cons_q <= w16;
          espnic_regs_pkg::REG_EV_CONS: if (!err_set[espnic_regs_pkg::ERR_EV_CONS]) ev_cons_q <= w16;
          default: ;
        endcase
      end
      int_q <= (int_q & ~((wr_reg && reg_addr_i == espnic_regs_pkg::REG_INT_STATUS) ? reg_wdata_i[3:0] : 4'd0))
               | int_set;
      err_q <= (err_q & ~((wr_reg && reg_addr_i == espnic_regs_pkg::REG_ERROR) ? reg_wdata_i[2:0] : 3'd0))
               | err_set_q;

      // events
      if (ev_take) begin
        ev_rr_q <= !ev_src;
        if (ev_full) ev_lost_q <= ev_lost_q + 32'd1;
        else         ev_prod_q <= ev_prod_q + 16'd1;
      end

      // command engine
      rv_q <= fetch_go;
      lr_q <= list_rd;
      rw_q <= fk_q[CMD_WB-1:0];
      if (rv_q) slot_q[32*rw_q +: 32] <= cmd_rd_q;
      case (state_q)
        S_IDLE:
          if (cmd_prod_q != cmd_cons_q && cpl_prod_q - cpl_cons_q != 16'(espnic_regs_pkg::CPL_RING_SLOTS)
              && maps_ready) begin
            state_q  <= S_FETCH;
            fk_q     <= '0;
            cur_no_q <= cmd_cons_q;
          end
        S_FETCH: begin
          if (fetch_go) fk_q <= fk_q + FK_ONE;
          if (rv_q && 32'(rw_q) == FETCH_W - 1) begin
            state_q    <= S_SARD;
            sard_sent_q <= 1'b0;
            cmd_cons_q <= cmd_cons_q + 16'd1;           // the slot is free again
          end
        end
        S_SARD: begin
          // SA commands wait for their entry; the others go on.
          if (sard_go) sard_sent_q <= 1'b1;
          if (!sa_cmd || sard_rsp) begin
            state_q <= S_CHECK;
            chk_q   <= 2'd2;
          end
        end
        S_CHECK: if (!chk_done) chk_q <= chk_q - 2'd1;
        else if (!cls_wait) begin
          cpl_img_q <= '0;
          cpl_img_q[8*espnic_regs_pkg::CPL_TAG +: 32]    <= h_tag;
          cpl_img_q[8*espnic_regs_pkg::CPL_STATUS +: 8]  <= status_q;
          cpl_img_q[8*espnic_regs_pkg::CPL_OPCODE +: 8]  <= h_op;
          cpl_img_q[8*espnic_regs_pkg::CPL_INDEX +: 16]  <= h_index;
          cpl_img_q[8*espnic_regs_pkg::CPL_CMD_NO +: 16] <= cur_no_q;
          cw_q   <= '0;
          cw_n_q <= CW_HDR;
          state_q <= S_CPL;
          if (status_q == espnic_regs_pkg::CMD_STATUS_OK) begin
            case (h_op)
              espnic_regs_pkg::CMD_SA_ADD: state_q <= S_KEY;
              espnic_regs_pkg::CMD_SA_QUERY: begin
                cpl_img_q[CPL_W-1:RES] <= sa_img;
                cw_n_q <= CW_SAQ;
              end
              espnic_regs_pkg::CMD_SPD_QUERY: begin
                cpl_img_q[CPL_W-1:RES] <= rule_img;
                cw_n_q <= CW_SPDQ;
              end
              espnic_regs_pkg::CMD_SA_LIST, espnic_regs_pkg::CMD_SPD_LIST: begin
                state_q <= S_LIST;
                lk_q    <= '0;
                cw_n_q  <= CW_LIST;
              end
              espnic_regs_pkg::CMD_COUNTERS: begin
                cpl_img_q[CPL_W-1:RES] <= cnt_image;
                cw_n_q <= CW_CNT;
                if (h_clear)
                  for (int i = 0; i < espnic_regs_pkg::PORT_COUNTERS; i++) cnt_base_q[64*i +: 64] <= cnt_base_q[64*i +: 64] + cnt_rel[64*i +: 64];
              end
              espnic_regs_pkg::CMD_RESET: begin
                state_q    <= S_RESET;
                walk_q     <= '0;
                cls_clear_q <= 1'b1;
              end
              default: ;
            endcase
          end
        end
        S_KEY:
          if (kinit_done) state_q <= S_CPL;
        S_LIST: begin
          if (list_rd) lk_q <= lk_q + 6'd1;
          if (lr_q)
            cpl_img_q[LIST_LO +: 32*LIST_WORDS] <= {map_word, cpl_img_q[LIST_LO+32 +: 32*(LIST_WORDS-1)]};
          if (!list_rd && !lr_q) state_q <= S_CPL;
        end
        S_RESET: if (sa_ready_i == 2'b11 && !(walk_end && cls_clear_q)) begin
          walk_q <= walk_q + 16'd1;
          if (walk_last) begin
            state_q   <= S_CPL;
            mtu_q     <= 16'd1500;
            discard_q <= 1'b0;
            spd_gen_q <= '0;
            for (int i = 0; i < espnic_regs_pkg::PORT_COUNTERS; i++) cnt_base_q[64*i +: 64] <= port_counters_i[64*i +: 64];
          end
        end
        S_CPL: begin
          slot_q <= '0;                                   // no key stays behind
          cw_q   <= cw_q + 8'd1;
          if (cw_q + 8'd1 == cw_n_q) begin
            state_q    <= S_IDLE;
            cpl_prod_q <= cpl_prod_q + 16'd1;
          end
        end
        default: state_q <= S_IDLE;
      endcase
    end
  end

  // ------------------------------------------------------ register reads
  logic [1:0]  rd_src_q;       // 0 register, 1 completion ring, 2 event ring
  logic [31:0] rd_reg_q, rd_cpl_q;
  logic [EV_BITS-1:0] rd_ev_q;
  logic [1:0]  rd_ev_w_q;
  always_ff @(posedge clk_i) begin
    if (reg_re_i) begin
      rd_src_q  <= in_cpl ? 2'd1 : in_ev ? 2'd2 : 2'd0;
      rd_cpl_q  <= cpl_mem[cpl_off[CPL_AW+1:2]];
      rd_ev_q   <= ev_mem[ev_off[EV_SB+3:4]];
      rd_ev_w_q <= ev_off[3:2];
      rd_reg_q  <= '0;
      case (reg_addr_i)
        espnic_regs_pkg::REG_MAGIC: rd_reg_q <= espnic_regs_pkg::MAGIC;
        espnic_regs_pkg::REG_VERSION: rd_reg_q <= espnic_regs_pkg::VERSION;
        espnic_regs_pkg::REG_DATA_W: rd_reg_q <= 32'(DATA_W);
        espnic_regs_pkg::REG_SA_N: rd_reg_q <= 32'(SA_N);
        espnic_regs_pkg::REG_SPD_N: rd_reg_q <= 32'(SPD_N);
        espnic_regs_pkg::REG_BUILD_ID: rd_reg_q <= BUILD_ID;
        espnic_regs_pkg::REG_ALGS: rd_reg_q <= (32'd1 << espnic_regs_pkg::ALG_AES_GCM_128) | (32'd1 << espnic_regs_pkg::ALG_AES_GCM_256);
        espnic_regs_pkg::REG_MAX_FRAME: rd_reg_q <= 32'(MAX_FRAME);
        espnic_regs_pkg::REG_CONTROL: rd_reg_q <= 32'(discard_q) << espnic_regs_pkg::CTRL_DEFAULT_DISCARD;
        espnic_regs_pkg::REG_MTU: rd_reg_q <= 32'(mtu_q);
        espnic_regs_pkg::REG_CMD_SLOTS: rd_reg_q <= 32'(espnic_regs_pkg::CMD_RING_SLOTS);
        espnic_regs_pkg::REG_CPL_SLOTS: rd_reg_q <= 32'(espnic_regs_pkg::CPL_RING_SLOTS);
        espnic_regs_pkg::REG_EV_SLOTS: rd_reg_q <= 32'(espnic_regs_pkg::EV_RING_SLOTS);
        espnic_regs_pkg::REG_CMD_PROD: rd_reg_q <= 32'(cmd_prod_q);
        espnic_regs_pkg::REG_CMD_CONS: rd_reg_q <= 32'(cmd_cons_q);
        espnic_regs_pkg::REG_CPL_PROD: rd_reg_q <= 32'(cpl_prod_q);
        espnic_regs_pkg::REG_CPL_CONS: rd_reg_q <= 32'(cpl_cons_q);
        espnic_regs_pkg::REG_EV_PROD: rd_reg_q <= 32'(ev_prod_q);
        espnic_regs_pkg::REG_EV_CONS: rd_reg_q <= 32'(ev_cons_q);
        espnic_regs_pkg::REG_EV_LOST: rd_reg_q <= ev_lost_q;
        espnic_regs_pkg::REG_ERROR: rd_reg_q <= 32'(err_q);
        espnic_regs_pkg::REG_INT_STATUS: rd_reg_q <= 32'(int_q);
        espnic_regs_pkg::REG_INT_MASK: rd_reg_q <= 32'(int_mask_q);
        espnic_regs_pkg::REG_ENGINE: rd_reg_q <= 32'(state_q != S_IDLE);
        espnic_regs_pkg::REG_SPD_GEN: rd_reg_q <= spd_gen_q;
        espnic_regs_pkg::REG_CLS_GEOM: rd_reg_q <= 32'({5'(SPDW + 1), 5'(SPDW + 1), 5'(SPD_L), 5'(SPD_D)});
        default:
          // The command ring is write-only (commands carry keys): it reads 0.
          if (in_cnt)
            rd_reg_q <= cnt_off[2] ? cnt_rel[64*cnt_off[7:3] + 32 +: 32] : cnt_rel[64*cnt_off[7:3] +: 32];
      endcase
    end
  end
  always_comb begin
    case (rd_src_q)
      2'd1:    reg_rdata_o = rd_cpl_q;
      2'd2:    reg_rdata_o = rd_ev_w_q == 2'd0 ? rd_ev_q[31:0] :
                             rd_ev_w_q == 2'd1 ? 32'(rd_ev_q[EV_BITS-1:32]) : 32'd0;
      default: reg_rdata_o = rd_reg_q;
    endcase
  end

  // Payload bytes no layout defines, header reserved bits checked above.
  logic unused_ok;
  assign unused_ok = ^{pl, unused_kinit_busy, cnt_off};
endmodule
