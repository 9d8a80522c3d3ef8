// spd_lookup: the security policy database (RFC 4301 4.4.1). Rules are kept
// in priority order (index 0 first); the first rule that matches a flow wins.
// PAR rules are compared per cycle: with PAR = N one lookup per cycle is
// accepted (fully pipelined); with fewer, a lookup takes N/PAR cycles.
module spd_lookup
  import espnic_pkg::*;
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
  input  spd_rule_t         wr_rule_i,
  output spd_rule_t         rd_rule_o,       // rule at wr_index_i, for read-back
  output logic              rd_enable_o,

  // lookups
  input  logic              req_valid_i,
  output logic              req_ready_o,
  input  flow_key_t         req_key_i,
  output logic              resp_valid_o,
  input  logic              resp_ready_i,
  output logic              resp_hit_o,
  output logic [15:0]       resp_rule_o,
  output spd_rule_t         resp_o
);
  localparam int CHUNKS = (N + PAR - 1) / PAR;
  localparam int CW     = CHUNKS > 1 ? $clog2(CHUNKS) : 1;
  localparam int IW     = $clog2(N);

  spd_rule_t  rules_q [N];
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

  function automatic logic rule_match(input spd_rule_t r, input flow_key_t k);
    return r.v6 == k.v6
        && prefix_match(r.src, k.src)
        && prefix_match(r.dst, k.dst)
        && (r.proto == 8'd0 || r.proto == k.proto)
        && k.sport >= r.sport_lo && k.sport <= r.sport_hi
        && k.dport >= r.dport_lo && k.dport <= r.dport_hi;
  endfunction

  // Stage 1: compare one chunk of rules (registered). Stage 2: pick the first.
  flow_key_t      key_q;
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
  flow_key_t      cmp_key;
  assign cmp_key = start ? req_key_i : key_q;
  wire            cmp_last  = (cmp_chunk == CW'(CHUNKS - 1));

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
        // Only this loop runs per packet; it is skipped when idle.
        if (cmp_valid) begin
          for (int i = 0; i < PAR; i++) begin
            s1_match_q[i] <= (cmp_chunk * PAR + i < N)
                          && enable_q[(cmp_chunk * PAR + i) % N]
                          && rule_match(rules_q[(cmp_chunk * PAR + i) % N], cmp_key);
          end
        end
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
