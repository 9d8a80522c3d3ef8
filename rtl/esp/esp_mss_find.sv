// esp_mss_find: finds the MSS option of a TCP SYN or SYN-ACK in a frame's
// captured header (espnic_pkg::HDR_BYTES bytes), for TCP MSS clamping
// (esp_mss_clamp rewrites it). A pipeline that takes one header per cycle and
// answers FIND_LAT cycles later, in order; it never stalls.
//
// Eligible: an IPv4 packet that is not a fragment (MF and offset zero) or
// an IPv6 packet whose next header is TCP, untagged or behind one 802.1Q tag
// (ethertype 0x8100 at byte 12: stage T takes the tag's four bytes out, so
// the rest reads an untagged header and pos_o counts in it; the caller moves
// the option by the tag, esp_mss_clamp's cmd_tag_i), with SYN set, a data
// offset of at least 5, and the TCP header within the IP length. The options
// are walked as RFC 9293 defines them, in any order: EOL ends the list, NOP
// is one byte, every other option carries its length (at least 2; a shorter
// one or one past the header ends the walk, and nothing is found). The MSS
// option (kind 2, length 4) is found when the walk reaches it and it ends
// within the captured header: always for IPv4 without IP options (the
// options end by byte 94), for IPv6 when the option starts within the first
// 19 bytes of options (Linux, Windows and macOS put MSS first). Behind a
// tag the header holds four bytes less of the packet: an MSS option is found
// when it ends by byte 92 of the untagged view (IPv4 without IP options:
// always; IPv6: within the first 15 bytes of options); the four bytes after
// it are zero, which ends the walk.
//
// The walk is a chain (each option's start depends on the previous one's
// length), so it is cut into stages of two option bytes: per byte, compare
// the walk's position with the byte's index and, if equal, take the next
// position computed for that byte beforehand (two or three LUT levels per
// byte as abc maps it: three bytes a stage came out at 7 levels).
module esp_mss_find
#(
  localparam int FIRST    = 54,            // first byte an option can start at (IPv4, IHL 5)
  localparam int NB       = 39,            // option bytes walked: 54..92 (an MSS option ends by 95)
  localparam int PER      = 2,             // bytes per walk stage
  localparam int STEPS    = (NB + PER - 1) / PER   // latency: STEPS + 4 cycles (24)
) (
  input  logic                                 clk_i,
  input  logic                                 rst_ni,
  input  logic                                 in_valid_i,
  input  logic [espnic_pkg::HDR_BYTES*8-1:0]   hdr_i,
  output logic                                 out_valid_o,
  output logic                                 found_o,   // an MSS option to clamp at pos_o
  output logic [5:0]                           pos_o      // its kind byte is frame byte 54 + pos_o
);
  localparam int HB = espnic_pkg::HDR_BYTES;
  localparam logic [5:0] WEND = 6'd63;       // the walk has ended

  // ---------------------------------------------------------------- stage T
  // An 802.1Q tag taken out of the header (the bytes behind it move up four,
  // zeros at the end): from here on the header reads as an untagged frame's.
  logic            t_valid, t_tag;
  logic [HB*8-1:0] t_hdr;
  always_ff @(posedge clk_i) begin
    logic is_tag;
    is_tag = espnic_pkg::hbe16(hdr_i, 12) == 16'h8100;
    t_tag <= is_tag;
    t_hdr <= is_tag ? {32'd0, hdr_i[HB*8-1:128], hdr_i[0 +: 96]} : hdr_i;
  end

  // ---------------------------------------------------------------- stage A
  // What kind of packet, where its TCP header starts, its flags and length.
  logic        a_valid, a_ok, a_tag;
  logic [6:0]  a_l4;
  logic        a_syn;
  logic [3:0]  a_doff;
  logic [16:0] a_ip_end;
  logic [8*(HB-FIRST)-1:0] a_opt;
  always_ff @(posedge clk_i) begin
    logic [15:0] etype;
    logic        v4, v6, sel6;
    logic [3:0]  ihl;
    logic [3:0]  doff4;
    logic        syn4;
    etype = espnic_pkg::hbe16(t_hdr, 12);
    ihl   = t_hdr[8*14 +: 4];
    // Which header the fields come from: the ethertype's first byte alone
    // (shallow); whether the packet qualifies is a_ok.
    sel6  = t_hdr[8*12 +: 8] == 8'h86;
    // TCP bytes 12 (data offset) and 13 (flags) after an IHL-word header.
    doff4 = t_hdr[8*(14+12) + 4 + 32*ihl +: 4];
    syn4  = t_hdr[8*(14+13) + 1 + 32*ihl];
    v4 = etype == 16'h0800 && t_hdr[8*14+4 +: 4] == 4'd4 && ihl >= 4'd5
         && espnic_pkg::hbyte(t_hdr, 23) == 8'd6
         && t_hdr[8*20 +: 6] == 6'd0 && espnic_pkg::hbyte(t_hdr, 21) == 8'd0;
    v6 = etype == 16'h86DD && t_hdr[8*14+4 +: 4] == 4'd6 && espnic_pkg::hbyte(t_hdr, 20) == 8'd6;
    a_ok     <= v4 || v6;
    a_tag    <= t_tag;
    a_l4     <= sel6 ? 7'd54 : 7'd14 + {1'b0, ihl, 2'b00};
    a_doff   <= sel6 ? t_hdr[8*(54 + 12) + 4 +: 4] : doff4;
    a_syn    <= sel6 ? t_hdr[8*(54 + 13) + 1] : syn4;
    a_ip_end <= sel6 ? 17'(espnic_pkg::hbe16(t_hdr, 18)) + 17'd54
                     : 17'(espnic_pkg::hbe16(t_hdr, 16)) + 17'd14;
    a_opt    <= t_hdr[8*FIRST +: 8*(HB-FIRST)];
  end

  // ---------------------------------------------------------------- stage B
  // The end of the TCP header; where the walk starts (the first option byte).
  logic        b_valid;
  logic [7:0]  b_end;
  logic [5:0]  b_q0;
  logic [8*(HB-FIRST)-1:0] b_opt;
  always_ff @(posedge clk_i) begin
    logic [7:0] tcp_end;
    logic       ok;
    tcp_end = 8'(a_l4) + {2'b00, a_doff, 2'b00};
    ok = a_ok && a_syn && a_doff >= 4'd5 && 17'(tcp_end) <= a_ip_end;
    // Behind a tag the untagged view's bytes 92-95 are not the packet's:
    // the walk (and an MSS option) ends there.
    b_end <= a_tag && tcp_end > 8'(HB - 4) ? 8'(HB - 4) : tcp_end;
    // The options start at l4 + 20, i.e. walk byte l4 - 34.
    b_q0  <= ok && a_l4 < 7'(34 + NB) ? 6'(a_l4 - 7'd34) : WEND;
    b_opt <= a_opt;
  end

  // ---------------------------------------------------------------- stage C
  // Per option byte j (frame byte FIRST + j), were an option to start there:
  // where the next one starts (WEND: the list ends), and whether it is an MSS
  // option within the header.
  // Stage C's registers are the walk's stage 0 (stage s in slice s of each
  // w_ vector: yosys 0.23 reads no multi-dimensional packed arrays); one
  // block writes all stages.
  localparam int NQW = NB * 6;
  logic [(STEPS+1)*NQW-1:0] w_nq;
  logic [(STEPS+1)*NB-1:0]  w_mss;
  logic [(STEPS+1)*6-1:0]   w_q, w_pos;
  logic [STEPS:0]           w_found;
  logic [STEPS*6-1:0]       n_q, n_pos;
  logic [STEPS-1:0]         n_found;
  logic                     c_valid;
  always_ff @(posedge clk_i) begin
    for (int j = 0; j < NB; j++) begin
      logic [7:0] kind, len;
      logic [8:0] nxt;
      kind = b_opt[8*j +: 8];
      len  = b_opt[8*(j+1) +: 8];
      nxt  = kind == 8'd1 ? 9'(FIRST + j + 1) : 9'(FIRST + j) + 9'(len);
      w_nq[6*j +: 6] <= (kind != 8'd0 && (kind == 8'd1 || len >= 8'd2)
                         && nxt < 9'(b_end) && nxt < 9'(FIRST + NB))
                        ? 6'(nxt - 9'(FIRST)) : WEND;
      w_mss[j] <= kind == 8'd2 && len == 8'd4 && 9'(FIRST + j + 4) <= 9'(b_end);
    end
    w_q[0 +: 6]   <= b_q0;
    w_pos[0 +: 6] <= '0;
    w_found[0]    <= 1'b0;
    // The walk.
    for (int s = 0; s < STEPS; s++) begin
      w_nq[(s+1)*NQW +: NQW]  <= w_nq[s*NQW +: NQW];
      w_mss[(s+1)*NB +: NB]   <= w_mss[s*NB +: NB];
      w_q[(s+1)*6 +: 6]       <= n_q[s*6 +: 6];
      w_pos[(s+1)*6 +: 6]     <= n_pos[s*6 +: 6];
      w_found[s+1]            <= n_found[s];
    end
  end

  // ------------------------------------------------------------- the walk
  always_comb begin
    for (int s = 0; s < STEPS; s++) begin
      logic [5:0] q, p;
      logic       f;
      q = w_q[s*6 +: 6];
      p = w_pos[s*6 +: 6];
      f = w_found[s];
      for (int k = 0; k < PER; k++) begin
        if (PER * s + k < NB && q == 6'(PER * s + k)) begin
          if (!f && w_mss[s*NB + PER*s + k]) begin
            f = 1'b1;
            p = 6'(PER * s + k);
          end
          q = w_nq[s*NQW + 6*(PER*s + k) +: 6];
        end
      end
      n_q[s*6 +: 6]   = q;
      n_pos[s*6 +: 6] = p;
      n_found[s]      = f;
    end
  end
  // Valid bits (the only reset flops).
  logic [STEPS-1:0] w_valid;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      t_valid <= 1'b0;
      a_valid <= 1'b0;
      b_valid <= 1'b0;
      c_valid <= 1'b0;
      w_valid <= '0;
    end else begin
      t_valid <= in_valid_i;
      a_valid <= t_valid;
      b_valid <= a_valid;
      c_valid <= b_valid;
      w_valid <= {w_valid[STEPS-2:0], c_valid};
    end
  end

  assign out_valid_o = w_valid[STEPS-1];
  assign found_o     = w_found[STEPS];
  assign pos_o       = w_pos[STEPS*6 +: 6];
endmodule
