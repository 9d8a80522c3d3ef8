// esp_sa_table: one direction's SA table, in block RAM, shared by the data
// path and the control path through one two-stage pipeline.
//
// Configuration and key (written by the control path only) and the entry's
// mutable word (enable, generation, state, counters: espnic_pkg::sa_dyn_t),
// and EXT_WORDS words of EXT_W bits per entry the direction keeps beside it
// (ingress: the replay window, espnic_pkg::REPLAY_WORDS words), are each a RAM
// with one registered read port and one write port. A slot reads and writes
// the entry word and one of its extra words (dp_word_i).
//
//  stage A: a slot is issued (control first, else the data path); its index
//           addresses every RAM; a control WRITE or UPDATE writes
//           configuration and key here, so every later slot reads them.
//  stage B: the RAMs' registered outputs, with the previous cycle's write
//           forwarded over them (that write is the only one the read in A
//           could not see), are the entry as of this slot. The data path
//           decides with them and writes the entry back (b_we_i); a control
//           slot answers a READ or applies its change.
//  stage C: (DP_WB_C) the data path's write-back, a cycle after its stage
//           B, so it decides over two cycles.
//
// Every slot reads the entry as left by all slots before it, so packets of
// one SA back to back, control commands and packets interleaved, stay exact.
// With DP_WB_C that holds under two rules. A control slot is never issued
// in the cycle after a data-path slot (it would write in its stage B beside
// the data path's stage C, and its read would miss that write): it is taken
// into a register (ctl_q) in a cycle no data-path slot is issued and issued
// from there the next cycle, so it is answered a cycle later. And the data
// path never issues a slot that writes in the cycle after a slot of the
// same entry that writes (its read would miss the write in C); a slot that
// only reads, issued then, sees the entry before that write.
// A WRITE bumps the entry's generation: work that read an entry, left the
// pipeline and comes back later (the ingress commit) compares generations
// and never touches an entry that was removed or replaced meanwhile.
//
// A WRITE that enables the entry, or an UPDATE that sets the sequence
// number, clears the entry's extra words: word 0 in its stage B, the others
// in the EXT_WORDS-1 cycles after it, during which ready_o is low and no slot
// is issued (the control path reads an entry, waiting for ready_o, before it
// changes one). A removal does not: nothing reads the words of a disabled
// entry, and the write that enables it again clears them.
//
// After reset the table clears every entry's word (SA_N cycles, ready_o
// low); the extra words wait for the entry's first WRITE.
module esp_sa_table
#(
  parameter int SA_N      = 1024,
  parameter int EXT_W     = 1,
  parameter int EXT_WORDS = 1,      // a power of two
  parameter bit DP_WB_C   = 1'b0    // the data path writes back in stage C, not B
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  output logic                    ready_o,      // control slots accepted (data path: dp_ready_o)

  // control slots (taken in any cycle ready_o is high; the index is in range)
  input  logic                    ctl_valid_i,
  input  espnic_pkg::sa_req_t     ctl_req_i,
  output logic                    ctl_rsp_valid_o,   // the answer to a READ, the next cycle (DP_WB_C: the one after)
  output espnic_pkg::sa_cfg_t     ctl_rsp_cfg_o,
  output espnic_pkg::sa_dyn_t     ctl_rsp_dyn_o,

  // data-path slots: dp_index_i is read in a cycle dp_valid_i && dp_ready_o
  input  logic                    dp_valid_i,
  output logic                    dp_ready_o,
  input  logic [15:0]             dp_index_i,     // taken modulo SA_N
  input  logic [15:0]             dp_word_i,      // extra word, modulo EXT_WORDS
  // the next cycle (stage B): the entry; what the data path writes back, in
  // stage B or (DP_WB_C) the cycle after
  output logic                    b_valid_o,
  output espnic_pkg::sa_cfg_t     b_cfg_o,
  output espnic_pkg::sa_key_t     b_key_o,
  output espnic_pkg::sa_dyn_t     b_dyn_o,
  output logic [EXT_W-1:0]        b_ext_o,
  input  logic                    b_we_i,
  input  espnic_pkg::sa_dyn_t     b_dyn_i,
  input  logic [EXT_W-1:0]        b_ext_i
);
  localparam int SAW = $clog2(SA_N);
  localparam int EWB = $clog2(EXT_WORDS);          // 0 with one word
  localparam int EAW = $clog2(SA_N * EXT_WORDS);

  // Entries as plain vectors of the entry's width (yosys 0.23 reads an
  // unpacked array of structs as one struct).
  logic [$bits(b_cfg_o)-1:0] cfg_mem [SA_N];
  logic [$bits(b_key_o)-1:0] key_mem [SA_N];
  logic [$bits(b_dyn_o)-1:0] dyn_mem [SA_N];
  logic [EXT_W-1:0]          ext_mem [SA_N * EXT_WORDS];

  // An extra word's address: the entry's index, then the word.
  function automatic logic [EAW-1:0] ext_addr(input logic [SAW-1:0] i, input logic [15:0] w);
    ext_addr = (EAW'(i) << EWB) | EAW'(32'(w) % 32'(EXT_WORDS));
  endfunction

  // ------------------------------------------------ reset clear, word clear
  // clr_q: after reset, every entry word. scr_q: the extra words 1.. of one
  // entry after a clearing control slot.
  logic           clr_q, scr_q, b_clears;
  logic [SAW-1:0] clr_i_q;
  logic [SAW-1:0] scr_i_q;
  logic [15:0]    scr_w_q;
  logic [SAW-1:0] b_i_q;
  logic           b_ctl_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      clr_q   <= 1'b1;
      clr_i_q <= '0;
      scr_q   <= 1'b0;
    end else begin
      if (clr_q) begin
        clr_i_q <= clr_i_q + 1'b1;
        if (clr_i_q == SAW'(SA_N - 1)) clr_q <= 1'b0;
      end
      if (b_ctl_q && b_clears && EXT_WORDS > 1) begin
        scr_q   <= 1'b1;
        scr_i_q <= b_i_q;
        scr_w_q <= 16'd1;
      end else if (scr_q) begin
        scr_w_q <= scr_w_q + 16'd1;
        if (scr_w_q == 16'(EXT_WORDS - 1)) scr_q <= 1'b0;
      end
    end
  end
  wire busy = scr_q || (EXT_WORDS > 1 && b_ctl_q && b_clears);
  wire free = !clr_q && !busy;

  // The control slot to issue: the request itself, or (DP_WB_C) the one
  // taken into ctl_q the cycle before.
  logic                ctl_pend_q;
  espnic_pkg::sa_req_t ctl_q, ctl_r;
  wire                 ctl_v = DP_WB_C ? ctl_pend_q : ctl_valid_i;
  assign ctl_r   = DP_WB_C ? ctl_q : ctl_req_i;
  assign ready_o = free && !(DP_WB_C && ctl_pend_q);
  always_ff @(posedge clk_i) begin
    if (!rst_ni) ctl_pend_q <= 1'b0;
    else         ctl_pend_q <= DP_WB_C && ((ctl_pend_q && !free) || (ready_o && ctl_valid_i));
    if (ready_o && ctl_valid_i) ctl_q <= ctl_req_i;
  end

  // ---------------------------------------------------------------- stage A
  wire           a_ctl = free && ctl_v;
  wire           a_dp  = free && dp_valid_i && !ctl_v && !ctl_valid_i;
  assign         dp_ready_o = free && !ctl_v && !ctl_valid_i;
  wire [SAW-1:0] ctl_i = ctl_r.index[SAW-1:0];
  wire [SAW-1:0] a_i   = ctl_v ? ctl_i : dp_index_i[SAW-1:0];
  wire [EAW-1:0] a_ea  = ext_addr(a_i, ctl_v ? 16'd0 : dp_word_i);
  wire           cfg_we = a_ctl && (ctl_r.op == espnic_pkg::SA_OP_WRITE
                                    || ctl_r.op == espnic_pkg::SA_OP_UPDATE);
  wire           key_we = a_ctl && ctl_r.op == espnic_pkg::SA_OP_WRITE;

  logic [$bits(b_cfg_o)-1:0] cfg_rd_q;
  logic [$bits(b_key_o)-1:0] key_rd_q;
  logic [$bits(b_dyn_o)-1:0] dyn_rd_q;
  logic [EXT_W-1:0]          ext_rd_q;

  // The entry word write and the extra word write (stage B or a clear), below.
  logic                      w_en, we_en;
  logic [SAW-1:0]            w_i;
  logic [EAW-1:0]            we_a;
  espnic_pkg::sa_dyn_t       w_dyn;
  logic [EXT_W-1:0]          w_ext;

  // One always_ff per RAM: a write port and a registered read port
  // (read-before-write: stage B forwards the write of the same cycle).
  always_ff @(posedge clk_i) begin
    if (cfg_we) cfg_mem[ctl_i] <= ctl_r.cfg;
    cfg_rd_q <= cfg_mem[a_i];
  end
  always_ff @(posedge clk_i) begin
    if (key_we) key_mem[ctl_i] <= ctl_r.key;
    key_rd_q <= key_mem[a_i];
  end
  always_ff @(posedge clk_i) begin
    if (w_en) dyn_mem[w_i] <= w_dyn;
    dyn_rd_q <= dyn_mem[a_i];
  end
  always_ff @(posedge clk_i) begin
    if (we_en) ext_mem[we_a] <= w_ext;
    ext_rd_q <= ext_mem[a_ea];
  end

  // ---------------------------------------------------------------- stage B
  logic           b_dp_q;
  logic [EAW-1:0] b_ea_q;
  logic [1:0]     b_op_q;
  logic           b_enable_q, b_set_seq_q, b_rearm_q;
  logic [63:0]    b_seq_q;
  logic           b_seq_end_esn_q, b_seq_end_32_q;   // sa_state_t's end flags of b_seq_q
  logic [1:0]     b_seq_warn_q;                      // and its warning flags
  // The write of the previous cycle.
  logic                wv_q, wev_q;
  espnic_pkg::sa_dyn_t wdyn_q;
  logic [EXT_W-1:0]    wext_q;

  // Stage C: where the data path writes back with DP_WB_C.
  logic           c_dp_q;
  logic [SAW-1:0] c_i_q;
  logic [EAW-1:0] c_ea_q;
  always_ff @(posedge clk_i) begin
    c_i_q  <= b_i_q;
    c_ea_q <= b_ea_q;
  end
  wire           dp_w_valid = DP_WB_C ? c_dp_q : b_dp_q;
  wire [SAW-1:0] dp_w_i     = DP_WB_C ? c_i_q : b_i_q;
  wire [EAW-1:0] dp_w_ea    = DP_WB_C ? c_ea_q : b_ea_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      b_dp_q  <= 1'b0;
      c_dp_q  <= 1'b0;
      b_ctl_q <= 1'b0;
      wv_q    <= 1'b0;
      wev_q   <= 1'b0;
    end else begin
      b_dp_q  <= a_dp;
      c_dp_q  <= b_dp_q;
      b_ctl_q <= a_ctl;
      wv_q    <= w_en;
      wev_q   <= we_en;
    end
    b_i_q       <= a_i;
    b_ea_q      <= a_ea;
    b_op_q      <= ctl_r.op;
    b_enable_q  <= ctl_r.enable;
    b_seq_q     <= ctl_r.seq;
    b_seq_end_esn_q <= &ctl_r.seq;
    b_seq_end_32_q  <= ctl_r.seq[63:32] != '0 || &ctl_r.seq[31:0];
    b_seq_warn_q    <= espnic_pkg::seq_warn(ctl_r.seq, 1);
    b_set_seq_q <= ctl_r.set_seq;
    b_rearm_q   <= ctl_r.rearm;
    wdyn_q      <= w_dyn;
    wext_q      <= w_ext;
  end

  // Whether the previous cycle's write hits this slot's entry and word,
  // compared a cycle early (the write's and the slot's addresses are both
  // known when the slot is issued), so the compare is not in stage B.
  logic                fwd_hit_q, fwd_e_hit_q;
  always_ff @(posedge clk_i) begin
    fwd_hit_q   <= w_i == a_i;
    fwd_e_hit_q <= we_a == a_ea;
  end
  wire                 fwd   = wv_q && fwd_hit_q;
  wire                 fwd_e = wev_q && fwd_e_hit_q;
  espnic_pkg::sa_dyn_t cur_dyn;
  logic [EXT_W-1:0]    cur_ext;
  assign cur_dyn = fwd ? wdyn_q : dyn_rd_q;
  assign cur_ext = fwd_e ? wext_q : ext_rd_q;
  assign b_clears = (b_op_q == espnic_pkg::SA_OP_WRITE && b_enable_q)
                 || (b_op_q == espnic_pkg::SA_OP_UPDATE && b_set_seq_q);

  assign b_valid_o = b_dp_q;
  assign b_cfg_o   = cfg_rd_q;
  assign b_key_o   = key_rd_q;
  assign b_dyn_o   = cur_dyn;
  assign b_ext_o   = cur_ext;

  assign ctl_rsp_valid_o = b_ctl_q && b_op_q == espnic_pkg::SA_OP_READ;
  assign ctl_rsp_cfg_o   = cfg_rd_q;
  assign ctl_rsp_dyn_o   = cur_dyn;

  // A control slot's change of the entry word.
  espnic_pkg::sa_dyn_t c_dyn;
  logic [EXT_W-1:0]    c_ext;
  always_comb begin
    c_dyn = cur_dyn;
    c_ext = cur_ext;
    case (b_op_q)
      espnic_pkg::SA_OP_WRITE: begin
        c_dyn        = '0;
        c_dyn.enable = b_enable_q;
        c_dyn.gen    = cur_dyn.gen + 1'b1;
        c_dyn.st.seq = b_seq_q;
        c_dyn.st.seq_end_esn = b_seq_end_esn_q;
        c_dyn.st.seq_end_32  = b_seq_end_32_q;
        {c_dyn.st.seq_warn_esn, c_dyn.st.seq_warn_32} = b_seq_warn_q;
        c_ext        = '0;
      end
      espnic_pkg::SA_OP_UPDATE: begin
        if (b_set_seq_q) begin
          if (b_seq_q > cur_dyn.st.seq) begin
            c_dyn.st.seq         = b_seq_q;
            c_dyn.st.seq_end_esn = b_seq_end_esn_q;
            c_dyn.st.seq_end_32  = b_seq_end_32_q;
            {c_dyn.st.seq_warn_esn, c_dyn.st.seq_warn_32} = b_seq_warn_q;
          end
          c_ext = '0;
        end
        if (b_rearm_q) begin
          c_dyn.st.soft_fired = 1'b0;
          c_dyn.st.hard_fired = 1'b0;
        end
      end
      espnic_pkg::SA_OP_REARM_ACQ: c_dyn.acq_fired = 1'b0;
      default: ;
    endcase
  end

  // A control slot writes extra word 0 (its slot read word 0); the scrub
  // writes the others. (A control slot's stage B and a data-path write are
  // never in one cycle.)
  always_comb begin
    w_en  = clr_q || (b_ctl_q && b_op_q != espnic_pkg::SA_OP_READ) || (dp_w_valid && b_we_i);
    w_i   = clr_q ? clr_i_q : b_ctl_q ? b_i_q : dp_w_i;
    w_dyn = clr_q ? '0 : b_ctl_q ? c_dyn : b_dyn_i;
    we_en = w_en || scr_q;
    we_a  = clr_q ? ext_addr(clr_i_q, 16'd0) : scr_q ? ext_addr(scr_i_q, scr_w_q) : b_ctl_q ? b_ea_q : dp_w_ea;
    w_ext = (clr_q || scr_q) ? '0 : b_ctl_q ? c_ext : b_ext_i;
  end
endmodule
