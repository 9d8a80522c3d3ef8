// ctrl_reset_walk: the RESET command's walk over the tables (ctrl_cmd's
// S_RESET_WALK). From start_i it steps an index from 0 to the larger of
// SA_N and SPD_N, one entry a cycle while both SA tables are ready: the SA
// entry at the index is cleared in both tables (sa_clear_o), the rule book
// entry too (book_clear_o); alongside, the SPD classifier's clear is written
// once (cls_clear_o until the classifier takes it). The walk ends (done_o)
// on its last index once the classifier's clear is written.
module ctrl_reset_walk
#(
  parameter int SA_N  = 1024,
  parameter int SPD_N = 1024
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        start_i,           // a RESET passed its check
  input  logic        active_i,          // the engine is in its walk state
  input  logic [1:0]  sa_ready_i,        // the SA tables: [0] outbound, [1] inbound
  input  logic        cls_wr_ready_i,    // the classifier takes the clear
  output logic [15:0] index_o,           // the entry being cleared
  output logic        sa_clear_o,        // clear SA index_o in both tables (while active_i)
  output logic        book_clear_o,      // clear rule index_o in the rule book (while active_i)
  output logic        cls_clear_o,       // the classifier's clear is still to be written
  output logic        done_o             // the last step
);
  localparam int WALK_N = SA_N > SPD_N ? SA_N : SPD_N;

  logic [15:0] index_q;
  logic        cls_clear_q;
  wire         at_end  = index_q == 16'(WALK_N - 1);
  wire         is_last = at_end && !cls_clear_q;
  wire         tables_ready = sa_ready_i == 2'b11;
  // On its last index the walk waits for the classifier's clear.
  wire         step    = active_i && tables_ready && !(at_end && cls_clear_q);

  assign index_o      = index_q;
  assign cls_clear_o  = cls_clear_q;
  assign sa_clear_o   = tables_ready && index_q < 16'(SA_N);
  assign book_clear_o = tables_ready && index_q < 16'(SPD_N);
  assign done_o       = step && is_last;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      cls_clear_q <= 1'b0;
    end else begin
      if (cls_clear_q && cls_wr_ready_i) cls_clear_q <= 1'b0;
      if (start_i) begin
        index_q     <= '0;
        cls_clear_q <= 1'b1;
      end else if (step) begin
        index_q <= index_q + 16'd1;
      end
    end
  end
endmodule
