// esp_sa_lifetime: an SA's soft and hard lifetimes (RFC 4301 4.4.2.1) after
// one more packet of add_bytes bytes: the new counts and which limits they
// reach. Both directions use it; a limit of 0 means none.
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
  always_comb begin
    packets_o   = packets_i + 64'd1;
    bytes_o     = bytes_i + 64'(add_bytes_i);
    hard_kind_o = espnic_regs_pkg::EV_HARD_PACKETS;
    soft_kind_o = espnic_regs_pkg::EV_SOFT_PACKETS;
    hard_hit_o  = 1'b0;
    soft_hit_o  = 1'b0;
    if (cfg_i.hard_bytes != '0 && bytes_o >= cfg_i.hard_bytes) begin
      hard_hit_o = 1'b1; hard_kind_o = espnic_regs_pkg::EV_HARD_BYTES;
    end
    if (cfg_i.hard_packets != '0 && packets_o >= cfg_i.hard_packets) begin
      hard_hit_o = 1'b1; hard_kind_o = espnic_regs_pkg::EV_HARD_PACKETS;
    end
    if (cfg_i.soft_bytes != '0 && bytes_o >= cfg_i.soft_bytes) begin
      soft_hit_o = 1'b1; soft_kind_o = espnic_regs_pkg::EV_SOFT_BYTES;
    end
    if (cfg_i.soft_packets != '0 && packets_o >= cfg_i.soft_packets) begin
      soft_hit_o = 1'b1; soft_kind_o = espnic_regs_pkg::EV_SOFT_PACKETS;
    end
  end
endmodule
