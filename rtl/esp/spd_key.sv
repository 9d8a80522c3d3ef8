// spd_key: the SPD classifier's key (espnic_pkg::cls_key_t) of a frame, from
// its captured header, in a pipeline of LAT = 6 stages that move together
// when en_i is high (the classifier's own stall). Addresses become numbers
// (the address's first byte in the high bits; IPv4 in the low 32 bits), as
// libespnic compiles the rules.
//  - 802.1Q: one tag (TPID 0x8100) is looked through; vlan is its VID (0 for
//    an untagged frame). The IP header is read at byte 14 or 18, and only
//    IP_BYTES of it (the same for tagged and untagged frames).
//  - IPv4: a fragment with a non-zero offset, and a packet too short to hold
//    both ports (a first fragment cut before them), have OPAQUE ports.
//  - IPv6: extension headers (hop-by-hop 0, routing 43, destination options
//    60, AH 51, fragment 44) are walked to the upper-layer protocol, at most
//    4 of them. A fragment header with a non-zero offset ends the walk: its
//    next header is the protocol, the ports are OPAQUE. A chain that does not
//    end within 4 headers and the capture, or an AH whose length is not a
//    multiple of 8 bytes, cannot be classified: bad_o (the frame is dropped
//    and counted as malformed: fail closed).
//  - Protocols without ports (other than TCP, UDP, SCTP) have OPAQUE ports.
// OPAQUE ports (the key's frag bit, ports 0) match only rules whose port
// ranges are both 0..65535 (RFC 4301 section 7).
// IPv6 extension headers are multiples of 8 bytes, so the walk steps over
// POS positions of 8 bytes (one-hot), not over bytes: stage 0 looks through
// the tag (the IP header's bytes, the ethertype's class and the VID are
// registered, so no later stage decodes the tag in front of its own logic);
// stage 1 reads every position's next header, length and fragment offset;
// stage 2 takes two steps (the first from a known position), stages 3 and 4
// one step each (two chained steps from a register are 7 LUT levels); the
// last stage picks the ports.
module spd_key (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  input  logic                               en_i,       // the pipeline moves
  input  logic                               in_valid_i,
  input  logic [espnic_pkg::HDR_BYTES*8-1:0] hdr_i,
  output logic                               out_valid_o,
  output logic [espnic_pkg::CLS_KEY_W-1:0]   key_o,
  output logic                               bad_o       // IPv6 chain not walked to its end
);
  localparam int AW       = espnic_pkg::ADDR_W;
  localparam int IP_BYTES = espnic_pkg::HDR_BYTES - 18;
  localparam int POS      = (IP_BYTES - 40 - 4) / 8 + 1;   // 8-byte units with 4 bytes readable
  localparam int PV       = POS + 1;                        // one-hot; bit POS: beyond the capture

  function automatic logic ports_proto(input logic [7:0] p);
    ports_proto = p == 8'd6 || p == 8'd17 || p == 8'd132;
  endfunction

  // A header kind: {generic extension (0, 43, 60), fragment, AH}; none: upper layer.
  function automatic logic [2:0] kind(input logic [7:0] p);
    kind = {p == 8'd0 || p == 8'd43 || p == 8'd60, p == 8'd44, p == 8'd51};
  endfunction

  // The one-hot position j + n, or beyond.
  function automatic logic [PV-1:0] ahead(input logic [8:0] j, input logic [8:0] n);
    ahead = '0;
    if (j + n >= 9'(POS)) ahead[POS] = 1'b1;
    else for (int i = 0; i < POS; i++) if (j + n == 9'(i)) ahead[i] = 1'b1;
  endfunction

  // ------------------------------------------ stage 0: through the tag
  // The tag compare and the 2:1 select of every IP header byte behind it
  // were two to three LUT levels in front of each of stage 1's decodes (7.00
  // levels in all): they are registered here.
  logic                  vtag, s0_valid, v4, v6;
  logic [15:0]           etype;
  logic [11:0]           s0_vlan;
  logic [IP_BYTES*8-1:0] ip;
  logic [15:0]           etype_tagged;
  always_comb begin
    vtag  = {hdr_i[8*12 +: 8], hdr_i[8*13 +: 8]} == 16'h8100;
    etype = {hdr_i[8*12 +: 8], hdr_i[8*13 +: 8]};
    etype_tagged = {hdr_i[8*16 +: 8], hdr_i[8*17 +: 8]};
  end
  // The ethertype tests of both places, then the select (not the compare
  // behind the select).
  always_ff @(posedge clk_i) begin
    if (!rst_ni) s0_valid <= 1'b0;
    else if (en_i) s0_valid <= in_valid_i;
    if (en_i) begin
      v4      <= vtag ? etype_tagged == 16'h0800 : etype == 16'h0800;
      v6      <= vtag ? etype_tagged == 16'h86DD : etype == 16'h86DD;
      s0_vlan <= vtag ? {hdr_i[8*14 +: 4], hdr_i[8*15 +: 8]} : 12'd0;
      ip      <= vtag ? hdr_i[8*18 +: 8*IP_BYTES] : hdr_i[8*14 +: 8*IP_BYTES];
    end
  end

  // ------------------------------------------ stage 1: every position at once
  logic [7:0]    v4_ihl4;
  logic [15:0]   v4_len, v4_sport, v4_dport, v6_plen;
  logic [AW-1:0] src, dst;
  always_comb begin
    v4_ihl4  = {2'b00, ip[3:0], 2'b00};
    v4_len   = {ip[8*2 +: 8], ip[8*3 +: 8]};
    v6_plen  = {ip[8*4 +: 8], ip[8*5 +: 8]};
    v4_sport = '0;
    v4_dport = '0;
    for (int h = 20; h <= 60; h += 4)
      if (v4_ihl4 == 8'(h)) begin
        v4_sport = {ip[8*h +: 8], ip[8*(h+1) +: 8]};
        v4_dport = {ip[8*(h+2) +: 8], ip[8*(h+3) +: 8]};
      end
    src = '0;
    dst = '0;
    if (v6) begin
      for (int i = 0; i < 16; i++) begin
        src[8*(15-i) +: 8] = ip[8*(8 + i) +: 8];
        dst[8*(15-i) +: 8] = ip[8*(24 + i) +: 8];
      end
    end else begin
      for (int i = 0; i < 4; i++) begin
        src[8*(3-i) +: 8] = ip[8*(12 + i) +: 8];
        dst[8*(3-i) +: 8] = ip[8*(16 + i) +: 8];
      end
    end
  end

  // Stage 1 registers: the key's fixed fields, and per position j (byte
  // 40 + 8j): the next header and its kind, where a generic header or an AH
  // there leads, a bad AH length, a non-initial fragment, the ports, and
  // whether the payload length covers ports there.
  logic              s1_valid, s1_v6, s1_v4_opaque;
  logic [11:0]       s1_vlan;
  logic [7:0]        s1_proto0;           // IPv4 protocol, IPv6 first next header
  logic [2:0]        s1_kind0;
  logic [31:0]       s1_v4_ports;
  logic [AW-1:0]     s1_src, s1_dst;
  logic [POS*8-1:0]  s1_nh;
  logic [POS*3-1:0]  s1_kind;
  logic [POS*PV-1:0] s1_ext, s1_ah;
  logic [POS-1:0]    s1_ah_bad, s1_frag_off, s1_plen_ok;
  logic [POS*32-1:0] s1_ports;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) s1_valid <= 1'b0;
    else if (en_i) s1_valid <= s0_valid;
    if (en_i) begin
      s1_v6        <= v6;
      s1_vlan      <= s0_vlan;
      s1_proto0    <= v6 ? ip[8*6 +: 8] : v4 ? ip[8*9 +: 8] : 8'd0;
      s1_kind0     <= v6 ? kind(ip[8*6 +: 8]) : 3'b000;
      s1_v4_opaque <= {ip[8*6 +: 5], ip[8*7 +: 8]} != 13'd0 || !ports_proto(ip[8*9 +: 8])
                   || v4_len < 16'(v4_ihl4) + 16'd4;
      s1_v4_ports  <= {v4_sport, v4_dport};
      s1_src       <= src;
      s1_dst       <= dst;
      for (int j = 0; j < POS; j++) begin
        s1_nh[8*j +: 8]    <= ip[8*(40 + 8*j) +: 8];
        s1_kind[3*j +: 3]  <= kind(ip[8*(40 + 8*j) +: 8]);
        // Generic extension header: (len + 1) units; AH: (len + 2) / 2 units.
        s1_ext[PV*j +: PV] <= ahead(9'(j), {1'b0, ip[8*(41 + 8*j) +: 8]} + 9'd1);
        s1_ah[PV*j +: PV]  <= ahead(9'(j), {2'b0, ip[8*(41 + 8*j) + 1 +: 7]} + 9'd1);
        s1_ah_bad[j]       <= ip[8*(41 + 8*j)];
        s1_frag_off[j]     <= {ip[8*(42 + 8*j) +: 8], ip[8*(43 + 8*j) + 3 +: 5]} != 13'd0;
        s1_plen_ok[j]      <= v6_plen >= 16'(8 * j + 4);
        s1_ports[32*j +: 32] <= {ip[8*(40 + 8*j) +: 8], ip[8*(41 + 8*j) +: 8],
                                 ip[8*(42 + 8*j) +: 8], ip[8*(43 + 8*j) +: 8]};
      end
    end
  end

  // ------------------------------------------ the walk: two steps per stage
  // State (W bits): {one-hot position of the current header, its next-header
  // value, its kind, done (a non-initial fragment ended the walk), opaque,
  // bad}; each step is an spd_key_step.
  localparam int W = PV + 8 + 3 + 3;
  logic [5*W-1:0] wk;                     // the state before step k at [W*k +: W]
  logic [4*W-1:0] wk_next;                // the state after step k at [W*k +: W]

  // Stages 2 and 3 carry stage 1's fixed fields (C) unchanged, and each keeps
  // its own copy of the walk's tables (T) for its steps.
  localparam int CW = 2 + 12 + 32 + 2 * AW + POS + POS * 32;
  localparam int TW = POS * (8 + 3 + 2 * PV + 2);
  logic [CW-1:0] s1_c, s2_c, s3_c;
  logic [TW-1:0] s1_t, s2_t, s3_t;
  logic [W-1:0]  s2_w, s3_w;
  logic          s2_valid, s3_valid;
  assign s1_c = {s1_v6, s1_v4_opaque, s1_vlan, s1_v4_ports, s1_src, s1_dst, s1_plen_ok, s1_ports};
  assign s1_t = {s1_nh, s1_kind, s1_ext, s1_ah, s1_ah_bad, s1_frag_off};
  always_ff @(posedge clk_i) begin
    if (!rst_ni) {s2_valid, s3_valid} <= 2'b00;
    else if (en_i) {s2_valid, s3_valid} <= {s1_valid, s2_valid};
    if (en_i) begin
      {s2_c, s2_t, s2_w} <= {s1_c, s1_t, wk_next[W +: W]};
      {s3_c, s3_t, s3_w} <= {s2_c, s2_t, wk_next[2*W +: W]};
    end
  end

  assign wk[0 +: W] = {PV'(1), s1_proto0, s1_kind0, 3'b000};
  wire [4*TW-1:0] tabs = {s3_t, s2_t, s1_t, s1_t};   // the tables step k reads at [TW*k +: TW]
  for (genvar k = 0; k < 4; k++) begin : g_step
    spd_key_step #(.POS(POS)) u_step (
      .pos_i(wk[W*k + W - PV +: PV]), .proto_i(wk[W*k + 6 +: 8]), .kind_i(wk[W*k + 3 +: 3]),
      .done_i(wk[W*k + 2]), .opaque_i(wk[W*k + 1]), .bad_i(wk[W*k]),
      .nh_i(tabs[TW*k + TW - POS*8 +: POS*8]), .kind_tab_i(tabs[TW*k + TW - POS*11 +: POS*3]),
      .ext_i(tabs[TW*k + 2*POS + POS*PV +: POS*PV]), .ah_i(tabs[TW*k + 2*POS +: POS*PV]),
      .ah_bad_i(tabs[TW*k + POS +: POS]), .frag_off_i(tabs[TW*k +: POS]),
      .pos_o(wk_next[W*k + W - PV +: PV]), .proto_o(wk_next[W*k + 6 +: 8]),
      .kind_o(wk_next[W*k + 3 +: 3]), .done_o(wk_next[W*k + 2]), .opaque_o(wk_next[W*k + 1]),
      .bad_o(wk_next[W*k])
    );
  end
  // Steps 0 and 1 in stage 2's logic, 2 in stage 3's, 3 in stage 4's.
  assign wk[W +: W]     = wk_next[0 +: W];
  assign wk[2*W +: W]   = s2_w;
  assign wk[3*W +: W]   = s3_w;
  assign wk[4*W +: W]   = wk_next[3*W +: W];

  // Stage 4 registers: the walk's end. Still an extension header after four
  // steps: the chain is longer than the walk.
  logic              s4_valid, s4_v6, s4_v4_opaque;
  logic [11:0]       s4_vlan;
  logic [31:0]       s4_v4_ports;
  logic [AW-1:0]     s4_src, s4_dst;
  logic [PV-1:0]     s4_pos;
  logic [7:0]        s4_proto;
  logic              s4_opaque, s4_bad;
  logic [POS-1:0]    s4_plen_ok;
  logic [POS*32-1:0] s4_ports;
  wire  [W-1:0]      w4 = wk[4*W +: W];
  always_ff @(posedge clk_i) begin
    if (!rst_ni) s4_valid <= 1'b0;
    else if (en_i) s4_valid <= s3_valid;
    if (en_i) begin
      {s4_v6, s4_v4_opaque, s4_vlan, s4_v4_ports, s4_src, s4_dst, s4_plen_ok, s4_ports} <= s3_c;
      s4_pos     <= w4[W - PV +: PV];
      s4_proto   <= w4[6 +: 8];
      s4_opaque  <= w4[1];
      s4_bad     <= w4[0] || (!w4[2] && w4[3 +: 3] != 3'b000);
    end
  end

  // ------------------------------------------ stage 5: ports, the key
  logic [31:0] v6_ports;
  logic        v6_plen_ok, opaque;
  always_comb begin
    v6_ports   = '0;
    v6_plen_ok = 1'b0;
    for (int j = 0; j < POS; j++) begin
      v6_ports   = v6_ports | ({32{s4_pos[j]}} & s4_ports[32*j +: 32]);
      v6_plen_ok = v6_plen_ok | (s4_pos[j] & s4_plen_ok[j]);
    end
    // Ports beyond the capture or the packet, or none: OPAQUE.
    opaque = s4_v6 ? s4_opaque || !ports_proto(s4_proto) || !v6_plen_ok : s4_v4_opaque;
  end

  logic out_valid_q;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) out_valid_q <= 1'b0;
    else if (en_i) out_valid_q <= s4_valid;
    if (en_i) begin
      // cls_key_t: {frag (OPAQUE ports), v6, vlan, proto, sport, dport, src, dst}
      key_o <= {opaque, s4_v6, s4_vlan, s4_proto,
                opaque ? 32'd0 : s4_v6 ? v6_ports : s4_v4_ports, s4_src, s4_dst};
      bad_o <= s4_v6 && s4_bad;
    end
  end
  assign out_valid_o = out_valid_q;

  logic unused;
  assign unused = ^{hdr_i[8*12-1:0]};
endmodule
