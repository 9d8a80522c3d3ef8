// esp_sa_lifetime: an SA's soft and hard lifetimes (RFC 4301 4.4.2.1) after
// one more packet of add_bytes bytes: the new counts and which limits they
// reach. Both directions use it; a limit of 0 means none.
//
// "count + n reaches limit" is decided without first forming the sum: the
// three operands are reduced carry-save to two, whose sum with one carry
// chain gives the comparison (one LUT level and a carry chain instead of an
// adder followed by a comparator). The comparison is over the full sum, not
// modulo 2^64: the counts would need 2^64 packets or bytes to differ.
module esp_sa_lifetime (
  input  espnic_pkg::sa_cfg_t cfg_i,
  input  logic [63:0]         packets_i,    // counts before the packet
  input  logic [63:0]         bytes_i,
  input  logic [15:0]         add_bytes_i,
  output logic [63:0]         packets_o,    // counts after it
  output logic [63:0]         bytes_o,
  output logic                soft_hit_o,
  output logic [3:0]          soft_kind_o,  // EV_SOFT_BYTES or EV_SOFT_PACKETS
  output logic                hard_hit_o,
  output logic [3:0]          hard_kind_o
);
  // c + a >= lim (lim != 0 checked apart): c + a + (2^65 - 1 - lim) + 1 is
  // at least 2^65 exactly when c + a >= lim.
  function automatic logic reaches(input logic [63:0] c, input logic [63:0] a, input logic [63:0] lim);
    logic [65:0] x, y, z, s, k;
    x = {2'b00, c};
    y = {2'b00, a};
    z = {2'b01, ~lim};
    s = x ^ y ^ z;
    k = {(x[64:0] & y[64:0]) | (x[64:0] & z[64:0]) | (y[64:0] & z[64:0]), 1'b1};  // carries, +1
    reaches = 1'(({1'b0, s} + {1'b0, k}) >> 65);
  endfunction

  logic hb, hp, sb, sp;
  always_comb begin
    packets_o   = packets_i + 64'd1;
    bytes_o     = bytes_i + 64'(add_bytes_i);
    hb = cfg_i.hard_bytes   != '0 && reaches(bytes_i, 64'(add_bytes_i), cfg_i.hard_bytes);
    hp = cfg_i.hard_packets != '0 && reaches(packets_i, 64'd1, cfg_i.hard_packets);
    sb = cfg_i.soft_bytes   != '0 && reaches(bytes_i, 64'(add_bytes_i), cfg_i.soft_bytes);
    sp = cfg_i.soft_packets != '0 && reaches(packets_i, 64'd1, cfg_i.soft_packets);
    hard_hit_o  = hb || hp;
    soft_hit_o  = sb || sp;
    hard_kind_o = (hb && !hp) ? espnic_regs_pkg::EV_HARD_BYTES : espnic_regs_pkg::EV_HARD_PACKETS;
    soft_kind_o = (sb && !sp) ? espnic_regs_pkg::EV_SOFT_BYTES : espnic_regs_pkg::EV_SOFT_PACKETS;
  end
endmodule
