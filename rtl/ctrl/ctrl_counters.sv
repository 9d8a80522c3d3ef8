// ctrl_counters: the port counters as the host sees them (espnic_ctrl):
// each counter less its value at reset or at the last COUNTERS command with
// CMD_FLAG_CLEAR. The difference is registered (a 64-bit subtraction, then
// the read multiplexer, would not fit one cycle): what the host reads is one
// cycle old, and a clear moves the base by exactly what it reported.
module ctrl_counters (
  input  logic clk_i,
  input  logic rst_ni,
  input  logic [espnic_regs_pkg::PORT_COUNTERS*64-1:0] port_counters_i,   // counter i at [64i +: 64]
  input  logic clear_i,                  // restart from zero (what counters_o reports now)
  input  logic rebase_i,                 // RESET: restart from the counters' values now
  output logic [espnic_regs_pkg::PORT_COUNTERS*64-1:0] counters_o      // since the last clear
);
  localparam int N = espnic_regs_pkg::PORT_COUNTERS;

  logic [N*64-1:0] base_q, since_q;
  always_ff @(posedge clk_i)
    for (int i = 0; i < N; i++) since_q[64*i +: 64] <= port_counters_i[64*i +: 64] - base_q[64*i +: 64];
  assign counters_o = since_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      for (int i = 0; i < N; i++) base_q[64*i +: 64] <= '0;
    end else if (clear_i) begin
      for (int i = 0; i < N; i++) base_q[64*i +: 64] <= base_q[64*i +: 64] + since_q[64*i +: 64];
    end else if (rebase_i) begin
      for (int i = 0; i < N; i++) base_q[64*i +: 64] <= port_counters_i[64*i +: 64];
    end
  end
endmodule
