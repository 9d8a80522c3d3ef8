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
// 2^64 packets or bytes to differ.
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
  // c + a >= lim (lim != 0 checked apart). With c = cH*2^16 + cL and lim
  // = lH*2^16 + lL: c + a - lim = (cH - lH)*2^16 + u, u = cL + a - lL in
  // [-(2^16-1), 2^17-2], so u = q*2^16 + r with 0 <= r < 2^16 and q in
  // {-1, 0, 1}, and c + a >= lim exactly when cH - lH + q >= 0. s = u + 2^16
  // (cL + a + ~lL + 1, 18 bits) has bits 17:16 = q + 1, kept in s. cH + 1 == lH is checked
  // without a carry chain: adding 1 to cH, the carry into bit i+1 is cH[i] &
  // ~lH[i] exactly when the bits below i+1 already match, and the carry into
  // bit 0 is the 1.
  function automatic logic reaches(input logic [63:0] c, input logic [15:0] a, input logic [63:0] lim);
    logic [47:0] ch, lh;
    logic [1:0]  s;                            // bits 17:16 of the sum
    logic [15:0] x, y, z;
    logic        gt, eq, eqm1;
    ch   = c[63:16];
    lh   = lim[63:16];
    x    = c[15:0];                           // cL + a + ~lL + 1, carry-save to one add
    y    = a;
    z    = ~lim[15:0];
    s    = 2'(({2'b00, x ^ y ^ z} + {1'b0, (x & y) | (x & z) | (y & z), 1'b1}) >> 16);
    gt   = ch > lh;
    eq   = ch == lh;
    eqm1 = ((ch ^ lh) == {ch[46:0] & ~lh[46:0], 1'b1}) && !(ch[47] && !lh[47]);
    reaches = gt || (eq && (s[1] || s[0])) || (eqm1 && s[1]);
  endfunction

  logic hb, hp, sb, sp;
  always_comb begin
    packets_o   = packets_i + 64'd1;
    bytes_o     = bytes_i + 64'(add_bytes_i);
    hb = cfg_i.hard_bytes   != '0 && reaches(bytes_i, add_bytes_i, cfg_i.hard_bytes);
    hp = cfg_i.hard_packets != '0 && reaches(packets_i, 16'd1, cfg_i.hard_packets);
    sb = cfg_i.soft_bytes   != '0 && reaches(bytes_i, add_bytes_i, cfg_i.soft_bytes);
    sp = cfg_i.soft_packets != '0 && reaches(packets_i, 16'd1, cfg_i.soft_packets);
    hard_hit_o  = hb || hp;
    soft_hit_o  = sb || sp;
    hard_kind_o = (hb && !hp) ? espnic_regs_pkg::EV_HARD_BYTES : espnic_regs_pkg::EV_HARD_PACKETS;
    soft_kind_o = (sb && !sp) ? espnic_regs_pkg::EV_SOFT_BYTES : espnic_regs_pkg::EV_SOFT_PACKETS;
  end
endmodule
