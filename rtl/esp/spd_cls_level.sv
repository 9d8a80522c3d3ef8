// spd_cls_level: one level of the SPD classifier's decision tree (see
// spd_classifier). A node table in RAM, two generations of 2**AW entries;
// three pipeline stages: (A) read the node, (B) select the 16-bit-aligned
// part of the key around the cut, (C) take the cut's b bits and add them to
// the node's child base. A node word is {leaf, off[8:0], b[3:0], base[15:0]}:
// an inner node's child at the next level is base + key[off +: b] (no
// comparators); a leaf's base is its leaf-table index, carried unchanged
// through the remaining levels.
module spd_cls_level
#(
  parameter int AW = 14,        // log2 of the node entries per generation
  parameter int KW = 311        // key width carried through the pipeline
) (
  input  logic          clk_i,
  input  logic          rst_ni,
  input  logic          adv_i,        // the pipeline moves

  input  logic          wr_en_i,      // write the node at {wr_gen, wr_addr}
  input  logic [AW:0]   wr_addr_i,
  input  logic [29:0]   wr_data_i,

  input  logic          in_valid_i,
  input  logic          in_gen_i,
  input  logic [KW-1:0] in_key_i,
  input  logic          in_done_i,    // a leaf was reached at an earlier level
  input  logic [15:0]   in_idx_i,     // node index here, or the leaf index once done

  output logic          out_valid_o,
  output logic          out_gen_o,
  output logic [KW-1:0] out_key_o,
  output logic          out_done_o,
  output logic [15:0]   out_idx_o
);
  localparam int PADW = 16 * 32 + 23;   // off[8:4] selects 16-bit steps

  logic [29:0] mem [2**(AW+1)];
  always_ff @(posedge clk_i) if (wr_en_i) mem[wr_addr_i] <= wr_data_i;

  // ---- A: node read
  logic          a_valid, a_gen, a_done;
  logic [KW-1:0] a_key;
  logic [15:0]   a_idx;
  logic [29:0]   a_node;
  always_ff @(posedge clk_i) begin
    if (adv_i) a_node <= mem[{in_gen_i, in_idx_i[AW-1:0]}];
    if (!rst_ni) a_valid <= 1'b0;
    else if (adv_i) a_valid <= in_valid_i;
    if (adv_i && in_valid_i) begin
      a_gen  <= in_gen_i;
      a_key  <= in_key_i;
      a_done <= in_done_i;
      a_idx  <= in_idx_i;
    end
  end

  // ---- B: coarse select of the key around the cut
  logic          n_leaf;
  logic [8:0]    n_off;
  logic [3:0]    n_b;
  logic [15:0]   n_base;
  assign {n_leaf, n_off, n_b, n_base} = a_node;
  logic [PADW-1:0] keypad;
  assign keypad = {{(PADW - KW){1'b0}}, a_key};
  logic [22:0]   coarse;
  assign coarse = keypad[{1'b0, n_off[8:4], 4'b0000} +: 23];

  logic          b_valid, b_gen, b_done, b_leaf;
  logic [KW-1:0] b_key;
  logic [15:0]   b_idx, b_base;
  logic [3:0]    b_fine, b_b;
  logic [22:0]   b_win;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) b_valid <= 1'b0;
    else if (adv_i) b_valid <= a_valid;
    if (adv_i && a_valid) begin
      b_gen  <= a_gen;
      b_key  <= a_key;
      b_done <= a_done;
      b_idx  <= a_idx;
      b_leaf <= n_leaf;
      b_base <= n_base;
      b_fine <= n_off[3:0];
      b_b    <= n_b;
      b_win  <= coarse;
    end
  end

  // ---- C: the cut's bits added to the child base
  logic [22:0] shifted;
  logic [7:0]  sel;
  assign shifted = b_win >> b_fine;
  always_comb begin
    for (int i = 0; i < 8; i++) sel[i] = shifted[i] && (4'(i) < b_b);
  end

  logic          c_valid, c_gen, c_done;
  logic [KW-1:0] c_key;
  logic [15:0]   c_idx;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) c_valid <= 1'b0;
    else if (adv_i) c_valid <= b_valid;
    if (adv_i && b_valid) begin
      c_gen  <= b_gen;
      c_key  <= b_key;
      c_done <= b_done || b_leaf;
      c_idx  <= b_done ? b_idx : b_leaf ? b_base : b_base + {8'd0, sel};
    end
  end

  assign out_valid_o = c_valid;
  assign out_gen_o   = c_gen;
  assign out_key_o   = c_key;
  assign out_done_o  = c_done;
  assign out_idx_o   = c_idx;

  logic unused;
  assign unused = ^shifted[22:8];
endmodule
