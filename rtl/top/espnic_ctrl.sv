// espnic_ctrl: the card's register block. The host writes an SA or SPD
// descriptor into a staging buffer, then a command word; the block checks it,
// derives the GHASH key powers for a new SA (aes_gcm_keyinit) and writes the
// tables of the two pipelines. Reads return SA state and counters, never key
// material. Register offsets and descriptor layouts: espnic_regs_pkg.
module espnic_ctrl
  import espnic_pkg::*;
  import espnic_regs_pkg::*;
#(
  parameter int DATA_W = 512,
  parameter int SA_N   = 1024,
  parameter int SPD_N  = 256
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

  // table writes, to both pipelines (sa_wr_inbound_o selects which)
  output logic          sa_wr_valid_o,
  output logic          sa_wr_inbound_o,
  output logic [15:0]   sa_wr_index_o,
  output logic          sa_wr_enable_o,
  output sa_cfg_t       sa_wr_cfg_o,
  output sa_key_t       sa_wr_key_o,
  output logic [63:0]   sa_wr_seq_o,
  output logic          spd_wr_valid_o,
  output logic [15:0]   spd_wr_index_o,
  output logic          spd_wr_enable_o,
  output spd_rule_t     spd_wr_rule_o,

  // table reads (index driven by this block)
  output logic [15:0]   sa_rd_index_o,
  input  logic          sa_rd_enable_i   [2],   // [0] outbound, [1] inbound
  input  sa_cfg_t       sa_rd_cfg_i      [2],
  input  sa_state_t     sa_rd_state_i    [2],
  input  sa_counters_t  sa_rd_counters_i [2],
  input  spd_rule_t     spd_rd_rule_i,
  input  logic          spd_rd_enable_i,

  // events from the pipelines: [0] egress, [1] ingress
  input  logic          event_valid_i [2],
  output logic          event_ready_o [2],
  input  event_t        event_i       [2],

  input  logic [63:0]   port_counters_i [PORT_COUNTERS]
);
  localparam int DESC_WORDS = DESC_BYTES / 4;

  logic [DESC_BYTES*8-1:0] desc_q;     // staging buffer, byte k at [8k+7:8k]
  logic [DESC_BYTES*8-1:0] rdbk_q;     // read-back buffer
  logic [15:0]             mtu_q;
  logic                    discard_q;
  logic [7:0]              status_q;   // last command's result (CMD_STATUS_*)
  logic                    busy_q;

  assign mtu_o             = mtu_q;
  assign default_discard_o = discard_q;

  // --------------------------------------------------- descriptor fields
  function automatic logic [7:0] db(input int k);
    return desc_q[8*k +: 8];
  endfunction
  function automatic logic [15:0] d16(input int k);
    return desc_q[8*k +: 16];
  endfunction
  function automatic logic [31:0] d32(input int k);
    return desc_q[8*k +: 32];
  endfunction
  function automatic logic [63:0] d64(input int k);
    return desc_q[8*k +: 64];
  endfunction

  sa_cfg_t   desc_sa;
  spd_rule_t desc_rule;
  logic [31:0] sa_flags;
  always_comb begin
    sa_flags = d32(SA_FLAGS);
    desc_sa = '0;
    desc_sa.spi           = d32(SA_SPI);
    desc_sa.tunnel        = sa_flags[SA_FLAG_TUNNEL];
    desc_sa.udp_encap     = sa_flags[SA_FLAG_UDP];
    desc_sa.esn           = sa_flags[SA_FLAG_ESN];
    desc_sa.sel_v6        = sa_flags[SA_FLAG_SEL_V6];
    desc_sa.alg           = desc_q[8*SA_ALG +: 4];
    desc_sa.sel_proto     = db(SA_SEL_PROTO);
    desc_sa.replay_window = desc_q[8*SA_REPLAY_WINDOW +: REPLAY_W_W];
    desc_sa.udp_sport     = d16(SA_UDP_SPORT);
    desc_sa.udp_dport     = d16(SA_UDP_DPORT);
    desc_sa.local_v4      = d32(SA_LOCAL);
    desc_sa.remote_v4     = d32(SA_REMOTE);
    desc_sa.soft_bytes    = d64(SA_SOFT_BYTES);
    desc_sa.hard_bytes    = d64(SA_HARD_BYTES);
    desc_sa.soft_packets  = d64(SA_SOFT_PACKETS);
    desc_sa.hard_packets  = d64(SA_HARD_PACKETS);
    desc_sa.sel_src.addr  = desc_q[8*SA_SEL_SRC_ADDR +: 128];
    desc_sa.sel_src.mask  = desc_q[8*SA_SEL_SRC_MASK +: 128];
    desc_sa.sel_dst.addr  = desc_q[8*SA_SEL_DST_ADDR +: 128];
    desc_sa.sel_dst.mask  = desc_q[8*SA_SEL_DST_MASK +: 128];

    desc_rule = '0;
    desc_rule.v6       = desc_q[8*SPD_FLAGS];
    desc_rule.proto    = db(SPD_PROTO);
    desc_rule.action   = desc_q[8*SPD_ACTION +: 2];
    desc_rule.sa       = d16(SPD_SA);
    desc_rule.sport_lo = d16(SPD_SPORT_LO);
    desc_rule.sport_hi = d16(SPD_SPORT_HI);
    desc_rule.dport_lo = d16(SPD_DPORT_LO);
    desc_rule.dport_hi = d16(SPD_DPORT_HI);
    desc_rule.src.addr = desc_q[8*SPD_SRC_ADDR +: 128];
    desc_rule.src.mask = desc_q[8*SPD_SRC_MASK +: 128];
    desc_rule.dst.addr = desc_q[8*SPD_DST_ADDR +: 128];
    desc_rule.dst.mask = desc_q[8*SPD_DST_MASK +: 128];
  end

  // ------------------------------------------------------ commands
  logic [7:0]  cmd_op_q;
  logic        cmd_inbound_q;
  logic [15:0] cmd_index_q;
  logic        kinit_start, kinit_busy, kinit_done;
  logic [aes_gcm_pkg::HPOW_N-1:0][127:0] kinit_hpow;

  aes_gcm_keyinit #(.DATA_W(DATA_W)) u_keyinit (
    .clk_i, .rst_ni,
    .start_i(kinit_start), .key256_i(desc_sa.alg == ALG_AES_GCM_256),
    .key_i(desc_q[8*SA_KEY +: 256]),
    .busy_o(kinit_busy), .done_o(kinit_done), .hpow_o(kinit_hpow)
  );

  // Validation of a command written to REG_CMD.
  function automatic logic [7:0] check(input logic [7:0] op, input logic inbound,
                                       input logic [15:0] index, input sa_cfg_t sa,
                                       input spd_rule_t rule);
    case (op)
      CMD_SA_WRITE: begin
        if (index >= 16'(SA_N)) return CMD_STATUS_BAD_INDEX;
        // Inbound lookups index the table with the SPI's low bits.
        if (inbound && 32'(index) != (sa.spi & 32'(SA_N - 1))) return CMD_STATUS_BAD_INDEX;
        if (sa.alg != ALG_AES_GCM_128 && sa.alg != ALG_AES_GCM_256) return CMD_STATUS_BAD_ALG;
        if (32'(sa.replay_window) > REPLAY_MAX) return CMD_STATUS_BAD_FIELD;
        return CMD_STATUS_OK;
      end
      CMD_SA_DELETE, CMD_SA_READ:
        return index >= 16'(SA_N) ? CMD_STATUS_BAD_INDEX : CMD_STATUS_OK;
      CMD_SPD_WRITE: begin
        if (index >= 16'(SPD_N)) return CMD_STATUS_BAD_INDEX;
        if (rule.action > ACT_PROTECT) return CMD_STATUS_BAD_FIELD;
        if (rule.action == ACT_PROTECT && rule.sa >= 16'(SA_N)) return CMD_STATUS_BAD_INDEX;
        return CMD_STATUS_OK;
      end
      CMD_SPD_DELETE, CMD_SPD_READ:
        return index >= 16'(SPD_N) ? CMD_STATUS_BAD_INDEX : CMD_STATUS_OK;
      default: return CMD_STATUS_BAD_OPCODE;
    endcase
  endfunction

  wire       cmd_write = reg_we_i && reg_addr_i == REG_CMD;
  wire [7:0] w_op      = reg_wdata_i[7:0];
  wire       w_inb     = reg_wdata_i[8];
  wire [15:0] w_index  = reg_wdata_i[31:16];
  wire [7:0] w_status  = check(w_op, w_inb, w_index, desc_sa, desc_rule);

  assign kinit_start = cmd_write && !busy_q && w_op == CMD_SA_WRITE && w_status == CMD_STATUS_OK;

  // Read-back image of an SA (never key material).
  function automatic logic [DESC_BYTES*8-1:0] sa_image(input logic en, input sa_cfg_t c,
                                                       input sa_state_t s, input sa_counters_t n);
    logic [DESC_BYTES*8-1:0] r;
    r = '0;
    r[8*RB_ENABLED +: 32]  = 32'(en);
    r[8*RB_SPI +: 32]      = c.spi;
    r[8*RB_FLAGS +: 32]    = 32'({c.sel_v6, c.esn, c.udp_encap, c.tunnel});
    r[8*RB_ALG +: 8]       = 8'(c.alg);
    r[8*RB_STATE +: 8]     = {5'd0, s.wrap_fired, s.hard_fired, s.soft_fired};
    r[8*RB_SEQ +: 64]      = s.seq;
    r[8*RB_PACKETS +: 64]  = n.packets;
    r[8*RB_BYTES +: 64]    = n.bytes;
    for (int i = 0; i < DROP_N; i++) r[8*(RB_DROPS + 8*i) +: 64] = n.drops[i];
    return r;
  endfunction

  function automatic logic [DESC_BYTES*8-1:0] rule_image(input logic en, input spd_rule_t r);
    logic [DESC_BYTES*8-1:0] o;
    o = '0;
    o[8*RB_ENABLED +: 32]      = 32'(en);
    o[8*SPD_FLAGS +: 8]        = 8'(r.v6);
    o[8*SPD_PROTO +: 8]        = r.proto;
    o[8*SPD_ACTION +: 8]       = 8'(r.action);
    o[8*SPD_SA +: 16]          = r.sa;
    o[8*SPD_SPORT_LO +: 16]    = r.sport_lo;
    o[8*SPD_SPORT_HI +: 16]    = r.sport_hi;
    o[8*SPD_DPORT_LO +: 16]    = r.dport_lo;
    o[8*SPD_DPORT_HI +: 16]    = r.dport_hi;
    o[8*SPD_SRC_ADDR +: 128]   = r.src.addr;
    o[8*SPD_SRC_MASK +: 128]   = r.src.mask;
    o[8*SPD_DST_ADDR +: 128]   = r.dst.addr;
    o[8*SPD_DST_MASK +: 128]   = r.dst.mask;
    return o;
  endfunction

  assign sa_rd_index_o  = cmd_write ? w_index : cmd_index_q;
  assign spd_wr_index_o = cmd_write ? w_index : cmd_index_q;

  always_comb begin
    sa_wr_valid_o   = 1'b0;
    sa_wr_inbound_o = cmd_inbound_q;
    sa_wr_index_o   = cmd_index_q;
    sa_wr_enable_o  = 1'b1;
    sa_wr_cfg_o     = desc_sa;
    sa_wr_key_o     = '0;
    sa_wr_key_o.key  = desc_q[8*SA_KEY +: 256];
    sa_wr_key_o.salt = d32(SA_SALT);
    sa_wr_key_o.hpow = kinit_hpow;
    sa_wr_seq_o     = d64(SA_SEQ);
    spd_wr_valid_o  = 1'b0;
    spd_wr_enable_o = 1'b1;
    spd_wr_rule_o   = desc_rule;
    if (busy_q && kinit_done) begin
      sa_wr_valid_o = 1'b1;
    end else if (cmd_write && !busy_q && w_status == CMD_STATUS_OK) begin
      case (w_op)
        CMD_SA_DELETE: begin
          sa_wr_valid_o   = 1'b1;
          sa_wr_inbound_o = w_inb;
          sa_wr_index_o   = w_index;
          sa_wr_enable_o  = 1'b0;
          sa_wr_cfg_o     = '0;
          sa_wr_seq_o     = '0;
        end
        CMD_SPD_WRITE: spd_wr_valid_o = 1'b1;
        CMD_SPD_DELETE: begin
          spd_wr_valid_o  = 1'b1;
          spd_wr_enable_o = 1'b0;
          spd_wr_rule_o   = '0;
        end
        default: ;
      endcase
    end
  end

  // ------------------------------------------------------ events
  // Egress events first; a read of REG_EVENT shows the head, a write pops it.
  wire     ev_sel = !event_valid_i[0];
  wire     ev_any = event_valid_i[0] || event_valid_i[1];
  event_t  ev_head;
  assign ev_head = ev_sel ? event_i[1] : event_i[0];
  wire     ev_pop = reg_we_i && reg_addr_i == REG_EVENT_POP && ev_any;
  assign event_ready_o[0] = ev_pop && !ev_sel;
  assign event_ready_o[1] = ev_pop && ev_sel;

  // ------------------------------------------------------ registers
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      mtu_q     <= 16'd1500;
      discard_q <= 1'b0;
      status_q  <= CMD_STATUS_OK;
      busy_q    <= 1'b0;
    end else begin
      if (reg_we_i) begin
        if (reg_addr_i >= REG_DESC && reg_addr_i < REG_DESC + 16'(DESC_BYTES) && !busy_q)
          desc_q[8*(reg_addr_i - REG_DESC) +: 32] <= reg_wdata_i;
        if (reg_addr_i == REG_MTU)     mtu_q     <= reg_wdata_i[15:0];
        if (reg_addr_i == REG_CONTROL) discard_q <= reg_wdata_i[CTRL_DEFAULT_DISCARD];
      end
      if (cmd_write) begin
        if (busy_q) begin
          status_q <= CMD_STATUS_BUSY;
        end else begin
          status_q      <= w_status;
          cmd_op_q      <= w_op;
          cmd_inbound_q <= w_inb;
          cmd_index_q   <= w_index;
          if (w_status == CMD_STATUS_OK) begin
            case (w_op)
              CMD_SA_WRITE: busy_q <= 1'b1;
              CMD_SA_READ:  rdbk_q <= sa_image(sa_rd_enable_i[w_inb], sa_rd_cfg_i[w_inb],
                                               sa_rd_state_i[w_inb], sa_rd_counters_i[w_inb]);
              CMD_SPD_READ: rdbk_q <= rule_image(spd_rd_enable_i, spd_rd_rule_i);
              default: ;
            endcase
          end
        end
      end
      if (busy_q && kinit_done) busy_q <= 1'b0;
    end
  end

  // Read data, registered.
  always_ff @(posedge clk_i) begin
    if (reg_re_i) begin
      reg_rdata_o <= '0;
      case (reg_addr_i)
        REG_MAGIC:    reg_rdata_o <= MAGIC;
        REG_VERSION:  reg_rdata_o <= VERSION;
        REG_DATA_W:   reg_rdata_o <= 32'(DATA_W);
        REG_SA_N:     reg_rdata_o <= 32'(SA_N);
        REG_SPD_N:    reg_rdata_o <= 32'(SPD_N);
        REG_MTU:      reg_rdata_o <= 32'(mtu_q);
        REG_CONTROL:  reg_rdata_o <= 32'(discard_q) << CTRL_DEFAULT_DISCARD;
        REG_STATUS:   reg_rdata_o <= {16'd0, status_q, 7'd0, busy_q};
        REG_EVENT:    reg_rdata_o <= ev_any ? {1'b1, 10'd0, ev_head.inbound, ev_head.kind, ev_head.sa}
                                            : 32'd0;
        REG_EVENT_RULE: reg_rdata_o <= 32'(ev_head.rule);
        default: begin
          if (reg_addr_i >= REG_DESC && reg_addr_i < REG_DESC + 16'(DESC_BYTES))
            reg_rdata_o <= 32'd0;                // write-only: keys live here
          else if (reg_addr_i >= REG_READBACK && reg_addr_i < REG_READBACK + 16'(DESC_BYTES))
            reg_rdata_o <= rdbk_q[8*(reg_addr_i - REG_READBACK) +: 32];
          else if (reg_addr_i >= REG_COUNTERS && reg_addr_i < REG_COUNTERS + 16'(8 * PORT_COUNTERS))
            reg_rdata_o <= reg_addr_i[2] ? port_counters_i[(reg_addr_i - REG_COUNTERS) >> 3][63:32]
                                         : port_counters_i[(reg_addr_i - REG_COUNTERS) >> 3][31:0];
        end
      endcase
    end
  end
endmodule
