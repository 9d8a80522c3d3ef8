// esp_sa_lifetime: an SA's soft and hard lifetimes (RFC 4301 4.4.2.1) after
// one more packet of add_bytes bytes: the new counts and which limits they
// reach. Both directions use it; a limit of 0 means none.
//
// "count + n reaches limit" (n < 2^16) is decided without a 64-bit carry
// chain: the high 48 bits of count and limit are compared (greater, equal,
// one less: independent of n), the low 16 bits of count + n - limit give the
// carry into the high part (-1, 0 or +1), and one LUT combines them. Every
// piece is about four LUT levels from the SA's registers, so the limit checks
// and the fired flags they set fit the SA table's one-cycle read-modify-write.
// The comparison is over the full sum, not modulo 2^64: the counts would need
// 2^64 packets or bytes to differ. The compare is espnic_pkg::lt_reaches
// (esp_egress uses it too, with the limits' nonzero flags registered).
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

  logic hb, hp, sb, sp;
  always_comb begin
    packets_o   = packets_i + 64'd1;
    bytes_o     = bytes_i + 64'(add_bytes_i);
    hb = cfg_i.hard_bytes   != '0 && espnic_pkg::lt_reaches(bytes_i, add_bytes_i, cfg_i.hard_bytes);
    hp = cfg_i.hard_packets != '0 && espnic_pkg::lt_reaches(packets_i, 16'd1, cfg_i.hard_packets);
    sb = cfg_i.soft_bytes   != '0 && espnic_pkg::lt_reaches(bytes_i, add_bytes_i, cfg_i.soft_bytes);
    sp = cfg_i.soft_packets != '0 && espnic_pkg::lt_reaches(packets_i, 16'd1, cfg_i.soft_packets);
    hard_hit_o  = hb || hp;
    soft_hit_o  = sb || sp;
    hard_kind_o = (hb && !hp) ? espnic_regs_pkg::EV_HARD_BYTES : espnic_regs_pkg::EV_HARD_PACKETS;
    soft_kind_o = (sb && !sp) ? espnic_regs_pkg::EV_SOFT_BYTES : espnic_regs_pkg::EV_SOFT_PACKETS;
  end
endmodule
