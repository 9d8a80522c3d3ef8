// spd_lookup: the security policy database (RFC 4301 4.4.1). Rules are kept
// in priority order (index 0 first); the first rule that matches a flow wins.
// PAR rules are compared per cycle: with PAR = N one lookup per cycle is
// accepted (fully pipelined); with fewer, a lookup takes N/PAR cycles.
module spd_lookup
#(
  parameter int N   = 256,
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
  localparam int CW     = CHUNKS > 1 ? $clog2(CHUNKS) : 1;
  localparam int IW     = $clog2(N);

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

  // Stage 1: compare one chunk of rules (registered). Stage 2: pick the first.
  espnic_pkg::flow_key_t key_q;
  logic           busy_q;        // a lookup is walking the chunks
  logic [CW-1:0]  chunk_q;
  logic           s1_valid_q;
  logic           s1_last_q;     // this is the lookup's last chunk
  logic [CW-1:0]  s1_chunk_q;
  logic [PAR-1:0] s1_match_q;
  logic           found_q;       // an earlier chunk already matched
  logic [15:0]    found_rule_q;

  logic           out_valid_q;
  logic           out_hit_q;
  logic [15:0]    out_rule_q;

  wire out_free  = !out_valid_q || resp_ready_i;
  // Stage 1 can advance when its result can move on.
  wire s1_free   = !s1_valid_q || out_free || !s1_last_q;
  assign req_ready_o = !busy_q && s1_free;
  wire start     = req_valid_i && req_ready_o;

  // The chunk compared this cycle.
  wire            cmp_valid = start || (busy_q && s1_free);
  wire [CW-1:0]   cmp_chunk = start ? '0 : chunk_q;
  espnic_pkg::flow_key_t cmp_key;
  assign cmp_key = start ? req_key_i : key_q;
  wire            cmp_last  = (cmp_chunk == CW'(CHUNKS - 1));

  // Which rules of the chunk match the key. Written out per rule, with the
  // rule's fields unpacked by a concatenation in spd_rule_t order (a change of
  // spd_rule_t is a width error in the lint): yosys 0.23 reads struct members
  // of module-level signals only, not inside functions or generate blocks.
  logic [PAR-1:0] cmp_match;
  for (genvar i = 0; i < PAR; i++) begin : g_cmp
    logic                         r_v6;
    logic [2*espnic_pkg::ADDR_W-1:0] r_src, r_dst;   // prefix_t: {addr, mask}
    logic [7:0]                   r_proto;
    logic [15:0]                  r_sport_lo, r_sport_hi, r_dport_lo, r_dport_hi;
    logic [17:0]                  unused_action_sa;
    assign {r_v6, r_src, r_dst, r_proto, r_sport_lo, r_sport_hi, r_dport_lo, r_dport_hi,
            unused_action_sa} = rules_q[(cmp_chunk * PAR + i) % N];
    assign cmp_match[i] = (cmp_chunk * PAR + i < N)
                       && enable_q[(cmp_chunk * PAR + i) % N]
                       && r_v6 == cmp_key.v6
                       && espnic_pkg::prefix_match(r_src, cmp_key.src)
                       && espnic_pkg::prefix_match(r_dst, cmp_key.dst)
                       && (r_proto == 8'd0 || r_proto == cmp_key.proto)
                       && cmp_key.sport >= r_sport_lo && cmp_key.sport <= r_sport_hi
                       && cmp_key.dport >= r_dport_lo && cmp_key.dport <= r_dport_hi;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q      <= 1'b0;
      chunk_q     <= '0;
      s1_valid_q  <= 1'b0;
      s1_last_q   <= 1'b0;
      out_valid_q <= 1'b0;
    end else begin
      if (start) key_q <= req_key_i;
      if (cmp_valid) begin
        busy_q  <= !cmp_last;
        chunk_q <= cmp_chunk + CW'(1);
      end
      if (s1_free) begin
        s1_valid_q <= cmp_valid;
        s1_last_q  <= cmp_last;
        s1_chunk_q <= cmp_chunk;
        if (cmp_valid) s1_match_q <= cmp_match;
      end
      if (out_free) out_valid_q <= 1'b0;
      if (s1_valid_q && s1_free) begin
        logic        hit;
        logic [15:0] idx;
        hit = 1'b0;
        idx = '0;
        for (int i = PAR - 1; i >= 0; i--) begin
          if (s1_match_q[i]) begin
            hit = 1'b1;
            idx = 16'(s1_chunk_q * PAR + i);
          end
        end
        if (s1_chunk_q == '0) found_q <= 1'b0;
        if (hit && !(found_q && s1_chunk_q != '0)) begin
          found_q      <= 1'b1;
          found_rule_q <= idx;
        end
        if (s1_last_q) begin
          out_valid_q <= 1'b1;
          if (found_q && s1_chunk_q != '0) begin
            out_hit_q  <= 1'b1;
            out_rule_q <= found_rule_q;
          end else begin
            out_hit_q  <= hit;
            out_rule_q <= idx;
          end
        end
      end
    end
  end

  assign resp_valid_o = out_valid_q;
  assign resp_hit_o   = out_hit_q;
  assign resp_rule_o  = out_rule_q;
  assign resp_o       = rules_q[out_rule_q[IW-1:0]];
endmodule
