// spd_lookup: the security policy database (RFC 4301 4.4.1). Rules are kept
// in priority order (index 0 first); the first rule that matches a flow wins.
// The N rules are split into CHUNKS = N/PAR chunks of PAR rules, one pipeline
// stage each: stage s compares its chunk with the key it holds and passes the
// first match found so far on to stage s+1. One lookup is accepted per cycle
// whatever N is; the answer comes CHUNKS + 1 cycles later. PAR sets the width
// of each stage's first-match encoder (its logic depth), not the throughput.
module spd_lookup
#(
  parameter int N   = 1024,
  parameter int PAR = 256
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  // rule writes from the control path
  input  logic              wr_valid_i,
  input  logic [15:0]       wr_index_i,
  input  logic              wr_enable_i,     // 0 removes the rule
  input  espnic_pkg::spd_rule_t wr_rule_i,
  output espnic_pkg::spd_rule_t rd_rule_o,       // rule at wr_index_i, for read-back
  output logic              rd_enable_o,

  // lookups
  input  logic              req_valid_i,
  output logic              req_ready_o,
  input  espnic_pkg::flow_key_t req_key_i,
  output logic              resp_valid_o,
  input  logic              resp_ready_i,
  output logic              resp_hit_o,
  output logic [15:0]       resp_rule_o,
  output espnic_pkg::spd_rule_t resp_o
);
  localparam int CHUNKS = (N + PAR - 1) / PAR;
  localparam int IW     = $clog2(N);
  localparam int KW     = $bits(req_key_i);
  localparam int AW     = espnic_pkg::ADDR_W;
  localparam int KEYS   = CHUNKS > 1 ? CHUNKS - 1 : 1;

  // Tables as plain vectors of the entry's width: yosys 0.23 reads an
  // unpacked array of structs as one struct.
  logic [$bits(wr_rule_i)-1:0] rules_q [N];
  logic [N-1:0] enable_q;

  assign rd_rule_o   = rules_q[wr_index_i[IW-1:0]];
  assign rd_enable_o = enable_q[wr_index_i[IW-1:0]];

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      enable_q <= '0;
    end else if (wr_valid_i && wr_index_i < 16'(N)) begin
      enable_q[wr_index_i[IW-1:0]] <= wr_enable_i;
      rules_q[wr_index_i[IW-1:0]]  <= wr_rule_i;
    end
  end

  // The pipeline moves as one: it stalls only while the answer waits.
  logic out_valid_q, out_hit_q;
  logic [15:0] out_rule_q;
  wire  adv = !out_valid_q || resp_ready_i;
  assign req_ready_o = adv;

  // What leaves each stage s (its registers): the key, and the first match
  // among chunks 0..s. Flat vectors, stage s at [s*width +: width]: yosys 0.23
  // misreads arrays of structs and writes into unpacked arrays from several
  // blocks.
  logic [CHUNKS-1:0]    st_valid, st_found;
  logic [KEYS*KW-1:0]   st_key;         // not kept after the last stage
  logic [CHUNKS*16-1:0] st_rule;

  for (genvar s = 0; s < CHUNKS; s++) begin : g_stage
    // What enters the stage.
    logic          in_valid, in_found;
    logic [KW-1:0] in_key;
    logic [15:0]   in_rule;
    if (s == 0) begin : g_first
      assign in_valid = req_valid_i;
      assign in_key   = req_key_i;
      assign in_found = 1'b0;
      assign in_rule  = '0;
    end else begin : g_next
      assign in_valid = st_valid[s-1];
      assign in_key   = st_key[(s-1)*KW +: KW];
      assign in_found = st_found[s-1];
      assign in_rule  = st_rule[(s-1)*16 +: 16];
    end

    // The key's fields, unpacked by a concatenation in flow_key_t order (a
    // change of flow_key_t is a width error in the lint): yosys 0.23 reads
    // struct members of module-level signals only.
    logic          k_v6;
    logic [AW-1:0] k_src, k_dst;
    logic [7:0]    k_proto;
    logic [15:0]   k_sport, k_dport;
    assign {k_v6, k_src, k_dst, k_proto, k_sport, k_dport} = in_key;

    // Which rules of chunk s match the key. Each compare is written only when
    // a lookup enters the stage, so the simulator skips idle stages.
    logic [PAR-1:0] match;
    for (genvar i = 0; i < PAR; i++) begin : g_rule
      if (s * PAR + i < N) begin : g_cmp
        localparam int R = s * PAR + i;
        logic                 r_v6;
        logic [2*AW-1:0]      r_src, r_dst;   // prefix_t: {addr, mask}
        logic [7:0]           r_proto;
        logic [15:0]          r_sport_lo, r_sport_hi, r_dport_lo, r_dport_hi;
        logic [17:0]          unused_action_sa;
        logic                 match_q;
        assign {r_v6, r_src, r_dst, r_proto, r_sport_lo, r_sport_hi, r_dport_lo, r_dport_hi,
                unused_action_sa} = rules_q[R];
        always_ff @(posedge clk_i) begin
          if (adv && in_valid) begin
            match_q <= enable_q[R]
                    && r_v6 == k_v6
                    && espnic_pkg::prefix_match(r_src, k_src)
                    && espnic_pkg::prefix_match(r_dst, k_dst)
                    && (r_proto == 8'd0 || r_proto == k_proto)
                    && k_sport >= r_sport_lo && k_sport <= r_sport_hi
                    && k_dport >= r_dport_lo && k_dport <= r_dport_hi;
          end
        end
        assign match[i] = match_q;
      end else begin : g_none
        assign match[i] = 1'b0;
      end
    end

    // The stage's registers (match is registered above, per rule).
    logic          valid_q, found_q;
    logic [15:0]   rule_q;
    always_ff @(posedge clk_i) begin
      if (!rst_ni) begin
        valid_q <= 1'b0;
      end else if (adv) begin
        valid_q <= in_valid;
        if (in_valid) begin
          found_q <= in_found;
          rule_q  <= in_rule;
        end
      end
    end
    if (s + 1 < CHUNKS) begin : g_key   // the next stage's key
      logic [KW-1:0] key_q;
      always_ff @(posedge clk_i) if (adv && in_valid) key_q <= in_key;
      assign st_key[s*KW +: KW] = key_q;
    end

    // The first match in chunk s, merged with the earlier chunks' (a lower
    // index wins). This encoder runs in the cycle after the compare, beside
    // the next chunk's compare.
    logic        hit;
    logic [15:0] idx;
    always_comb begin
      hit = 1'b0;
      idx = '0;
      for (int i = PAR - 1; i >= 0; i--) begin
        if (match[i]) begin
          hit = 1'b1;
          idx = 16'(s * PAR + i);
        end
      end
    end
    assign st_valid[s]            = valid_q;
    assign st_found[s]            = found_q || hit;
    assign st_rule[s*16 +: 16]    = found_q ? rule_q : idx;
  end

  if (CHUNKS == 1) begin : g_one_chunk
    assign st_key = '0;
    logic unused_key;
    assign unused_key = ^st_key;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      out_valid_q <= 1'b0;
    end else if (adv) begin
      out_valid_q <= st_valid[CHUNKS-1];
      if (st_valid[CHUNKS-1]) begin
        out_hit_q  <= st_found[CHUNKS-1];
        out_rule_q <= st_rule[(CHUNKS-1)*16 +: 16];
      end
    end
  end

  assign resp_valid_o = out_valid_q;
  assign resp_hit_o   = out_hit_q;
  assign resp_rule_o  = out_rule_q;
  assign resp_o       = rules_q[out_rule_q[IW-1:0]];
endmodule
