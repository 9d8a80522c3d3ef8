// ingress_merge: the ingress pipeline's input, merged from the wire input
// buffer (wire_rx_buffer) and the frames the host reinjects after
// reassembly (host_rx_steer). Whole frames alternate: a frame offered on
// one input holds the output to its last beat (beats of two frames are
// never interleaved), and when both inputs wait the one that did not send
// the previous frame goes next. An offered beat is never withdrawn.
module ingress_merge #(
  parameter int unsigned DATA_W = 512,
  localparam int unsigned KeepW = DATA_W / 8
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // input 0: the wire input buffer
  input  logic [DATA_W-1:0] s0_tdata,
  input  logic [KeepW-1:0]  s0_tkeep,
  input  logic              s0_tlast,
  input  logic              s0_tvalid,
  output logic              s0_tready,
  // input 1: frames the host reinjects
  input  logic [DATA_W-1:0] s1_tdata,
  input  logic [KeepW-1:0]  s1_tkeep,
  input  logic              s1_tlast,
  input  logic              s1_tvalid,
  output logic              s1_tready,
  // to esp_ingress
  output logic [DATA_W-1:0] m_tdata,
  output logic [KeepW-1:0]  m_tkeep,
  output logic              m_tlast,
  output logic              m_tvalid,
  input  logic              m_tready
);
  logic lock_q;     // a frame holds the output (a beat of it was offered)
  logic own_q;      // the input that holds it
  logic last_q;     // the input that sent the previous frame
  logic sel;

  assign sel = lock_q ? own_q
             : (s0_tvalid && s1_tvalid) ? !last_q
             : s1_tvalid;

  assign m_tdata   = sel ? s1_tdata : s0_tdata;
  assign m_tkeep   = sel ? s1_tkeep : s0_tkeep;
  assign m_tlast   = sel ? s1_tlast : s0_tlast;
  assign m_tvalid  = sel ? s1_tvalid : s0_tvalid;
  assign s0_tready = !sel && m_tready;
  assign s1_tready = sel && m_tready;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      lock_q <= 1'b0;
      own_q  <= 1'b0;
      last_q <= 1'b1;
    end else if (m_tvalid) begin
      own_q <= sel;
      if (m_tready && m_tlast) begin
        lock_q <= 1'b0;
        last_q <= sel;
      end else begin
        lock_q <= 1'b1;
      end
    end
  end
endmodule
