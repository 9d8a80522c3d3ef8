// esp_sa_lifetime: an SA's soft and hard lifetimes (RFC 4301 4.4.2.1) after
// one more packet of add_bytes bytes: the new counts and which limits they
// reach. Both directions use it, beside their SA table; a limit of 0 means
// none.
//
// "count + a reaches limit L" (a < 2^16: the packet's bytes, or 1) is
// "count >= T", T = L - a, and stage B (the table's read-modify-write) only
// compares the count with a registered T: nothing is added or selected in
// front of the compare. With L = LH*2^16 + LL, T = (LH - b)*2^16 + TL, where
// TL and the borrow b are LL - a in 17 bits; T < 0 (b with LH = 0: always
// reached) and L = 0 (never: T's 65th bit) are flags. Per SA, two small
// tables written with the configuration (cfg_we_i: the control slots that
// write the SA table's configuration):
//   - read a cycle before the slot's issue (nx_index_i: the slot that may
//     be issued next cycle): the byte limits' LL, LH, LH - 1 (0 for LH = 0)
//     and "LH = 0, L != 0", so the slot's issue computes T for its byte
//     count (rd_add_bytes_i) and registers it for stage B. That read does not
//     see a configuration write of its own cycle, so no slot may be issued in
//     the cycle after such a write (ready_o low);
//   - read with the slot being issued (rd_index_i, as the SA table reads the
//     configuration): each limit's "not zero" and the packet limits' T
//     (L - 1), computed when written.
// Stage B compares in three parts (16, 24 and 25 bits), each part's
// "greater" and "greater or equal" a short carry chain, combined as a carry
// select. The new counts add the low 16 bits and select the high part or
// its increment by their carry.
// (A control slot and a data-path slot are never issued in one cycle.)
module esp_sa_lifetime #(
  parameter int SA_N = 1024,
  // derived, not to be overridden
  parameter int SAW  = $clog2(SA_N)
) (
  input  logic                clk_i,
  input  logic                cfg_we_i,
  input  logic [SAW-1:0]      cfg_index_i,
  input  espnic_pkg::sa_cfg_t cfg_wr_i,
  output logic                ready_o,         // a slot may be issued (low after a cfg write)
  input  logic [SAW-1:0]      nx_index_i,      // the slot that may be issued next cycle
  input  logic [SAW-1:0]      rd_index_i,      // the slot being issued (nx_index_i a cycle ago)
  input  logic [15:0]         rd_add_bytes_i,  // its bytes (add_bytes_i in its stage B)
  // stage B: the SA's counts before the packet
  input  logic [63:0]         packets_i,
  input  logic [63:0]         bytes_i,
  input  logic [15:0]         add_bytes_i,
  output logic [63:0]         packets_o,    // counts after it
  output logic [63:0]         bytes_o,
  output logic                soft_hit_o,
  output logic [3:0]          soft_kind_o,  // EV_SOFT_BYTES or EV_SOFT_PACKETS
  output logic                hard_hit_o,
  output logic [3:0]          hard_kind_o
);
  // Byte limits j = {hard 1, soft 0}, packet limits j the same.
  // Read at issue, per SA: "not zero" at [4*0 +: 4] in the order {hard_bytes,
  // hard_packets, soft_bytes, soft_packets}, the packet limits' T at
  // [4 + 64*j +: 64].
  localparam int IW = 4 + 2 * 64;
  // Read a cycle before issue, per byte limit at [113*j +: 113]: LL [15:0],
  // LH [63:16], LH - 1 [111:64], "LH = 0, L != 0" [112].
  localparam int PW = 2 * 113;
  logic [IW-1:0] iss_mem [SA_N];
  logic [PW-1:0] pre_mem [SA_N];
  logic [IW-1:0] iss_wd, iss_q;
  logic [PW-1:0] pre_wd, pre_q;
  logic          cfg_we_q;
  logic [255:0]  lim;
  logic [97:0]   dec;     // [49*j +: 49]: a limit's LH - 1, 49 bits
  logic [127:0]  pdec;    // [64*j +: 64]: a packet limit's LH - 1 (its bytes' below)
  always_comb begin
    lim = {cfg_wr_i.hard_bytes, cfg_wr_i.hard_packets, cfg_wr_i.soft_bytes, cfg_wr_i.soft_packets};
    iss_wd = '0;
    pre_wd = '0;
    for (int k = 0; k < 4; k++) iss_wd[k] = lim[64*k +: 64] != '0;
    for (int j = 0; j < 2; j++) begin
      // bytes: k = 2j + 1 (the borrow of the decrement is the high part's zero test)
      dec[49*j +: 49] = {1'b0, lim[128*j + 64 + 16 +: 48]} - 49'd1;
      pre_wd[113*j +: 64]      = lim[128*j + 64 +: 64];
      pre_wd[113*j + 64 +: 48] = dec[49*j + 48] ? 48'd0 : dec[49*j +: 48];
      pre_wd[113*j + 112]      = dec[49*j + 48] && lim[128*j + 64 +: 16] != 16'd0;
      // packets: k = 2j; T = L - 1 as high part less the low part's borrow
      // (L = 0 makes T unused)
      pdec[64*j +: 48]      = lim[128*j + 16 +: 48] - 48'd1;
      pdec[64*j + 48 +: 16] = lim[128*j +: 16] - 16'd1;
      iss_wd[4 + 64*j +: 64] = {lim[128*j +: 16] == 16'd0 ? pdec[64*j +: 48] : lim[128*j + 16 +: 48],
                                pdec[64*j + 48 +: 16]};
    end
  end
  always_ff @(posedge clk_i) begin
    if (cfg_we_i) iss_mem[cfg_index_i] <= iss_wd;
    iss_q <= iss_mem[rd_index_i];
  end
  always_ff @(posedge clk_i) begin
    if (cfg_we_i) pre_mem[cfg_index_i] <= pre_wd;
    pre_q    <= pre_mem[nx_index_i];
    cfg_we_q <= cfg_we_i;
  end
  assign ready_o = !cfg_we_q;

  // At issue: the byte limits' T for the slot's bytes, and "always reached".
  logic [33:0]  d;       // [17*j +: 17]: LL - a
  logic [127:0] b_t_q;   // [64*j +: 64]
  logic [1:0]   b_alw_q;
  always_comb
    for (int j = 0; j < 2; j++) d[17*j +: 17] = {1'b0, pre_q[113*j +: 16]} - {1'b0, rd_add_bytes_i};
  always_ff @(posedge clk_i) begin
    for (int j = 0; j < 2; j++) begin
      b_t_q[64*j +: 64] <= {d[17*j + 16] ? pre_q[113*j + 64 +: 48] : pre_q[113*j + 16 +: 48],
                            d[17*j +: 16]};
      b_alw_q[j]        <= d[17*j + 16] && pre_q[113*j + 112];
    end
  end

  // count >= {!nz, t} (with alw: t = {0, TL}, the low part counts as reached)
  function automatic logic reaches(input logic [63:0] c, input logic [63:0] t, input logic alw,
                                   input logic nz);
    logic ge0, gt1, ge1, gt2, ge2;
    ge0 = alw || c[15:0] >= t[15:0];
    gt1 = c[39:16] > t[39:16];
    ge1 = c[39:16] >= t[39:16];
    gt2 = {1'b0, c[63:40]} > {!nz, t[63:40]};
    ge2 = {1'b0, c[63:40]} >= {!nz, t[63:40]};
    reaches = (ge0 ? ge1 : gt1) ? ge2 : gt2;
  endfunction

  logic hb, hp, sb, sp;
  logic [16:0] blo, plo;
  always_comb begin
    blo = {1'b0, bytes_i[15:0]} + {1'b0, add_bytes_i};
    plo = {1'b0, packets_i[15:0]} + 17'd1;
    bytes_o   = {blo[16] ? bytes_i[63:16] + 48'd1 : bytes_i[63:16], blo[15:0]};
    packets_o = {plo[16] ? packets_i[63:16] + 48'd1 : packets_i[63:16], plo[15:0]};
    hb = reaches(bytes_i, b_t_q[64 +: 64], b_alw_q[1], iss_q[3]);
    sb = reaches(bytes_i, b_t_q[0 +: 64], b_alw_q[0], iss_q[1]);
    hp = reaches(packets_i, iss_q[4 + 64 +: 64], 1'b0, iss_q[2]);
    sp = reaches(packets_i, iss_q[4 +: 64], 1'b0, iss_q[0]);
    hard_hit_o  = hb || hp;
    soft_hit_o  = sb || sp;
    hard_kind_o = (hb && !hp) ? espnic_regs_pkg::EV_HARD_BYTES : espnic_regs_pkg::EV_HARD_PACKETS;
    soft_kind_o = (sb && !sp) ? espnic_regs_pkg::EV_SOFT_BYTES : espnic_regs_pkg::EV_SOFT_PACKETS;
  end
endmodule
