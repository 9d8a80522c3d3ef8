// aes_gcm_keyinit: computes the GHASH key powers of an SA key (control path).
// H = AES_K(0^128) with one AES round per cycle (15 cycles, AES-128 passes
// rounds 11..14 like the data path), then the powers with a digit-serial
// GF(2^128) multiplier (DIGIT bits per cycle, 128/DIGIT cycles per product):
//   hpow[i] = H^(i+1), i = 0..L-1 (L-1 products), hpow[HPOW_N-1] = H^(2L).
// Cycle count from start_i to done_o (measured by the testbench):
// DIGIT = 1: 147 (L=1), 534 (L=4), i.e. 18 + L*(128/DIGIT + 1).
module aes_gcm_keyinit #(
  parameter int DATA_W = 512
) (
  input  logic                                clk_i,
  input  logic                                rst_ni,
  input  logic                                start_i,
  input  logic                                key256_i,
  input  logic [255:0]                        key_i,
  output logic                                busy_o,
  output logic                                done_o,
  output logic [aes_gcm_pkg::HPOW_N*128-1:0]  hpow_o
);
  localparam int L     = DATA_W / 128;
  localparam int HN    = aes_gcm_pkg::HPOW_N;
  localparam int DIGIT = 1;
  localparam int STEPS = 128 / DIGIT;

  typedef enum logic [1:0] {S_IDLE, S_AES, S_MUL, S_DONE} state_e;
  state_e        state_q;
  logic [3:0]    round_q;
  logic          key256_q;
  logic [255:0]  kwin_q;
  logic [127:0]  aes_q;
  logic [2:0]    mul_q;       // product number 0..L-1
  logic [7:0]    step_q;
  logic [127:0]  ma_q, mb_q, mz_q;   // poly form; ma shifts out MSB first
  logic [HN*128-1:0] hpow_q;   // entry i in bits [128*i +: 128]

  // Z <- Z*x^DIGIT ^ sum of the next DIGIT bits of a times b (Horner, MSB first).
  function automatic logic [127:0] mul_step(input logic [127:0] z, input logic [127:0] a,
                                            input logic [127:0] b);
    logic [127:0] r;
    r = z;
    for (int k = 0; k < DIGIT; k++) begin
      r = {r[126:0], 1'b0} ^ (r[127] ? 128'h87 : 128'h0);
      if (a[127-k]) r = r ^ b;
    end
    mul_step = r;
  endfunction

  logic [127:0] h_poly, aes_sb;
  logic [63:0]  ksb;
  assign h_poly = aes_gcm_pkg::gf_poly(aes_q);
  aes_gcm_subbytes #(.N(16)) u_sb (.x_i(aes_q), .s_o(aes_sb));
  aes_gcm_subbytes #(.N(8)) u_ksb (.x_i({kwin_q[255:224], kwin_q[127:96]}), .s_o(ksb));

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q <= S_IDLE;
      done_o  <= 1'b0;
    end else begin
      done_o <= 1'b0;
      case (state_q)
        S_IDLE: begin
          if (start_i) begin
            state_q  <= S_AES;
            round_q  <= 4'd0;
            key256_q <= key256_i;
            kwin_q   <= key_i;
            aes_q    <= '0;
          end
        end
        S_AES: begin
          aes_q   <= aes_gcm_pkg::aes_round(key256_q, round_q, aes_q, aes_sb, kwin_q[127:0]);
          kwin_q  <= aes_gcm_pkg::aes_key_next(key256_q, round_q, kwin_q[127:0], kwin_q[255:128],
                                               ksb[31:0], ksb[63:32]);
          round_q <= round_q + 4'd1;
          if (round_q == 4'd14) begin
            state_q <= S_MUL;
            mul_q   <= 3'd0;
            step_q  <= 8'd0;
          end
        end
        S_MUL: begin
          if (step_q == 8'd0 && mul_q == 3'd0) begin
            // aes_q now holds H: start with H * H (L == 1) or H * H.
            hpow_q     <= '0;
            hpow_q[127:0] <= aes_q;
            ma_q       <= h_poly;
            mb_q       <= h_poly;
            mz_q       <= '0;
            step_q     <= 8'd1;
          end else if (step_q <= 8'(STEPS)) begin
            mz_q   <= mul_step(mz_q, ma_q, mb_q);
            ma_q   <= ma_q << DIGIT;
            step_q <= step_q + 8'd1;
          end else begin
            // product done: mz_q = H^(mul_q+2) or H^(2L)
            if ({29'd0, mul_q} + 1 < L) begin
              hpow_q[128*mul_q + 128 +: 128] <= aes_gcm_pkg::gf_poly(mz_q);
              ma_q <= mz_q;
              mb_q <= h_poly;
              if ({29'd0, mul_q} + 1 == L - 1) begin
                ma_q <= mz_q;
                mb_q <= mz_q;            // H^L * H^L
              end
              mz_q   <= '0;
              mul_q  <= mul_q + 3'd1;
              step_q <= 8'd1;
            end else begin
              hpow_q[128*(HN-1) +: 128] <= aes_gcm_pkg::gf_poly(mz_q);
              state_q      <= S_DONE;
            end
          end
        end
        default: begin  // S_DONE
          done_o  <= 1'b1;
          state_q <= S_IDLE;
        end
      endcase
    end
  end

  assign busy_o = (state_q != S_IDLE);
  assign hpow_o = hpow_q;
endmodule
