// spd_key: the SPD classifier's key (espnic_pkg::cls_key_t) of a parsed
// frame. The parse keeps addresses as captured (wire byte 0 in the low
// bits, IPv4 in the low 32 bits); the classifier compares them as numbers
// (the address's first byte in the high bits), as libespnic compiles the
// rules. Not yet in the key: VLAN (0: untagged) and non-initial fragments.
module spd_key (
  input  espnic_pkg::flow_key_t                 flow_i,
  output logic [espnic_pkg::CLS_KEY_W-1:0]      key_o
);
  localparam int AW = espnic_pkg::ADDR_W;

  // The key's fields, unpacked by a concatenation in flow_key_t order:
  // yosys 0.23 reads struct members of module-level signals only.
  logic          f_v6;
  logic [AW-1:0] f_src, f_dst;
  logic [7:0]    f_proto;
  logic [15:0]   f_sport, f_dport;
  assign {f_v6, f_src, f_dst, f_proto, f_sport, f_dport} = flow_i;

  // Wire bytes to a number: byte 0 to the top (IPv6: 16 bytes, IPv4: 4).
  logic [AW-1:0] src_n, dst_n;
  always_comb begin
    src_n = '0;
    dst_n = '0;
    for (int i = 0; i < 16; i++) begin
      if (f_v6) begin
        src_n[8*(15-i) +: 8] = f_src[8*i +: 8];
        dst_n[8*(15-i) +: 8] = f_dst[8*i +: 8];
      end else if (i < 4) begin
        src_n[8*(3-i) +: 8] = f_src[8*i +: 8];
        dst_n[8*(3-i) +: 8] = f_dst[8*i +: 8];
      end
    end
  end

  // cls_key_t: {frag, v6, vlan, proto, sport, dport, src, dst}
  assign key_o = {1'b0, f_v6, 12'd0, f_proto, f_sport, f_dport, src_n, dst_n};

  logic unused;
  assign unused = ^{f_src[AW-1:32], f_dst[AW-1:32]};
endmodule
