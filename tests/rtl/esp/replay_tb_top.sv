// replay_tb_top: a test top for the anti-replay functions of replay_pkg. It
// keeps one SA's replay state as esp_ingress does (the highest verified
// number and REPLAY_WORDS window words) and shows, for the packet on its
// inputs, the inferred 64-bit sequence number and whether the window takes
// it; commit_i marks it (a packet that passed its ICV), load_i starts a new
// SA whose highest number is load_top_i and whose window is empty.
// f_* is infer_seq alone, on its own inputs.
module replay_tb_top (
  input  logic                              clk_i,
  input  logic                              load_i,
  input  logic [63:0]                       load_top_i,
  input  logic [espnic_pkg::REPLAY_W_W-1:0] w_i,
  input  logic                              esn_i,
  input  logic [31:0]                       seq_lo_i,
  input  logic                              commit_i,
  output logic [63:0]                       seq_o,
  output logic                              ok_o,
  output logic [63:0]                       top_o,

  input  logic [63:0]                       f_top_i,
  input  logic [31:0]                       f_seq_lo_i,
  input  logic [espnic_pkg::REPLAY_W_W-1:0] f_w_i,
  input  logic                              f_esn_i,
  output logic [63:0]                       f_seq_o
);
  localparam int IW = $clog2(espnic_pkg::REPLAY_WORDS);

  logic [63:0]         top_q;
  espnic_pkg::window_t win_q [espnic_pkg::REPLAY_WORDS];
  espnic_pkg::window_t word;

  assign seq_o   = replay_pkg::infer_seq(top_q, seq_lo_i, w_i, esn_i);
  assign word    = win_q[seq_o[6 +: IW]];
  assign ok_o    = replay_pkg::replay_ok(top_q, word, w_i, seq_o);
  assign top_o   = top_q;
  assign f_seq_o = replay_pkg::infer_seq(f_top_i, f_seq_lo_i, f_w_i, f_esn_i);

  always_ff @(posedge clk_i) begin
    if (load_i) begin
      top_q <= load_top_i;
      for (int i = 0; i < espnic_pkg::REPLAY_WORDS; i++) win_q[i] <= '0;
    end else if (commit_i) begin
      win_q[seq_o[6 +: IW]] <= replay_pkg::replay_mark(top_q, word, seq_o);
      if (seq_o > top_q) top_q <= seq_o;
    end
  end
endmodule
