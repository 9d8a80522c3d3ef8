// ctrl_counters: the port counters as the host sees them (espnic_ctrl):
// each counter less its value at reset or at the last COUNTERS command with
// CMD_FLAG_CLEAR. The difference is registered (a 64-bit subtraction, then
// the read multiplexer, would not fit one cycle): what the host reads is one
// cycle old, and a clear moves the base by exactly what it reported. The
// 64-bit subtraction and the clear's addition are carry-select, in halves of
// 32 bits (the high half both ways, picked by the low half's carry): no
// carry chain is longer than 32 bits.
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
  // port - base and base + since, per counter: the low half with its carry
  // out, the high half without and with the carry in.
  logic [N*33-1:0] d_lo, s_lo;
  logic [N*32-1:0] d_hi0, d_hi1, s_hi0, s_hi1;
  always_comb
    for (int i = 0; i < N; i++) begin
      d_lo[33*i +: 33]  = {1'b0, port_counters_i[64*i +: 32]} - {1'b0, base_q[64*i +: 32]};   // [32]: borrow
      d_hi0[32*i +: 32] = port_counters_i[64*i+32 +: 32] - base_q[64*i+32 +: 32];
      d_hi1[32*i +: 32] = port_counters_i[64*i+32 +: 32] - base_q[64*i+32 +: 32] - 32'd1;
      s_lo[33*i +: 33]  = {1'b0, base_q[64*i +: 32]} + {1'b0, since_q[64*i +: 32]};            // [32]: carry
      s_hi0[32*i +: 32] = base_q[64*i+32 +: 32] + since_q[64*i+32 +: 32];
      s_hi1[32*i +: 32] = base_q[64*i+32 +: 32] + since_q[64*i+32 +: 32] + 32'd1;
    end

  always_ff @(posedge clk_i)
    for (int i = 0; i < N; i++)
      since_q[64*i +: 64] <= {d_lo[33*i+32] ? d_hi1[32*i +: 32] : d_hi0[32*i +: 32], d_lo[33*i +: 32]};
  assign counters_o = since_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      for (int i = 0; i < N; i++) base_q[64*i +: 64] <= '0;
    end else if (clear_i) begin
      for (int i = 0; i < N; i++)
        base_q[64*i +: 64] <= {s_lo[33*i+32] ? s_hi1[32*i +: 32] : s_hi0[32*i +: 32], s_lo[33*i +: 32]};
    end else if (rebase_i) begin
      for (int i = 0; i < N; i++) base_q[64*i +: 64] <= port_counters_i[64*i +: 64];
    end
  end
endmodule
