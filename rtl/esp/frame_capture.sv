// frame_capture: the entry of each direction. Passes a frame through to a
// store-and-forward FIFO and, when the frame has ended, hands its first
// HDR_BYTES bytes and its length to the classifier. A frame longer than
// MAX_FRAME bytes is cut there (tlast forced) and flagged, so one giant frame
// can never wedge the FIFO behind it.
module frame_capture
#(
  parameter int DATA_W    = 512,
  parameter int MAX_FRAME = 2048
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,

  input  logic [DATA_W-1:0]       s_axis_tdata,
  input  logic [DATA_W/8-1:0]     s_axis_tkeep,
  input  logic                    s_axis_tlast,
  input  logic                    s_axis_tvalid,
  output logic                    s_axis_tready,

  output logic [DATA_W-1:0]       m_axis_tdata,
  output logic [DATA_W/8-1:0]     m_axis_tkeep,
  output logic                    m_axis_tlast,
  output logic                    m_axis_tvalid,
  input  logic                    m_axis_tready,

  // One entry per frame, after its last beat was accepted.
  output logic                    meta_valid_o,
  input  logic                    meta_ready_i,
  output logic [espnic_pkg::HDR_BYTES*8-1:0] meta_hdr_o,
  output logic [15:0]             meta_len_o,      // bytes written downstream
  output logic                    meta_oversize_o  // frame was cut at MAX_FRAME
);
  localparam int BYTES   = DATA_W / 8;
  localparam int HBEATS  = (espnic_pkg::HDR_BYTES + BYTES - 1) / BYTES;
  localparam int MAXBEAT = MAX_FRAME / BYTES;

  localparam int BEAT_W  = $clog2(MAXBEAT + 1);
  localparam int CNT_W   = $clog2(BYTES + 1);

  logic [HBEATS*DATA_W-1:0] hdr_q;
  logic [BEAT_W-1:0]        beat_q;     // beats of this frame so far
  logic                     first_q;    // beat_q == 0
  logic                     at_limit_q; // beat_q == MAXBEAT - 1
  logic                     cut_q;      // past MAX_FRAME: discard until tlast
  logic                     meta_pending_q;
  logic [15:0]              len_q;
  logic                     oversize_q;

  // Bytes in a beat. tkeep is contiguous from byte 0 (a thermometer code),
  // so the count is where its ones end: bit k of the count is set when the
  // last one is at a position whose bit k is set, an OR of (keep[i] and not
  // keep[i+1]) over those i (no adder tree: 3 LUT levels at 64 bytes).
  function automatic logic [CNT_W-1:0] keep_count(input logic [BYTES-1:0] keep);
    logic [CNT_W-1:0] n;
    logic [BYTES:0]   ext;
    n = '0;
    ext = {1'b0, keep};
    for (int i = 0; i < BYTES; i++)
      for (int k = 0; k < CNT_W; k++)
        if (((i + 1) >> k) % 2 == 1) n[k] = n[k] | (ext[i] & !ext[i + 1]);
    keep_count = n;
  endfunction

  wire at_limit = at_limit_q;
  wire last_out = s_axis_tlast | at_limit;

  // A beat may enter unless a frame's meta is still waiting and this beat
  // could end another frame before it is taken.
  wire   can_take = !meta_pending_q || meta_ready_i;
  assign s_axis_tready = can_take && (cut_q || m_axis_tready);
  wire   take = s_axis_tvalid && s_axis_tready;

  assign m_axis_tdata  = s_axis_tdata;
  assign m_axis_tkeep  = s_axis_tkeep;
  assign m_axis_tlast  = last_out;
  assign m_axis_tvalid = s_axis_tvalid && can_take && !cut_q;

  assign meta_valid_o    = meta_pending_q;
  assign meta_hdr_o      = hdr_q[espnic_pkg::HDR_BYTES*8-1:0];
  assign meta_len_o      = len_q;
  assign meta_oversize_o = oversize_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      beat_q         <= '0;
      first_q        <= 1'b1;
      at_limit_q     <= MAXBEAT == 1;
      cut_q          <= 1'b0;
      meta_pending_q <= 1'b0;
      len_q          <= '0;
      oversize_q     <= 1'b0;
    end else begin
      if (meta_pending_q && meta_ready_i) meta_pending_q <= 1'b0;
      if (take) begin
        if (!cut_q) begin
          for (int b = 0; b < HBEATS; b++)
            if (32'(beat_q) == b) hdr_q[b*DATA_W +: DATA_W] <= s_axis_tdata;
          // Bytes past the frame's end must not look like header bytes.
          if (first_q) hdr_q[HBEATS*DATA_W-1:DATA_W] <= '0;
          len_q <= (first_q ? 16'd0 : len_q) + 16'(keep_count(s_axis_tkeep));
        end
        if (s_axis_tlast) begin
          beat_q         <= '0;
          first_q        <= 1'b1;
          at_limit_q     <= MAXBEAT == 1;
          cut_q          <= 1'b0;
          meta_pending_q <= 1'b1;
          oversize_q     <= cut_q;
        end else begin
          // Past MAX_FRAME the count stays at the limit (the rest is cut).
          if (!at_limit) beat_q <= beat_q + 1'b1;
          first_q    <= 1'b0;
          at_limit_q <= at_limit || 32'(beat_q) == MAXBEAT - 2;
          if (at_limit) cut_q <= 1'b1;
        end
      end
    end
  end
endmodule
