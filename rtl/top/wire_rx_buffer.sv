// wire_rx_buffer: the card's input buffer on the wire port, in front of the
// ingress pipeline. A MAC cannot be held off, so this buffer accepts every
// beat the wire offers (s_axis_tready is not a port: the wire is never
// back-pressured) and, when a frame does not fit, drops the whole frame at
// entry and counts it (cnt_drop_o, port counter IN_BUFFER_DROP).
//
// The decision is taken at a frame's first beat: the frame enters when the
// buffer has room for the longest frame the card takes (MAX_FRAME bytes, plus
// one beat: see below), whatever its real length, which is not known yet.
// An entered frame therefore always fits and is passed on as it comes (cut
// through, two cycles of latency); a dropped frame writes nothing, so a frame
// is never delivered cut. The room is that of the previous cycle (registered,
// a short path), less one beat for the write that cycle may have made.
//
// A frame longer than MAX_FRAME is passed on up to MAX_FRAME bytes and one
// beat more, that beat marked last, and the rest is discarded here:
// frame_capture behind this buffer cuts every frame at MAX_FRAME and counts
// the frame oversize (malformed) when more follows, which the extra beat
// ensures, so the card's verdict on such a frame is what it was without the
// buffer.
//
// Size (DEPTH_BEATS; espnic_core sets 16 * MAX_FRAME bytes: 32 KB, 512 beats
// at 512 bits): at 512 bits the card's ingress takes 63 to 69 bytes per
// cycle from 128-byte frames up and 49.3 at 64-byte frames (README,
// "Performance of the card"), about the line rate of 100G at 250 MHz (50), so
// the buffer has to cover bursts and the card's stalls (classifier and SA
// table control slots, the host holding m_host_tready low), never a lasting
// overload; it must hold at least two maximum frames. A beat is 577 bits,
// which takes 17 RAMB18 whatever the depth up to 512 (a RAMB18 is 512 x 36),
// so 32 KB costs what 4 KB would. A frame enters while a maximum frame and
// two beats are free: up to about 30 KB of backlog, 600 cycles (2.4 us) of a
// 100G wire at 250 MHz with the card taking nothing.
//
// The storage is sync_fifo (RAM with a registered read: BRAM or LUTRAM).
module wire_rx_buffer #(
  parameter int unsigned DATA_W      = 512,
  parameter int unsigned MAX_FRAME   = 2048,
  parameter int unsigned DEPTH_BEATS = 16 * MAX_FRAME / (DATA_W / 8),
  localparam int unsigned KeepW      = DATA_W / 8
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // from the wire: every beat with tvalid is taken
  input  logic [DATA_W-1:0] s_axis_tdata,
  input  logic [KeepW-1:0]  s_axis_tkeep,
  input  logic              s_axis_tlast,
  input  logic              s_axis_tvalid,
  // to the ingress pipeline
  output logic [DATA_W-1:0] m_axis_tdata,
  output logic [KeepW-1:0]  m_axis_tkeep,
  output logic              m_axis_tlast,
  output logic              m_axis_tvalid,
  input  logic              m_axis_tready,
  // frames dropped at entry since reset
  output logic [63:0]       cnt_drop_o
);
  localparam int unsigned MaxBeats = MAX_FRAME / KeepW;     // beats of a MAX_FRAME frame
  localparam int unsigned Need     = MaxBeats + 1;          // beats an entered frame may write
  localparam int unsigned CountW   = $clog2(DEPTH_BEATS + 1);
  localparam int unsigned BeatW    = $clog2(Need + 1);
  // Room for a frame this cycle: count now <= DEPTH - Need. count now is at
  // most the last cycle's count + 1, so the last cycle's count must be at
  // most DEPTH - Need - 1.
  localparam int unsigned RoomMax  = DEPTH_BEATS - Need - 1;

`ifndef SYNTHESIS
  initial begin
    if (DEPTH_BEATS < Need + 1) $fatal(1, "wire_rx_buffer: DEPTH_BEATS must exceed MAX_FRAME / (DATA_W/8) + 1");
    if (MAX_FRAME % KeepW != 0) $fatal(1, "wire_rx_buffer: MAX_FRAME must be a multiple of DATA_W/8");
  end
`endif

  logic [CountW-1:0] count;
  logic              wr_ready;
  logic              room_q;       // the last cycle's count left room for a frame
  logic              in_frame_q;   // inside a frame (its first beat was seen)
  logic              keep_q;       // the frame in progress is being written
  logic [BeatW-1:0]  beats_q;      // beats of it written so far (up to Need)
  logic              at_need_q;    // beats_q == Need - 1: the next beat is the last written

  logic first, pass, wr_valid, wr_last;
  assign first    = s_axis_tvalid && !in_frame_q;
  // A frame enters at its first beat when there is room; later beats follow
  // the frame's fate until Need beats are written.
  assign pass     = s_axis_tvalid && (first ? room_q : (keep_q && beats_q != BeatW'(Need)));
  assign wr_valid = pass;
  assign wr_last  = s_axis_tlast || (!first && at_need_q);

  sync_fifo #(.WIDTH(DATA_W + KeepW + 1), .DEPTH(DEPTH_BEATS)) u_fifo (
    .clk_i,
    .rst_ni,
    .wr_valid_i (wr_valid),
    .wr_ready_o (wr_ready),
    .wr_data_i  ({wr_last, s_axis_tkeep, s_axis_tdata}),
    .rd_valid_o (m_axis_tvalid),
    .rd_ready_i (m_axis_tready),
    .rd_data_o  ({m_axis_tlast, m_axis_tkeep, m_axis_tdata}),
    .count_o    (count)
  );

`ifndef SYNTHESIS
  // An entered frame always fits: a write is never refused.
  always_ff @(posedge clk_i) begin
    if (rst_ni && wr_valid && !wr_ready) $fatal(1, "wire_rx_buffer: write into a full buffer");
  end
`endif

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      room_q     <= 1'b1;
      in_frame_q <= 1'b0;
      keep_q     <= 1'b0;
      beats_q    <= '0;
      at_need_q  <= 1'b0;
      cnt_drop_o <= '0;
    end else begin
      room_q <= 32'(count) <= RoomMax;
      if (s_axis_tvalid) begin
        in_frame_q <= !s_axis_tlast;
        if (first) begin
          keep_q     <= room_q;
          beats_q    <= BeatW'(1);
          at_need_q  <= Need == 2;
          if (!room_q) cnt_drop_o <= cnt_drop_o + 64'd1;
        end else if (pass) begin
          beats_q   <= beats_q + 1'b1;
          at_need_q <= 32'(beats_q) == Need - 2;
        end
      end
    end
  end
endmodule
