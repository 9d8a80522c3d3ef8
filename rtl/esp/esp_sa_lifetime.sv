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
    logic [15:0] x, y, z, p, q, g0, p0;
    logic [15:0] gt0, eq0;
    logic [5:0]  gt1, eq1, g1, p1;
    logic [1:0]  gt2, eq2, g2;
    logic        p2h;
    logic [47:0] ok;
    logic [15:0] ok0;
    logic        gt, eq, eqm1, c16, s1, s0;
    ch = c[63:16];
    lh = lim[63:16];
    // cH > lH and cH == lH: 3-bit groups, then radix-3 trees (written out:
    // a compare or an add becomes a carry chain or a ripple of LUTs).
    for (int j = 0; j < 16; j++) begin
      gt0[j] = ch[3*j +: 3] > lh[3*j +: 3];
      eq0[j] = ch[3*j +: 3] == lh[3*j +: 3];
    end
    for (int j = 0; j < 6; j++) begin
      if (j < 5) begin
        gt1[j] = gt0[3*j+2] | (eq0[3*j+2] & gt0[3*j+1]) | (eq0[3*j+2] & eq0[3*j+1] & gt0[3*j]);
        eq1[j] = eq0[3*j+2] & eq0[3*j+1] & eq0[3*j];
      end else begin
        gt1[j] = gt0[15];
        eq1[j] = eq0[15];
      end
    end
    for (int j = 0; j < 2; j++) begin
      gt2[j] = gt1[3*j+2] | (eq1[3*j+2] & gt1[3*j+1]) | (eq1[3*j+2] & eq1[3*j+1] & gt1[3*j]);
      eq2[j] = eq1[3*j+2] & eq1[3*j+1] & eq1[3*j];
    end
    gt = gt2[1] | (eq2[1] & gt2[0]);
    eq = eq2[1] & eq2[0];
    // cH + 1 == lH: every bit's carry-in as required, no carry out of bit 47.
    ok = ~((ch ^ lh) ^ {ch[46:0] & ~lh[46:0], 1'b1});
    for (int j = 0; j < 16; j++) ok0[j] = &ok[3*j +: 3];
    eqm1 = (&ok0) && !(ch[47] && !lh[47]);
    // Bits 17:16 of cL + a + ~lL + 1: carry-save to p + q (q = {maj, 1}),
    // the carry out of p + q[15:0] from a radix-3 lookahead, plus q[16].
    x = c[15:0];
    y = a;
    z = ~lim[15:0];
    p = x ^ y ^ z;
    q = {(x[14:0] & y[14:0]) | (x[14:0] & z[14:0]) | (y[14:0] & z[14:0]), 1'b1};
    g0 = p & q;
    p0 = p | q;
    for (int j = 0; j < 6; j++) begin
      if (j < 5) begin
        g1[j] = g0[3*j+2] | (p0[3*j+2] & g0[3*j+1]) | (p0[3*j+2] & p0[3*j+1] & g0[3*j]);
        p1[j] = p0[3*j+2] & p0[3*j+1] & p0[3*j];
      end else begin
        g1[j] = g0[15];
        p1[j] = p0[15];
      end
    end
    for (int j = 0; j < 2; j++)
      g2[j] = g1[3*j+2] | (p1[3*j+2] & g1[3*j+1]) | (p1[3*j+2] & p1[3*j+1] & g1[3*j]);
    p2h = p1[5] & p1[4] & p1[3];
    c16 = g2[1] | (p2h & g2[0]);
    // q[16] is the majority of bit 15
    s1 = c16 & ((x[15] & y[15]) | (x[15] & z[15]) | (y[15] & z[15]));
    s0 = c16 ^ ((x[15] & y[15]) | (x[15] & z[15]) | (y[15] & z[15]));
    reaches = gt || (eq && (s1 || s0)) || (eqm1 && s1);
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
