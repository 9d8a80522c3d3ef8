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

  // A write waits while a lookup of the inactive generation is in flight
  // (in the tree's 3*D stages or in T0-T3; the output stage reads no RAM).
  // busy_old is a register: old_sr marks the stages that hold such a lookup.
  // Every stage moves on adv, so the marks move with the pipeline's valid
  // bits (vld_sr, a copy of them); a swap happens only when no stage is
  // marked, and then marks every lookup in flight or entering (they all
  // carry the generation that stops being active). Computed from the
  // stages' gen bits and gen_q, the wait was 7 LUT levels to the write
  // enables.
  // (The next busy_old is ORed from the registers, the swap selecting at
  // the end: ORed after the swap's select it was 7 levels from wr_valid_i.)
  localparam int P = 3 * D + 4;
  logic [P-1:0] vld_sr, old_sr;
  wire          swap_go = wr_go && wr_table_i == 4'(D + 2);
  wire  [P-1:0] vld_nx  = adv ? {vld_sr[P-2:0], req_valid_i} : vld_sr;
  wire  [P-1:0] old_nx  = swap_go ? vld_nx : adv ? {old_sr[P-2:0], 1'b0} : old_sr;
  wire          any_vld = adv ? |vld_sr[P-2:0] || req_valid_i : |vld_sr;
  wire          any_old = adv ? |old_sr[P-2:0] : |old_sr;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      vld_sr   <= '0;
      old_sr   <= '0;
      busy_old <= 1'b0;
    end else begin
      vld_sr   <= vld_nx;
      old_sr   <= old_nx;
      busy_old <= swap_go ? any_vld : any_old;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      gen_q    <= 1'b0;
      loaded_q <= 1'b0;
    end else if (swap_go) begin
      gen_q    <= !gen_q;
      loaded_q <= 1'b1;
    end else if (wr_go && wr_table_i == 4'(D + 3)) begin
      loaded_q <= 1'b0;
    end
  end

  // ------------------------------------------------------------ the tree
  logic [D:0]        lv_valid, lv_gen, lv_done;
  logic [(D+1)*IKW-1:0] lv_key;
  logic [(D+1)*16-1:0]  lv_idx;
  assign lv_valid[0] = req_valid_i;
  assign lv_gen[0]   = gen_q;
  assign lv_key[0 +: IKW] = {loaded_q, req_key_i};
  assign lv_done[0]  = 1'b0;
  assign lv_idx[0 +: 16] = '0;

  for (genvar l = 0; l < D; l++) begin : g_level
    localparam int LAW = l == 0 ? 1 : NODE_AW;    // the root level holds one node
    spd_cls_level #(.AW(LAW), .KW(IKW)) u_level (
      .clk_i, .rst_ni, .adv_i(adv),
      .wr_en_i(wr_go && wr_table_i == 4'(l)),
      .wr_addr_i({!gen_q, wr_addr_i[LAW-1:0]}),
      .wr_data_i(wr_data_i[29:0]),
      .in_valid_i(lv_valid[l]), .in_gen_i(lv_gen[l]), .in_key_i(lv_key[l*IKW +: IKW]),
      .in_done_i(lv_done[l]), .in_idx_i(lv_idx[l*16 +: 16]),
      .out_valid_o(lv_valid[l+1]), .out_gen_o(lv_gen[l+1]),
      .out_key_o(lv_key[(l+1)*IKW +: IKW]), .out_done_o(lv_done[l+1]),
      .out_idx_o(lv_idx[(l+1)*16 +: 16])
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
  logic              t1_valid;
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
    if (adv && t0_valid) t1_key <= t0_key[KW-1:0];
  end

  // The key's fields (cls_key_t order).
  logic          k_frag, k_v6;
  logic [11:0]   k_vlan;
  logic [7:0]    k_proto;
  logic [15:0]   k_sport, k_dport;
  logic [AW-1:0] k_src, k_dst;
  assign {k_frag, k_v6, k_vlan, k_proto, k_sport, k_dport, k_src, k_dst} = t1_key;

  // ------------------------ T2: small fields, address bits compared; T3: match
  logic          t2_valid, t3_valid;
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

    // The address compares, registered per bit: a bit mismatches when the
    // key and the rule differ there and the rule's prefix takes it (from bit
    // 127 for a rule that takes IPv6, from bit 31 for an IPv4-only rule).
    // The prefix takes bit i when len > q, q = AW-1-i (IPv6) or 31-i (IPv4,
    // i < 32), decoded in two levels: len[7:3] against q[7:3] (greater,
    // equal; q[7:3] is K = (AW-1-i)/8, or K-12 for IPv4, K & 3 for K >= 12)
    // and len[2:0] against q[2:0] (the same for both), so a bit is one LUT
    // of {key, rule, gt[K], eq[K], lo[q[2:0]]} behind one of decoders of 6
    // inputs. (As 128 `>=` compares of 8 bits per address, yosys made carry
    // chains of them: 7-8 LUT levels.)
    // The takes are built a byte at a time and the mismatches as one vector
    // operation (the same function per bit; a loop over the 128 bits costs
    // the Verilator model most of its time).
    logic [AW/8-1:0] s_gt, s_eq, d_gt, d_eq;
    logic [7:0]      s_lo, d_lo, s_lo_rev, d_lo_rev;
    logic [AW-1:0]   s_take, d_take, s_miss, d_miss;
    always_comb begin
      for (int k = 0; k < AW / 8; k++) begin
        if (r_fam[1]) begin
          s_gt[k] = r_slen[7:3] > 5'(k);
          s_eq[k] = r_slen[7:3] == 5'(k);
          d_gt[k] = r_dlen[7:3] > 5'(k);
          d_eq[k] = r_dlen[7:3] == 5'(k);
        end else begin
          s_gt[k] = k >= AW / 8 - 4 && r_slen[7:3] > 5'(k & 3);
          s_eq[k] = k >= AW / 8 - 4 && r_slen[7:3] == 5'(k & 3);
          d_gt[k] = k >= AW / 8 - 4 && r_dlen[7:3] > 5'(k & 3);
          d_eq[k] = k >= AW / 8 - 4 && r_dlen[7:3] == 5'(k & 3);
        end
      end
      for (int m = 0; m < 8; m++) begin
        s_lo[m] = r_slen[2:0] > 3'(m);
        d_lo[m] = r_dlen[2:0] > 3'(m);
      end
      // Bit b of byte K (bit i = AW-8-8K+b) has q[2:0] = 7-b: lo reversed.
      for (int m = 0; m < 8; m++) begin
        s_lo_rev[m] = s_lo[7-m];
        d_lo_rev[m] = d_lo[7-m];
      end
      for (int k = 0; k < AW / 8; k++) begin
        s_take[AW-8-8*k +: 8] = {8{s_gt[k]}} | ({8{s_eq[k]}} & s_lo_rev);
        d_take[AW-8-8*k +: 8] = {8{d_gt[k]}} | ({8{d_eq[k]}} & d_lo_rev);
      end
      s_miss = (k_src ^ r_src) & s_take;
      d_miss = (k_dst ^ r_dst) & d_take;
    end
    // The small fields are four registered tests, ANDed in T3 with the
    // address match (as one AND of all five they were 8 LUT levels).
    wire ports_any = r_sport_lo == 16'd0 && r_sport_hi == 16'hFFFF
                  && r_dport_lo == 16'd0 && r_dport_hi == 16'hFFFF;
    wire in_range  = k_sport >= r_sport_lo && k_sport <= r_sport_hi
                  && k_dport >= r_dport_lo && k_dport <= r_dport_hi;

    logic          t2_fam_ok, t2_proto_ok, t2_vlan_ok, t2_ports_ok, t3_m;
    logic [AW-1:0] t2_smiss, t2_dmiss;
    logic [33:0]   t2_r, t3_r;
    always_ff @(posedge clk_i) begin
      if (adv && t1_valid) begin
        t2_fam_ok   <= t1_use[j] && (k_v6 ? r_fam[1] : r_fam[0]);
        t2_proto_ok <= r_proto == 8'd0 || r_proto == k_proto;
        t2_vlan_ok  <= r_vlan_any || r_vlan == k_vlan;
        t2_ports_ok <= k_frag ? ports_any : in_range;
        t2_smiss <= s_miss;
        t2_dmiss <= d_miss;
        t2_r     <= {r_index, r_action, r_sa};
      end
      if (adv && t2_valid) begin
        t3_m <= t2_fam_ok && t2_proto_ok && t2_vlan_ok && t2_ports_ok
                && t2_smiss == '0 && t2_dmiss == '0;
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

  logic unused;
  assign unused = ^{wr_data_i, wr_addr_i, lv_done[D], leaf_idx};
endmodule
