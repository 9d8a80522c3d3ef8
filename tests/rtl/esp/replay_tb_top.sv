// replay_tb_top: a test top for the anti-replay functions of replay_pkg. It
// keeps one SA's replay state as esp_ingress does (the highest verified
// number and REPLAY_WORDS window words) and shows, for the packet on its
// inputs, the inferred 64-bit sequence number and whether the window takes
// it; commit_i marks it (a packet that passed its ICV), load_i starts a new
// SA whose highest number is load_top_i and whose window is empty.
// f_* is infer_seq alone, on its own inputs, and replay_ok on its result
// with the word f_word_i. *2_o are the same from the split functions
// esp_ingress's classify uses (infer_b, infer_c, infer_ok, infer_hi), which
// the test checks against infer_seq and replay_ok.
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
  output logic [63:0]                       seq2_o,
  output logic                              ok2_o,

  input  logic [63:0]                       f_top_i,
  input  logic [31:0]                       f_seq_lo_i,
  input  logic [espnic_pkg::REPLAY_W_W-1:0] f_w_i,
  input  logic                              f_esn_i,
  input  espnic_pkg::window_t               f_word_i,
  output logic [63:0]                       f_seq_o,
  output logic                              f_ok_o,
  output logic [63:0]                       f_seq2_o,
  output logic                              f_ok2_o
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
  assign f_ok_o  = replay_pkg::replay_ok(f_top_i, f_word_i, f_w_i, f_seq_o);

  // The split functions (their stages combinational here).
  logic [96:0] b2, f_b2;
  logic [16:0] c2, f_c2;
  assign b2       = replay_pkg::infer_b(top_q, w_i);
  assign c2       = replay_pkg::infer_c(top_q, seq_lo_i, w_i, esn_i, win_q[seq_lo_i[6 +: IW]],
                                      b2[96], b2[95:64], b2[31:0]);
  assign ok2_o    = replay_pkg::infer_ok(c2);
  assign seq2_o   = {replay_pkg::infer_hi(top_q[63:32], b2[63:32], b2[31:0], c2[16:14]), seq_lo_i};
  assign f_b2     = replay_pkg::infer_b(f_top_i, f_w_i);
  assign f_c2     = replay_pkg::infer_c(f_top_i, f_seq_lo_i, f_w_i, f_esn_i, f_word_i,
                                      f_b2[96], f_b2[95:64], f_b2[31:0]);
  assign f_ok2_o  = replay_pkg::infer_ok(f_c2);
  assign f_seq2_o = {replay_pkg::infer_hi(f_top_i[63:32], f_b2[63:32], f_b2[31:0], f_c2[16:14]), f_seq_lo_i};

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
