// sync_fifo: single-clock valid/ready FIFO of WIDTH-bit words.
//
// Storage is a plain array written at wr_ptr and read synchronously into a
// registered output stage (first-word-fall-through on the output register),
// so it maps to BRAM or LUTRAM with the read register absorbed. Capacity is
// exactly DEPTH words; count_o counts every word held (array + output
// register). One word per cycle in and out; latency from a write to rd_valid_o
// is two cycles. wr_ready_o and rd_valid_o are driven by flops only.
module sync_fifo #(
  parameter int unsigned WIDTH = 8,
  parameter int unsigned DEPTH = 16,
  localparam int unsigned CountW = $clog2(DEPTH + 1)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // write side
  input  logic              wr_valid_i,
  output logic              wr_ready_o,
  input  logic [WIDTH-1:0]  wr_data_i,
  // read side
  output logic              rd_valid_o,
  input  logic              rd_ready_i,
  output logic [WIDTH-1:0]  rd_data_o,
  // words held
  output logic [CountW-1:0] count_o
);
  localparam int unsigned PtrW = (DEPTH > 1) ? $clog2(DEPTH) : 1;

  logic [WIDTH-1:0] mem [DEPTH];
  logic [PtrW-1:0]   wr_ptr_q, rd_ptr_q;
  logic [CountW-1:0] mem_count_q, count_q;
  logic              full_q;
  logic              out_valid_q;
  logic [WIDTH-1:0]  out_data_q;

  logic push, load_out, pop_out;
  assign push     = wr_valid_i && !full_q;
  assign load_out = (mem_count_q != '0) && (!out_valid_q || rd_ready_i);
  assign pop_out  = out_valid_q && rd_ready_i;

  function automatic logic [PtrW-1:0] ptr_inc(input logic [PtrW-1:0] p);
    if (32'(p) == DEPTH - 1) ptr_inc = '0;
    else ptr_inc = p + 1'b1;
  endfunction

  // The counts' next values are selected among their increment and
  // decrement, both from registers, so the read side's ready (often late:
  // the reader's handshake) ends in one LUT in front of each count bit and
  // not in an adder's carry chain.
  logic [CountW-1:0] count_d, count_inc, count_dec, mem_count_inc, mem_count_dec;
  logic              full_d;
  assign count_inc     = count_q + 1'b1;
  assign count_dec     = count_q - 1'b1;
  assign mem_count_inc = mem_count_q + 1'b1;
  assign mem_count_dec = mem_count_q - 1'b1;
  always_comb begin
    count_d = count_q;
    full_d  = full_q;
    if (push && !pop_out) begin
      count_d = count_inc;
      full_d  = 32'(count_q) == DEPTH - 1;
    end
    if (!push && pop_out) begin
      count_d = count_dec;
      full_d  = 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      wr_ptr_q    <= '0;
      rd_ptr_q    <= '0;
      mem_count_q <= '0;
      count_q     <= '0;
      full_q      <= 1'b0;
      out_valid_q <= 1'b0;
    end else begin
      if (push) wr_ptr_q <= ptr_inc(wr_ptr_q);
      if (load_out) rd_ptr_q <= ptr_inc(rd_ptr_q);
      if (push && !load_out) mem_count_q <= mem_count_inc;
      if (!push && load_out) mem_count_q <= mem_count_dec;
      count_q <= count_d;
      full_q  <= full_d;
      if (load_out) out_valid_q <= 1'b1;
      else if (pop_out) out_valid_q <= 1'b0;
    end
  end

  // Array and read register without reset so they map to RAM.
  always_ff @(posedge clk_i) begin
    if (push) mem[wr_ptr_q] <= wr_data_i;
    if (load_out) out_data_q <= mem[rd_ptr_q];
  end

  assign wr_ready_o = !full_q;
  assign rd_valid_o = out_valid_q;
  assign rd_data_o  = out_data_q;
  assign count_o    = count_q;
endmodule
