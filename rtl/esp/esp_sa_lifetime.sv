// esp_sa_lifetime: an SA's soft and hard lifetimes (RFC 4301 4.4.2.1) after
// one more packet of add_bytes bytes: the new counts and which limits they
// reach. Both directions use it; a limit of 0 means none.
//
// "count + n reaches limit" is decided without an adder: the three operands
// are reduced carry-save to two, and the carry out of their sum comes from a
// radix-3 carry-lookahead tree (four LUT levels) instead of a 64-bit carry
// chain after an adder. The comparison is over the full sum, not modulo 2^64:
// the counts would need 2^64 packets or bytes to differ.
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
  // at least 2^65 exactly when c + a >= lim; that is the carry into bit 65
  // of s + k, s and k the carry-save form (k[0] = 1 is the + 1).
  function automatic logic reaches(input logic [63:0] c, input logic [63:0] a, input logic [63:0] lim);
    logic [64:0] x, y, z, s, k;
    logic [80:0] g0, p0;
    logic [26:0] g1, p1;
    logic [8:0]  g2, p2;
    logic [2:0]  g3;
    logic [2:1]  p3;
    x = {1'b0, c};
    y = {1'b0, a};
    z = {1'b1, ~lim};
    s = x ^ y ^ z;
    k = {(x[63:0] & y[63:0]) | (x[63:0] & z[63:0]) | (y[63:0] & z[63:0]), 1'b1};
    g0 = {16'h0000, s & k};                      // generate, propagate per bit
    p0 = {16'hFFFF, s | k};
    for (int j = 0; j < 27; j++) begin
      g1[j] = g0[3*j+2] | (p0[3*j+2] & g0[3*j+1]) | (p0[3*j+2] & p0[3*j+1] & g0[3*j]);
      p1[j] = p0[3*j+2] & p0[3*j+1] & p0[3*j];
    end
    for (int j = 0; j < 9; j++) begin
      g2[j] = g1[3*j+2] | (p1[3*j+2] & g1[3*j+1]) | (p1[3*j+2] & p1[3*j+1] & g1[3*j]);
      p2[j] = p1[3*j+2] & p1[3*j+1] & p1[3*j];
    end
    for (int j = 0; j < 3; j++)
      g3[j] = g2[3*j+2] | (p2[3*j+2] & g2[3*j+1]) | (p2[3*j+2] & p2[3*j+1] & g2[3*j]);
    p3[1] = p2[5] & p2[4] & p2[3];
    p3[2] = p2[8] & p2[7] & p2[6];
    reaches = g3[2] | (p3[2] & g3[1]) | (p3[2] & p3[1] & g3[0]);
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
