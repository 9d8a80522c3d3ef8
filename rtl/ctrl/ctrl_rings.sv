// ctrl_rings: the three rings of the control block (espnic_ctrl) in BAR0,
// on-card memory, and the counts the card keeps of them. The command ring
// is written by the host (ctrl_regs decodes the address) and read, and
// cleared as it is read, by the command engine (ctrl_cmd); the completion
// ring is written by the engine, one completion per command, and read by
// the host; the event ring takes the events of the two pipelines, one per
// cycle in turn, and counts what a full ring loses (EV_LOST). A host write
// of CMD_PROD, CPL_CONS or EV_CONS that would break a ring is refused here
// (write_refused_o, at once) and reported a cycle later (error_set_o: the
// ERROR bits and INT_ERROR). Layouts: espnic_regs_pkg.
module ctrl_rings (
  input  logic          clk_i,
  input  logic          rst_ni,

  // the host (through ctrl_regs)
  input  logic [31:0]   reg_wdata_i,
  input  logic          reg_re_i,
  input  logic          cmd_ring_we_i,     // write word cmd_ring_word_i of the command ring
  input  logic [espnic_regs_pkg::CMD_RING_AW-1:0] cmd_ring_word_i,
  input  logic [espnic_regs_pkg::CPL_RING_AW-1:0] cpl_ring_word_i,   // read on reg_re_i
  output logic [31:0]   cpl_ring_rdata_o,  // the cycle after
  input  logic [espnic_regs_pkg::EV_RING_AW-1:0]  ev_ring_word_i,
  output logic [31:0]   ev_ring_rdata_o,
  input  logic [15:0]   cmd_prod_i,        // the host's counts (CMD_PROD, CPL_CONS, EV_CONS)
  input  logic [15:0]   cpl_cons_i,
  input  logic [15:0]   ev_cons_i,
  input  logic          cmd_prod_we_i,     // the host writes them now (reg_wdata_i)
  input  logic          cpl_cons_we_i,
  input  logic          ev_cons_we_i,
  output logic [2:0]    write_refused_o,   // ERR_* bits: the write is refused
  output logic [2:0]    error_set_o,       // the same, a cycle later
  output logic [15:0]   cmd_cons_o,        // the card's counts (CMD_CONS, CPL_PROD, EV_PROD, EV_LOST)
  output logic [15:0]   cpl_prod_o,
  output logic [15:0]   ev_prod_o,
  output logic [31:0]   ev_lost_o,

  // the command engine (ctrl_cmd)
  output logic          cmd_pending_o,     // a command waits
  output logic          cpl_room_o,        // the completion ring has a free entry
  input  logic          fetch_rd_i,        // read and clear word fetch_word_i of slot CMD_CONS
  input  logic [espnic_regs_pkg::CMD_RING_WB-1:0] fetch_word_i,
  output logic [31:0]   fetch_data_o,      // the cycle after
  input  logic          cmd_taken_i,       // CMD_CONS + 1
  input  logic          cpl_we_i,          // write word cpl_word_i of entry CPL_PROD
  input  logic [espnic_regs_pkg::CPL_RING_WB-1:0] cpl_word_i,
  input  logic [31:0]   cpl_wdata_i,
  input  logic          cpl_done_i,        // CPL_PROD + 1

  // events from the pipelines: [0] egress, [1] ingress
  input  logic [1:0]    event_valid_i,
  output logic [1:0]    event_ready_o,
  input  espnic_pkg::event_t event_eg_i,
  input  espnic_pkg::event_t event_in_i,
  output logic          event_written_o,   // an event went into the ring (INT_EVENT)
  output logic          event_lost_o,      // an event was lost to a full ring (INT_EV_OVERFLOW)
  output logic          event_pending_o    // the event ring is not empty
);
  localparam int CMD_SB  = $clog2(espnic_regs_pkg::CMD_RING_SLOTS);
  localparam int CPL_SB  = $clog2(espnic_regs_pkg::CPL_RING_SLOTS);
  localparam int EV_SB   = $clog2(espnic_regs_pkg::EV_RING_SLOTS);
  localparam int EV_BITS = 8 * espnic_regs_pkg::EVE_LAYOUT_BYTES;   // defined bytes of an event

  logic [31:0] cmd_mem [espnic_regs_pkg::CMD_RING_SLOTS * espnic_regs_pkg::CMD_RING_SLOT_BYTES / 4];
  logic [31:0] cpl_mem [espnic_regs_pkg::CPL_RING_SLOTS * espnic_regs_pkg::CPL_RING_SLOT_BYTES / 4];
  logic [EV_BITS-1:0] ev_mem [espnic_regs_pkg::EV_RING_SLOTS];

  logic [15:0] cmd_cons_q, cpl_prod_q, ev_prod_q;
  logic [31:0] ev_lost_q;
  assign cmd_cons_o      = cmd_cons_q;
  assign cpl_prod_o      = cpl_prod_q;
  assign ev_prod_o       = ev_prod_q;
  assign ev_lost_o       = ev_lost_q;
  assign cmd_pending_o   = cmd_prod_i != cmd_cons_q;
  assign cpl_room_o      = cpl_prod_q - cpl_cons_i != 16'(espnic_regs_pkg::CPL_RING_SLOTS);
  assign event_pending_o = ev_prod_q != ev_cons_i;

  // ------------------------------------------------------ command ring
  wire [espnic_regs_pkg::CMD_RING_AW-1:0] fetch_addr = {cmd_cons_q[CMD_SB-1:0], fetch_word_i};
  logic [31:0] fetch_data_q;
  always_ff @(posedge clk_i) begin
    if (cmd_ring_we_i) cmd_mem[cmd_ring_word_i] <= reg_wdata_i;
    else if (fetch_rd_i) cmd_mem[fetch_addr] <= 32'd0;     // clear as it is read
    if (fetch_rd_i) fetch_data_q <= cmd_mem[fetch_addr];
  end
  assign fetch_data_o = fetch_data_q;

  // ------------------------------------------------------ completion ring
  always_ff @(posedge clk_i)
    if (cpl_we_i) cpl_mem[{cpl_prod_q[CPL_SB-1:0], cpl_word_i}] <= cpl_wdata_i;

  // ------------------------------------------------------ event ring
  // One event per cycle into the ring, the two pipelines taking turns.
  logic   ev_turn_in_q;                  // ingress goes first when both wait
  wire    ev_take = event_valid_i[0] || event_valid_i[1];
  wire    ev_from_in = event_valid_i[1] && (!event_valid_i[0] || ev_turn_in_q);
  espnic_pkg::event_t ev_head;
  assign ev_head = ev_from_in ? event_in_i : event_eg_i;
  assign event_ready_o[0] = ev_take && !ev_from_in;
  assign event_ready_o[1] = ev_take && ev_from_in;
  wire    ev_full = ev_prod_q - ev_cons_i == 16'(espnic_regs_pkg::EV_RING_SLOTS);
  assign event_written_o = ev_take && !ev_full;
  assign event_lost_o    = ev_take && ev_full;
  logic [EV_BITS-1:0] ev_entry;          // the defined bytes of an entry (the rest reads 0)
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

  // ------------------------------------------------------ the host's writes of the counts
  wire [15:0] w16 = reg_wdata_i[15:0];
  logic [2:0] write_refused_q;
  always_comb begin
    write_refused_o = '0;
    if (cmd_prod_we_i && !(w16 - cmd_cons_q <= 16'(espnic_regs_pkg::CMD_RING_SLOTS) &&
                           w16 - cmd_cons_q >= cmd_prod_i - cmd_cons_q))
      write_refused_o[espnic_regs_pkg::ERR_DOORBELL] = 1'b1;
    if (cpl_cons_we_i && w16 - cpl_cons_i > cpl_prod_q - cpl_cons_i)
      write_refused_o[espnic_regs_pkg::ERR_CPL_CONS] = 1'b1;
    if (ev_cons_we_i && w16 - ev_cons_i > ev_prod_q - ev_cons_i)
      write_refused_o[espnic_regs_pkg::ERR_EV_CONS] = 1'b1;
  end
  // A refused write is refused at once; its ERROR bit and INT_ERROR follow a
  // cycle later, off the path from the write's data.
  always_ff @(posedge clk_i) write_refused_q <= rst_ni ? write_refused_o : 3'd0;
  assign error_set_o = write_refused_q;

  // ------------------------------------------------------ the card's counts
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cmd_cons_q   <= '0;
      cpl_prod_q   <= '0;
      ev_prod_q    <= '0;
      ev_lost_q    <= '0;
      ev_turn_in_q <= 1'b0;
    end else begin
      if (cmd_taken_i) cmd_cons_q <= cmd_cons_q + 16'd1;
      if (cpl_done_i)  cpl_prod_q <= cpl_prod_q + 16'd1;
      if (ev_take) begin
        ev_turn_in_q <= !ev_from_in;
        if (ev_full) ev_lost_q <= ev_lost_q + 32'd1;
        else         ev_prod_q <= ev_prod_q + 16'd1;
      end
    end
  end

  // ------------------------------------------------------ host reads
  logic [31:0]        rd_cpl_q;
  logic [EV_BITS-1:0] rd_ev_q;
  logic [espnic_regs_pkg::EV_RING_WB-1:0] rd_ev_word_q;   // the word of the entry
  always_ff @(posedge clk_i)
    if (reg_re_i) begin
      rd_cpl_q     <= cpl_mem[cpl_ring_word_i];
      rd_ev_q      <= ev_mem[ev_ring_word_i[espnic_regs_pkg::EV_RING_AW-1:espnic_regs_pkg::EV_RING_WB]];
      rd_ev_word_q <= ev_ring_word_i[espnic_regs_pkg::EV_RING_WB-1:0];
    end
  assign cpl_ring_rdata_o = rd_cpl_q;
  // (An event's defined bytes fit its first two words.)
  assign ev_ring_rdata_o  = rd_ev_word_q == 0 ? rd_ev_q[31:0] :
                            rd_ev_word_q == 1 ? 32'(rd_ev_q[EV_BITS-1:32]) : 32'd0;
endmodule
