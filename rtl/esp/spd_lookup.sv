// spd_lookup: frames in order through the SPD classifier. Each frame enters
// with a payload (what its pipeline carries along) and need_i (it takes a
// lookup); frames that need none keep their place. The frame at the head
// comes out with its classifier answer once the answer is there:
//   hit/action/rule/sa: the classifier's answer (need_i frames only);
//   bad: the key could not be built (an IPv6 extension header chain the key
//        cannot walk; the lookup was still made so answers stay in order).
// REVERSE looks up the key with source and destination (addresses and
// ports) swapped: an inbound packet against the outbound rules, as RFC 4301
// section 5.2 checks cleartext that arrives.
// The classifier's rule writes (wr_*) are the control path's, as in
// spd_classifier; wr_ready_o is the classifier's.
module spd_lookup
#(
  parameter int PW      = 8,        // payload bits
  parameter int N       = 1024,     // rule slots
  parameter int L       = 8,
  parameter int D       = 8,
  parameter bit REVERSE = 1'b0
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,

  input  logic                               wr_valid_i,
  output logic                               wr_ready_o,
  input  logic [3:0]                         wr_table_i,
  input  logic [15:0]                        wr_addr_i,
  input  logic [511:0]                       wr_data_i,

  input  logic                               in_valid_i,
  output logic                               in_ready_o,
  input  logic [PW-1:0]                      in_payload_i,
  input  logic                               in_need_i,
  input  logic [espnic_pkg::HDR_BYTES*8-1:0] in_hdr_i,

  output logic                               out_valid_o,
  input  logic                               out_ready_i,
  output logic [PW-1:0]                      out_payload_o,
  output logic                               out_need_o,
  output logic                               out_hit_o,
  output logic [1:0]                         out_action_o,
  output logic [15:0]                        out_rule_o,
  output logic [15:0]                        out_sa_o,
  output logic                               out_bad_o
);
  localparam int AW = espnic_pkg::ADDR_W;

  logic ord_wr_ready, ord_rd_valid, req_ready, resp_valid, bad_rd_valid;
  logic [PW:0] ord_rd;
  // A frame enters when the order queue, and for a lookup the key, take it.
  assign in_ready_o = ord_wr_ready && (!in_need_i || req_ready);

  // Deep enough for every lookup the key and the classifier hold (6 + 3*D+5 cycles).
  sync_fifo #(.WIDTH(PW + 1), .DEPTH(64)) u_order (
    .clk_i, .rst_ni,
    .wr_valid_i(in_valid_i && in_ready_o), .wr_ready_o(ord_wr_ready),
    .wr_data_i({in_need_i, in_payload_i}),
    .rd_valid_o(ord_rd_valid), .rd_ready_i(out_ready_i && out_valid_o), .rd_data_o(ord_rd),
    .count_o()
  );

  logic [espnic_pkg::CLS_KEY_W-1:0] key, req_key;
  logic    key_valid, key_bad;
  spd_key u_key (
    .clk_i, .rst_ni, .en_i(req_ready), .in_valid_i(in_valid_i && in_need_i && ord_wr_ready),
    .hdr_i(in_hdr_i), .out_valid_o(key_valid), .key_o(key), .bad_o(key_bad)
  );

  // cls_key_t {frag, v6, vlan, proto, sport, dport, src, dst}: swapping is wiring.
  if (REVERSE) begin : g_rev
    assign req_key = {key[2*AW+32 +: espnic_pkg::CLS_KEY_W - 2*AW - 32],
                      key[2*AW +: 16], key[2*AW+16 +: 16], key[0 +: AW], key[AW +: AW]};
  end else begin : g_fwd
    assign req_key = key;
  end

  sync_fifo #(.WIDTH(1), .DEPTH(64)) u_bad (
    .clk_i, .rst_ni,
    .wr_valid_i(key_valid && req_ready), .wr_ready_o(), .wr_data_i(key_bad),
    .rd_valid_o(bad_rd_valid), .rd_ready_i(out_ready_i && out_valid_o && out_need_o),
    .rd_data_o(out_bad_o), .count_o()
  );

  logic unused_gen;
  // Node and leaf tables of twice the rule count: room for the compiler's
  // incremental layout (with as many entries as rules, updates near a full
  // SPD are refused).
  spd_classifier #(.N(N), .L(L), .D(D), .NODE_AW($clog2(N) + 1), .LEAF_AW($clog2(N) + 1))
  u_spd (
    .clk_i, .rst_ni,
    .wr_valid_i, .wr_ready_o, .wr_table_i, .wr_addr_i, .wr_data_i, .gen_o(unused_gen),
    .req_valid_i(key_valid), .req_ready_o(req_ready), .req_key_i(req_key),
    .resp_valid_o(resp_valid), .resp_ready_i(out_ready_i && out_valid_o && out_need_o),
    .resp_hit_o(out_hit_o), .resp_rule_o(out_rule_o), .resp_action_o(out_action_o),
    .resp_sa_o(out_sa_o)
  );

  assign out_need_o    = ord_rd[PW];
  assign out_payload_o = ord_rd[PW-1:0];
  assign out_valid_o   = ord_rd_valid && (!out_need_o || (resp_valid && bad_rd_valid));
endmodule
