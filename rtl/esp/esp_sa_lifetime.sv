// esp_sa_lifetime: an SA's soft and hard lifetimes (RFC 4301 4.4.2.1) after
// one more packet of add_bytes bytes: the new counts and which limits they
// reach. Both directions use it, beside their SA table; a limit of 0 means
// none.
//
// "count + n reaches limit" (n < 2^16) is espnic_pkg::lt_reaches_hm1: the
// carry of the low 16 bits picks one of three compares of the high 48 bits,
// with the limit's high part less one given. That value and each limit's
// "not zero" are kept per SA in two small tables, written with the SA's
// configuration (cfg_we_i: the control slots that write the SA table's
// configuration) and read, registered, with the slot's index (rd_index_i, at
// the slot's issue, as the SA table reads the configuration): so stage B, the
// table's read-modify-write, has no 64-bit OR or decrement in front of the
// fired flags it sets. (A control slot and a data-path slot are never issued
// in one cycle.)
module esp_sa_lifetime #(
  parameter int SA_N = 1024,
  // derived, not to be overridden
  parameter int SAW  = $clog2(SA_N)
) (
  input  logic                clk_i,
  input  logic                cfg_we_i,
  input  logic [SAW-1:0]      cfg_index_i,
  input  espnic_pkg::sa_cfg_t cfg_wr_i,
  input  logic [SAW-1:0]      rd_index_i,   // the slot being issued
  // stage B: the SA's configuration and counts before the packet
  input  espnic_pkg::sa_cfg_t cfg_i,
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
  // Per SA, in the order {hard_bytes, hard_packets, soft_bytes, soft_packets}:
  // the limit is not zero, and its high 48 bits less one at [48*k +: 48].
  logic [3:0]   nz_mem [SA_N];
  logic [191:0] hm1_mem [SA_N];
  logic [3:0]   nz, nz_wd;
  logic [191:0] hm1, hm1_wd;
  logic [255:0] lim;
  logic [48:0]  dec;
  always_comb begin
    lim = {cfg_wr_i.hard_bytes, cfg_wr_i.hard_packets, cfg_wr_i.soft_bytes, cfg_wr_i.soft_packets};
    for (int k = 0; k < 4; k++) begin
      nz_wd[k] = lim[64*k +: 64] != '0;
      // (the borrow of the decrement is the high part's zero test)
      dec = {1'b0, lim[64*k + 16 +: 48]} - 49'd1;
      hm1_wd[48*k +: 48] = dec[48] ? 48'd0 : dec[47:0];
    end
  end
  always_ff @(posedge clk_i) begin
    if (cfg_we_i) begin
      nz_mem[cfg_index_i]  <= nz_wd;
      hm1_mem[cfg_index_i] <= hm1_wd;
    end
    nz  <= nz_mem[rd_index_i];
    hm1 <= hm1_mem[rd_index_i];
  end

  logic hb, hp, sb, sp;
  always_comb begin
    packets_o   = packets_i + 64'd1;
    bytes_o     = bytes_i + 64'(add_bytes_i);
    hb = nz[3] && espnic_pkg::lt_reaches_hm1(bytes_i, add_bytes_i, cfg_i.hard_bytes, hm1[48*3 +: 48]);
    hp = nz[2] && espnic_pkg::lt_reaches_hm1(packets_i, 16'd1, cfg_i.hard_packets, hm1[48*2 +: 48]);
    sb = nz[1] && espnic_pkg::lt_reaches_hm1(bytes_i, add_bytes_i, cfg_i.soft_bytes, hm1[48*1 +: 48]);
    sp = nz[0] && espnic_pkg::lt_reaches_hm1(packets_i, 16'd1, cfg_i.soft_packets, hm1[48*0 +: 48]);
    hard_hit_o  = hb || hp;
    soft_hit_o  = sb || sp;
    hard_kind_o = (hb && !hp) ? espnic_regs_pkg::EV_HARD_BYTES : espnic_regs_pkg::EV_HARD_PACKETS;
    soft_kind_o = (sb && !sp) ? espnic_regs_pkg::EV_SOFT_BYTES : espnic_regs_pkg::EV_SOFT_PACKETS;
  end
endmodule
