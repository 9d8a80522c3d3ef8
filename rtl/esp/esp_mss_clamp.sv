// esp_mss_clamp: TCP MSS clamping on a frame stream, in the card's
// cleartext (egress: before encryption). One command per frame, in frame
// order, with the frame's captured header, where esp_mss_find found its MSS
// option (found, pos), the clamp (0: none) and whether to apply it (a late
// decision: it enters the second stage only); else the frame passes unchanged.
// cmd_tag_i says that the frame on the stream carries an 802.1Q tag, four
// bytes that move everything behind it. The header is either an untagged
// frame's (inbound: laid out without the tag the frame leaves with) or the
// frame's own with its tag (egress: ethertype 0x8100 at byte 12, read four
// bytes further); pos counts in the untagged layout (esp_mss_find's).
// An MSS above the clamp is lowered to it, never raised; the TCP checksum is
// updated incrementally (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')). An option
// at an odd offset from the TCP header straddles two 16-bit words, so its
// value enters the sum byte-swapped (one's complement sums commute with the
// swap).
//
// Commands go through three register stages (old values, sum, fold) into a
// queue of Q_D entries; the stream stage takes a frame's command with its
// first beat and replaces the four bytes (MSS value, checksum) in the beats
// that hold them. The caller keeps at most Q_D - 3 frames between the command
// and the stream stage (egress: fewer than its ESP command queue holds).
// One beat per cycle, one register stage; s_axis_tready depends
// combinationally on m_axis_tready.
module esp_mss_clamp
#(
  parameter int DATA_W = 512,
  parameter int Q_D    = 32
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,

  input  logic                               cmd_valid_i,
  input  logic [espnic_pkg::HDR_BYTES*8-1:0] cmd_hdr_i,
  input  logic                               cmd_found_i,
  input  logic [5:0]                         cmd_pos_i,    // the option starts at frame byte 54 + pos
  input  logic [15:0]                        cmd_clamp_i,
  input  logic                               cmd_apply_i,  // clamp this frame (else it passes)
  input  logic                               cmd_tag_i,    // the frame has an 802.1Q tag the header has not

  input  logic [DATA_W-1:0]                  s_axis_tdata,
  input  logic [DATA_W/8-1:0]                s_axis_tkeep,
  input  logic                               s_axis_tlast,
  input  logic                               s_axis_tvalid,
  output logic                               s_axis_tready,

  output logic [DATA_W-1:0]                  m_axis_tdata,
  output logic [DATA_W/8-1:0]                m_axis_tkeep,
  output logic                               m_axis_tlast,
  output logic                               m_axis_tvalid,
  input  logic                               m_axis_tready,

  output logic                               clamped_o   // a frame's MSS was lowered (pulse)
);
  localparam int BYTES = DATA_W / 8;
  localparam int LW    = $clog2(BYTES);
  localparam int BW    = 7 - LW > 0 ? 7 - LW + 1 : 1;   // beat index within the first 128 bytes, saturating

  // ------------------------------------------------------ command stage 1
  // The MSS value and the checksum from the header; the checksum's offset.
  logic        c1_valid, c1_en, c1_odd, c1_apply, c1_tag;
  logic [5:0]  c1_pos;
  logic [6:0]  c1_csum_pos;
  logic [15:0] c1_mss, c1_csum, c1_clamp;
  always_ff @(posedge clk_i) begin
    logic        htag;
    logic [1:0]  v6;
    logic [7:0]  ihl;
    logic [31:0] mss_w, csum_w;
    logic [15:0] mss_s, csum_s;
    logic [3:0]  ihl_s;
    // Small multiplexers: the MSS value among the 39 places a walk can find
    // (bytes 56 + pos), the IPv4 checksum among the 16 IHLs (bytes 30 + 4 * IHL).
    // Each is read at both places (t = 1: four bytes further, behind a tag in
    // the header) and the tag compare selects, so it is not in front of them.
    htag = espnic_pkg::hbe16(cmd_hdr_i, 12) == 16'h8100;
    for (int t = 0; t < 2; t++) begin
      v6[t]             = espnic_pkg::hbe16(cmd_hdr_i, 12 + 4 * t) == 16'h86DD;
      ihl[4*t +: 4]     = cmd_hdr_i[8*(14 + 4*t) +: 4];
      mss_w[16*t +: 16] = cmd_hdr_i[8*(56 + 4*t) + 8*cmd_pos_i +: 16];
      csum_w[16*t +: 16] = v6[t] ? cmd_hdr_i[8*(70 + 4*t) +: 16]
                                 : cmd_hdr_i[8*(30 + 4*t) + 32*ihl[4*t +: 4] +: 16];
    end
    mss_s  = htag ? mss_w[16 +: 16] : mss_w[0 +: 16];
    csum_s = htag ? csum_w[16 +: 16] : csum_w[0 +: 16];
    ihl_s  = htag ? ihl[4 +: 4] : ihl[0 +: 4];
    c1_mss  <= {mss_s[7:0], mss_s[15:8]};
    c1_csum <= {csum_s[7:0], csum_s[15:8]};
    c1_csum_pos <= (htag ? v6[1] : v6[0]) ? 7'd70 : 7'd30 + {1'b0, ihl_s, 2'b00};
    c1_en    <= cmd_found_i && cmd_clamp_i != 16'd0;
    c1_apply <= cmd_apply_i;
    c1_tag   <= cmd_tag_i;
    c1_odd   <= cmd_pos_i[0];             // 54 and the TCP header's start are even
    c1_pos   <= cmd_pos_i;
    c1_clamp <= cmd_clamp_i;
  end

  // ------------------------------------------------------ command stage 2
  logic        c2_valid, c2_do, c2_tag;
  logic [5:0]  c2_pos;
  logic [6:0]  c2_csum_pos;
  logic [15:0] c2_clamp;
  logic [17:0] c2_sum;
  always_ff @(posedge clk_i) begin
    logic [15:0] m_old, m_new;
    m_old = c1_odd ? espnic_pkg::be16(c1_mss) : c1_mss;
    m_new = c1_odd ? espnic_pkg::be16(c1_clamp) : c1_clamp;
    c2_do       <= c1_en && c1_apply && c1_mss > c1_clamp;
    c2_sum      <= 18'(16'(~c1_csum)) + 18'(16'(~m_old)) + 18'(m_new);
    c2_pos      <= c1_pos;
    c2_csum_pos <= c1_csum_pos;
    c2_clamp    <= c1_clamp;
    c2_tag      <= c1_tag;
  end

  // ------------------------------------------------------ command stage 3
  typedef struct packed {
    logic        en;
    logic [6:0]  mss_off;     // the MSS value's first byte
    logic [15:0] mss;
    logic [6:0]  csum_off;
    logic [15:0] csum;
  } patch_t;
  logic   c3_valid;
  patch_t c3;
  always_ff @(posedge clk_i) begin
    logic [16:0] f1;
    logic [15:0] f2;
    f1 = 17'(c2_sum[15:0]) + 17'(c2_sum[17:16]);
    f2 = f1[15:0] + 16'(f1[16]);
    c3.en       <= c2_do;
    c3.mss_off  <= 7'(c2_pos) + (c2_tag ? 7'd60 : 7'd56);
    c3.mss      <= c2_clamp;
    c3.csum_off <= c2_csum_pos + {4'd0, c2_tag, 2'b00};
    c3.csum     <= ~f2;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      c1_valid <= 1'b0;
      c2_valid <= 1'b0;
      c3_valid <= 1'b0;
    end else begin
      c1_valid <= cmd_valid_i;
      c2_valid <= c1_valid;
      c3_valid <= c2_valid;
    end
  end

  logic   q_valid, q_ready, unused_q_wr_ready;
  patch_t q;
  sync_fifo #(.WIDTH($bits(c3)), .DEPTH(Q_D)) u_q (
    .clk_i, .rst_ni,
    .wr_valid_i(c3_valid), .wr_ready_o(unused_q_wr_ready), .wr_data_i(c3),
    .rd_valid_o(q_valid), .rd_ready_i(q_ready), .rd_data_o(q), .count_o()
  );

  // ------------------------------------------------------------ the stream
  logic          in_frame_q, o_valid_q;
  logic [BW-1:0] beat_q;
  wire           take = s_axis_tvalid && s_axis_tready;
  assign s_axis_tready = (!o_valid_q || m_axis_tready) && (in_frame_q || q_valid);
  assign q_ready       = take && s_axis_tlast;

  logic [DATA_W-1:0] patched;
  logic [BW+LW-1:0] at;
  always_comb begin
    patched = s_axis_tdata;
    at = '0;
    if (q.en)
      for (int j = 0; j < BYTES; j++) begin
        at = {beat_q, LW'(j)};
        if (at == (BW+LW)'(q.mss_off))         patched[8*j +: 8] = q.mss[15:8];
        if (at == (BW+LW)'(q.mss_off + 7'd1))  patched[8*j +: 8] = q.mss[7:0];
        if (at == (BW+LW)'(q.csum_off))        patched[8*j +: 8] = q.csum[15:8];
        if (at == (BW+LW)'(q.csum_off + 7'd1)) patched[8*j +: 8] = q.csum[7:0];
      end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      in_frame_q <= 1'b0;
      o_valid_q  <= 1'b0;
      beat_q     <= '0;
      clamped_o  <= 1'b0;
    end else begin
      clamped_o <= q_ready && q.en;
      if (take) begin
        in_frame_q <= !s_axis_tlast;
        beat_q     <= s_axis_tlast ? '0 : (beat_q == '1 ? beat_q : beat_q + 1'b1);
        o_valid_q  <= 1'b1;
      end else if (m_axis_tready) begin
        o_valid_q  <= 1'b0;
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if (take) begin
      m_axis_tdata <= patched;
      m_axis_tkeep <= s_axis_tkeep;
      m_axis_tlast <= s_axis_tlast;
    end
  end
  assign m_axis_tvalid = o_valid_q;
endmodule
