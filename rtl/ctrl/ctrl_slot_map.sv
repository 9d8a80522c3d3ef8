// ctrl_slot_map: which slots of a table are in use, one bit per slot, for
// the SA_LIST and SPD_LIST commands (espnic_ctrl). The bits live in a RAM of
// 32-bit words (N/32 words: 512 words, one block RAM, at 16K slots), so a
// 1024-slot listing is 32 word reads instead of 1024 table queries. The
// control block keeps it next to the table it describes: a bit is set when
// an add succeeds and cleared when a delete does. After reset, and on
// clear_i, the map clears itself word by word (ready_o low meanwhile).
//
// A bit write is a read-modify-write of its word over two cycles; the map
// takes one when ready_o and no bit write is pending (bit_ready_o). Word
// reads (rd_i) answer on rd_data_o the cycle after; addresses past the map
// read 0.
module ctrl_slot_map
#(
  parameter int N = 1024                  // slots, a multiple of 32
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        clear_i,            // start clearing every bit
  output logic        ready_o,            // not clearing
  // one bit: slot bit_idx_i becomes bit_val_i
  input  logic        bit_we_i,
  input  logic [15:0] bit_idx_i,
  input  logic        bit_val_i,
  output logic        bit_ready_o,
  // one word: slots 32*rd_addr_i .. 32*rd_addr_i + 31
  input  logic        rd_i,
  input  logic [15:0] rd_addr_i,
  output logic [31:0] rd_data_o
);
  localparam int WORDS = N / 32;
  localparam int AW    = WORDS > 1 ? $clog2(WORDS) : 1;

  logic [31:0] mem [WORDS];

  // The clearing walk.
  logic          clr_q;
  logic [AW-1:0] clr_a_q;
  assign ready_o = !clr_q;

  // Bit write: stage 1 reads the word, stage 2 writes it back changed.
  logic          m1_q;
  logic [AW-1:0] m1_a_q;
  logic [4:0]    m1_b_q;
  logic          m1_v_q;
  logic [31:0]   m1_word;
  assign bit_ready_o = !clr_q && !m1_q;

  wire           take  = bit_we_i && bit_ready_o;
  wire [AW-1:0]  port_a = take ? AW'(bit_idx_i[15:5]) : AW'(rd_addr_i);
  logic [31:0]   rd_q;
  logic          rd_in_q;           // the read address was inside the map

  always_ff @(posedge clk_i) begin
    if (clr_q)      mem[clr_a_q] <= 32'd0;
    else if (m1_q)  mem[m1_a_q]  <= m1_word;
    rd_q <= mem[port_a];
  end
  assign m1_word   = m1_v_q ? rd_q | (32'd1 << m1_b_q) : rd_q & ~(32'd1 << m1_b_q);
  assign rd_data_o = rd_in_q ? rd_q : 32'd0;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      clr_q   <= 1'b1;
      clr_a_q <= '0;
      m1_q    <= 1'b0;
      rd_in_q <= 1'b0;
    end else begin
      if (clr_q) begin
        clr_a_q <= clr_a_q + AW'(1);
        if (32'(clr_a_q) == WORDS - 1) clr_q <= 1'b0;
      end else if (clear_i) begin
        clr_q   <= 1'b1;
        clr_a_q <= '0;
      end
      m1_q    <= take;
      rd_in_q <= rd_i && 32'(rd_addr_i) < WORDS;
    end
  end
  always_ff @(posedge clk_i)
    if (take) begin
      m1_a_q <= AW'(bit_idx_i[15:5]);
      m1_b_q <= bit_idx_i[4:0];
      m1_v_q <= bit_val_i;
    end

`ifndef SYNTHESIS
  initial if (N % 32 != 0 || N < 32) $fatal(1, "ctrl_slot_map: N must be a multiple of 32");
`endif
endmodule
