// spd_classifier: the security policy database (RFC 4301 4.4.1) as a packet
// classifier in RAM. The host (libespnic, driver/cls_compile.c) compiles the
// ordered rules into a decision tree of D levels: each inner node cuts b
// bits of the key at bit offset off, and its child is base + those bits;
// a leaf lists up to L rule slots in priority order. The leaf's rules are
// read from L copies of the rule RAM and compared in parallel; the first
// that matches wins, exactly as a linear search in priority order would.
// One lookup is accepted per cycle; the answer comes 3*D + 5 cycles later.
//
// Two generations of the tree (node and leaf tables) and a switch: the host
// writes the inactive generation, then swaps. A lookup takes the active
// generation when it enters and keeps it to the end, so it sees one whole
// tree. Writes (to tables or rules) wait while a lookup of the inactive
// generation is still in the pipeline. The rule slots are generational too
// (2*N, a half per generation): the host writes a rule into the inactive
// half, so no rule a lookup may still read changes under it, and a host
// that lost track of what the card holds (another process changed it, a
// reset) can always rewrite one whole generation and swap.
//
// Writes: wr_table_i 0..D-1 a node of that level, D a leaf, D+1 a rule slot
// (all L copies), D+2 swap generations (the tree becomes valid), D+3 clear
// (every lookup misses until the next swap; the reset state).
module spd_classifier
#(
  parameter int N       = 16384,    // rule slots
  parameter int L       = 8,        // rules per leaf
  parameter int D       = 6,        // tree levels
  parameter int NODE_AW = 14,       // log2 of nodes per level (levels 1..D-1) and generation
  parameter int LEAF_AW = 14,       // log2 of leaves per generation
  parameter int WR_W    = 512
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,

  input  logic                  wr_valid_i,
  output logic                  wr_ready_o,
  input  logic [3:0]            wr_table_i,
  input  logic [15:0]           wr_addr_i,
  input  logic [WR_W-1:0]       wr_data_i,
  output logic                  gen_o,          // the active generation

  input  logic                  req_valid_i,
  output logic                  req_ready_o,
  input  logic [espnic_pkg::CLS_KEY_W-1:0] req_key_i,   // cls_key_t
  output logic                  resp_valid_o,
  input  logic                  resp_ready_i,
  output logic                  resp_hit_o,
  output logic [15:0]           resp_rule_o,    // the matching rule's index
  output logic [1:0]            resp_action_o,
  output logic [15:0]           resp_sa_o
);
  localparam int KW     = espnic_pkg::CLS_KEY_W;
  localparam int IKW    = KW + 1;                 // the key and the tree-valid bit
  localparam int RW     = espnic_pkg::CLS_RULE_W;
  localparam int AW     = espnic_pkg::ADDR_W;
  localparam int IDW    = $clog2(N);
  localparam int CW     = $clog2(L + 1);
  localparam int LEAF_W = L * IDW + CW;

  // ------------------------------------------------------------ control
  logic gen_q, loaded_q, busy_old;
  logic out_valid_q;
  wire  adv = !out_valid_q || resp_ready_i;
  assign req_ready_o = adv;
  assign wr_ready_o  = !busy_old;
  assign gen_o       = gen_q;
  wire  wr_go = wr_valid_i && !busy_old;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      gen_q    <= 1'b0;
      loaded_q <= 1'b0;
    end else if (wr_go && wr_table_i == 4'(D + 2)) begin
      gen_q    <= !gen_q;
      loaded_q <= 1'b1;
    end else if (wr_go && wr_table_i == 4'(D + 3)) begin
      loaded_q <= 1'b0;
    end
  end

  // ------------------------------------------------------------ the tree
  logic [D:0]        lv_valid, lv_gen, lv_done, lv_busy;
  logic [(D+1)*IKW-1:0] lv_key;
  logic [(D+1)*16-1:0]  lv_idx;
  assign lv_valid[0] = req_valid_i;
  assign lv_gen[0]   = gen_q;
  assign lv_key[0 +: IKW] = {loaded_q, req_key_i};
  assign lv_done[0]  = 1'b0;
  assign lv_idx[0 +: 16] = '0;
  assign lv_busy[D]  = 1'b0;

  for (genvar l = 0; l < D; l++) begin : g_level
    localparam int LAW = l == 0 ? 1 : NODE_AW;    // the root level holds one node
    spd_cls_level #(.AW(LAW), .KW(IKW)) u_level (
      .clk_i, .rst_ni, .adv_i(adv), .gen_i(gen_q),
      .wr_en_i(wr_go && wr_table_i == 4'(l)),
      .wr_addr_i({!gen_q, wr_addr_i[LAW-1:0]}),
      .wr_data_i(wr_data_i[29:0]),
      .in_valid_i(lv_valid[l]), .in_gen_i(lv_gen[l]), .in_key_i(lv_key[l*IKW +: IKW]),
      .in_done_i(lv_done[l]), .in_idx_i(lv_idx[l*16 +: 16]),
      .out_valid_o(lv_valid[l+1]), .out_gen_o(lv_gen[l+1]),
      .out_key_o(lv_key[(l+1)*IKW +: IKW]), .out_done_o(lv_done[l+1]),
      .out_idx_o(lv_idx[(l+1)*16 +: 16]),
      .busy_old_o(lv_busy[l])
    );
  end

  // ------------------------------------------------------- T0: leaf read
  logic [LEAF_W-1:0] leaf_mem [2**(LEAF_AW+1)];
  always_ff @(posedge clk_i) begin
    if (wr_go && wr_table_i == 4'(D)) leaf_mem[{!gen_q, wr_addr_i[LEAF_AW-1:0]}] <= wr_data_i[LEAF_W-1:0];
  end

  logic              t0_valid, t0_gen;
  logic [IKW-1:0]    t0_key;
  logic [LEAF_W-1:0] t0_leaf;
  wire  [15:0]       leaf_idx = lv_idx[D*16 +: 16];
  always_ff @(posedge clk_i) begin
    if (adv) t0_leaf <= leaf_mem[{lv_gen[D], leaf_idx[LEAF_AW-1:0]}];
    if (!rst_ni) t0_valid <= 1'b0;
    else if (adv) t0_valid <= lv_valid[D];
    if (adv && lv_valid[D]) begin
      t0_gen <= lv_gen[D];
      t0_key <= lv_key[D*IKW +: IKW];
    end
  end

  // ------------------------------------------------ T1: the leaf's rules
  logic              t1_valid, t1_gen;
  logic [KW-1:0]     t1_key;
  logic [L-1:0]      t1_use;          // list entries in use (and the tree valid)
  logic [L*RW-1:0]   t1_rule;
  wire  [CW-1:0]     t0_cnt = t0_leaf[L*IDW +: CW];
  for (genvar j = 0; j < L; j++) begin : g_copy
    logic [RW-1:0] rmem [2*N];
    logic [RW-1:0] rq;
    logic          use_q;
    always_ff @(posedge clk_i) begin
      if (wr_go && wr_table_i == 4'(D + 1)) rmem[{!gen_q, wr_addr_i[IDW-1:0]}] <= wr_data_i[RW-1:0];
      if (adv) rq <= rmem[{t0_gen, t0_leaf[j*IDW +: IDW]}];
      if (adv && t0_valid) use_q <= t0_key[KW] && CW'(j) < t0_cnt;
    end
    assign t1_rule[j*RW +: RW] = rq;
    assign t1_use[j] = use_q;
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) t1_valid <= 1'b0;
    else if (adv) t1_valid <= t0_valid;
    if (adv && t0_valid) begin
      t1_gen <= t0_gen;
      t1_key <= t0_key[KW-1:0];
    end
  end

  // The key's fields (cls_key_t order).
  logic          k_frag, k_v6;
  logic [11:0]   k_vlan;
  logic [7:0]    k_proto;
  logic [15:0]   k_sport, k_dport;
  logic [AW-1:0] k_src, k_dst;
  assign {k_frag, k_v6, k_vlan, k_proto, k_sport, k_dport, k_src, k_dst} = t1_key;

  // ---------------------------------- T2: small fields, prefix masks; T3: match
  logic          t2_valid, t2_gen, t3_valid, t3_gen;
  logic [AW-1:0] t2_src, t2_dst;
  logic [L-1:0]  t3_match;
  logic [L*34-1:0] t3_res;               // per rule {index, action, sa}
  for (genvar j = 0; j < L; j++) begin : g_cmp
    logic [15:0]   r_index, r_sa;
    logic [1:0]    r_action, r_fam;
    logic [AW-1:0] r_src, r_dst;
    logic [7:0]    r_slen, r_dlen, r_proto;
    logic [15:0]   r_sport_lo, r_sport_hi, r_dport_lo, r_dport_hi;
    logic          r_vlan_any;
    logic [11:0]   r_vlan;
    assign {r_index, r_action, r_sa, r_fam, r_src, r_slen, r_dst, r_dlen, r_proto,
            r_sport_lo, r_sport_hi, r_dport_lo, r_dport_hi, r_vlan_any, r_vlan} = t1_rule[j*RW +: RW];

    // Prefix masks from the lengths: from bit 127 for a rule that takes
    // IPv6, from bit 31 for an IPv4-only rule.
    logic [AW-1:0] smask, dmask;
    always_comb begin
      for (int i = 0; i < AW; i++) begin
        if (r_fam[1]) begin
          smask[i] = {1'b0, r_slen} >= 9'(AW - i);
          dmask[i] = {1'b0, r_dlen} >= 9'(AW - i);
        end else begin
          smask[i] = i < 32 && {1'b0, r_slen} >= 9'(32 - i);
          dmask[i] = i < 32 && {1'b0, r_dlen} >= 9'(32 - i);
        end
      end
    end
    // The small fields are four registered tests, ANDed in T3 with the
    // address match (as one AND of all five they were 8 LUT levels).
    wire ports_any = r_sport_lo == 16'd0 && r_sport_hi == 16'hFFFF
                  && r_dport_lo == 16'd0 && r_dport_hi == 16'hFFFF;
    wire in_range  = k_sport >= r_sport_lo && k_sport <= r_sport_hi
                  && k_dport >= r_dport_lo && k_dport <= r_dport_hi;

    logic          t2_fam_ok, t2_proto_ok, t2_vlan_ok, t2_ports_ok, t3_m;
    logic [AW-1:0] t2_smask, t2_dmask, t2_rsrc, t2_rdst;
    logic [33:0]   t2_r, t3_r;
    always_ff @(posedge clk_i) begin
      if (adv && t1_valid) begin
        t2_fam_ok   <= t1_use[j] && (k_v6 ? r_fam[1] : r_fam[0]);
        t2_proto_ok <= r_proto == 8'd0 || r_proto == k_proto;
        t2_vlan_ok  <= r_vlan_any || r_vlan == k_vlan;
        t2_ports_ok <= k_frag ? ports_any : in_range;
        t2_smask <= smask;
        t2_dmask <= dmask;
        t2_rsrc  <= r_src;
        t2_rdst  <= r_dst;
        t2_r     <= {r_index, r_action, r_sa};
      end
      if (adv && t2_valid) begin
        t3_m <= t2_fam_ok && t2_proto_ok && t2_vlan_ok && t2_ports_ok
                && ((t2_src ^ t2_rsrc) & t2_smask) == '0
                && ((t2_dst ^ t2_rdst) & t2_dmask) == '0;
        t3_r <= t2_r;
      end
    end
    assign t3_match[j] = t3_m;
    assign t3_res[j*34 +: 34] = t3_r;
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      t2_valid <= 1'b0;
      t3_valid <= 1'b0;
    end else if (adv) begin
      t2_valid <= t1_valid;
      t3_valid <= t2_valid;
    end
    if (adv && t1_valid) begin
      t2_gen <= t1_gen;
      t2_src <= k_src;
      t2_dst <= k_dst;
    end
    if (adv && t2_valid) t3_gen <= t2_gen;
  end

  // ------------------------------------------------- T4: the first match
  logic        hit;
  logic [33:0] res;
  always_comb begin
    hit = 1'b0;
    res = '0;
    for (int j = L - 1; j >= 0; j--) begin
      if (t3_match[j]) begin
        hit = 1'b1;
        res = t3_res[j*34 +: 34];
      end
    end
  end
  logic        out_hit_q;
  logic [33:0] out_res_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) out_valid_q <= 1'b0;
    else if (adv) out_valid_q <= t3_valid;
    if (adv && t3_valid) begin
      out_hit_q <= hit;
      out_res_q <= hit ? res : '0;
    end
  end
  assign resp_valid_o = out_valid_q;
  assign resp_hit_o   = out_hit_q;
  assign {resp_rule_o, resp_action_o, resp_sa_o} = out_res_q;

  // A write waits while a lookup of the inactive generation is in flight.
  // (The output stage reads no RAM.)
  assign busy_old = |lv_busy || (t0_valid && t0_gen != gen_q) || (t1_valid && t1_gen != gen_q)
                 || (t2_valid && t2_gen != gen_q) || (t3_valid && t3_gen != gen_q);

  logic unused;
  assign unused = ^{wr_data_i, wr_addr_i, lv_done[D], t3_gen, leaf_idx};
endmodule
