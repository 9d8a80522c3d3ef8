// aes_gcm_keyinit: computes the GHASH key powers of an SA key (control path).
// H = AES_K(0^128) with one AES round per two cycles, then the powers with a
// digit-serial GF(2^128) multiplier (DIGIT bits per cycle, 128/DIGIT cycles
// per product):
//   hpow[i] = H^(i+1), i = 0..L-1 (L-1 products), hpow[HPOW_N-1] = H^(2L).
// The inputs are registered first (start_i may come from deep decode logic).
// AES: u_q holds the state before AddRoundKey, kwin_q the round-key window
// {hi, lo} (lo = the round key of the round u_q waits for). Each round is
// two cycles, so that an S-box and the rest of a round are never in one:
//   phase 0: sb_q = SubBytes(u_q ^ lo), ksb_q = SubWord of the window's last
//            word (hi for AES-256, lo for AES-128), the round constants;
//   phase 1: u_q = MixColumns(ShiftRows(sb_q)) (ShiftRows only in the last
//            round), kwin_q = the next window.
// (The XOR in front of the S-boxes also keeps yosys from retiming the round
// register into the S-box ROM, which would put both halves in one cycle.)
// After Nr rounds (10 or 14) one cycle adds the last round key: H.
// Cycle count from start_i to done_o (measured by the testbench):
// DIGIT = 1: 2*Nr + 5 + L*(128/DIGIT + 1) - e.g. 541 (AES-128, L=4).
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

  typedef enum logic [2:0] {S_IDLE, S_AES, S_FIN, S_MUL, S_DONE} state_e;
  state_e        state_q;
  logic          start_q, key256_in_q;
  logic [255:0]  key_in_q;
  logic          ph_q;        // AES round phase
  logic [3:0]    round_q;
  logic          key256_q;
  logic [255:0]  kwin_q;
  logic [127:0]  u_q, sb_q;
  logic [31:0]   ksb_q;
  logic [31:0]   kword_q;     // the window word SubWord reads next
  logic [7:0]    rc128_q, rc256_q;
  logic          jodd_q, last_q;
  logic [127:0]  aes_q;       // H
  logic [2:0]    mul_q;       // product number 0..L-1
  logic [7:0]    step_q;
  // S_MUL control, decoded a cycle ahead: mstart_q the first cycle (load H),
  // mrun_q a product in progress (step_q = 1..STEPS), mlast_q this product
  // is the last (H^(2L)), msq_q the next product is H^L * H^L.
  logic          mstart_q, mrun_q, mlast_q, msq_q;
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

  // AES-128 / AES-256 next window from the registered SubWord and constants
  // (aes_gcm_pkg::aes_key_next with its round-constant lookups precomputed).
  function automatic logic [255:0] key_next(input logic key256, input logic [127:0] lo,
                                            input logic [127:0] hi, input logic [31:0] s,
                                            input logic [7:0] rc128, input logic [7:0] rc256,
                                            input logic jodd);
    logic [127:0] n128, n256;
    n128 = aes_gcm_pkg::aes_key_chain(lo, {s[7:0], s[31:8]} ^ {24'h0, rc128});
    if (!jodd) n256 = aes_gcm_pkg::aes_key_chain(lo, {s[7:0], s[31:8]} ^ {24'h0, rc256});
    else       n256 = aes_gcm_pkg::aes_key_chain(lo, s);
    key_next = key256 ? {n256, hi} : {hi, n128};
  endfunction

  logic [127:0] h_poly, aes_sb, sr;
  logic [31:0]  ksb;
  logic [3:0]   r1, j;
  logic [255:0] kwin_d;        // the next window (phase 1)
  assign kwin_d = key_next(key256_q, kwin_q[127:0], kwin_q[255:128], ksb_q, rc128_q, rc256_q,
                           jodd_q);
  assign h_poly = aes_gcm_pkg::gf_poly(aes_q);
  assign sr     = aes_gcm_pkg::aes_shift_rows(sb_q);
  assign r1     = round_q + 4'd1;
  assign j      = round_q + 4'd2;
  aes_gcm_subbytes #(.N(16)) u_sb (.x_i(u_q ^ kwin_q[127:0]), .s_o(aes_sb));
  aes_gcm_subbytes #(.N(4)) u_ksb (.x_i(kword_q), .s_o(ksb));

  always_ff @(posedge clk_i) begin
    key_in_q    <= key_i;
    key256_in_q <= key256_i;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      start_q <= 1'b0;
      state_q <= S_IDLE;
      done_o  <= 1'b0;
    end else begin
      start_q <= start_i;
      done_o  <= 1'b0;
      case (state_q)
        S_IDLE: begin
          if (start_q) begin
            state_q  <= S_AES;
            ph_q     <= 1'b0;
            round_q  <= 4'd0;
            key256_q <= key256_in_q;
            kwin_q   <= key_in_q;
            kword_q  <= key256_in_q ? key_in_q[255:224] : key_in_q[127:96];
            u_q      <= '0;
          end
        end
        S_AES: begin
          ph_q <= !ph_q;
          if (!ph_q) begin
            sb_q    <= aes_sb;
            ksb_q   <= ksb;
            rc128_q <= aes_gcm_pkg::aes_rcon(r1);
            rc256_q <= aes_gcm_pkg::aes_rcon({1'b0, j[3:1]});
            jodd_q  <= j[0];
            last_q  <= (r1 == (key256_q ? 4'd14 : 4'd10));
          end else begin
            u_q     <= last_q ? sr : aes_gcm_pkg::aes_mix_columns(sr);
            kwin_q  <= kwin_d;
            kword_q <= key256_q ? kwin_d[255:224] : kwin_d[127:96];
            round_q <= r1;
            if (last_q) state_q <= S_FIN;
          end
        end
        S_FIN: begin
          aes_q    <= u_q ^ kwin_q[127:0];
          state_q  <= S_MUL;
          mul_q    <= 3'd0;
          mstart_q <= 1'b1;
          mrun_q   <= 1'b0;
          mlast_q  <= !(1 < L);
          msq_q    <= (1 == L - 1);
        end
        S_MUL: begin
          if (mstart_q) begin
            // aes_q now holds H: start with H * H (L == 1) or H * H.
            hpow_q     <= '0;
            hpow_q[127:0] <= aes_q;
            ma_q       <= h_poly;
            mb_q       <= h_poly;
            mz_q       <= '0;
            step_q     <= 8'd1;
            mstart_q   <= 1'b0;
            mrun_q     <= 1'b1;
          end else if (mrun_q) begin
            mz_q   <= mul_step(mz_q, ma_q, mb_q);
            ma_q   <= ma_q << DIGIT;
            step_q <= step_q + 8'd1;
            mrun_q <= (step_q != 8'(STEPS));
          end else begin
            // product done: mz_q = H^(mul_q+2) or H^(2L)
            if (!mlast_q) begin
              hpow_q[128*mul_q + 128 +: 128] <= aes_gcm_pkg::gf_poly(mz_q);
              ma_q <= mz_q;
              mb_q <= h_poly;
              if (msq_q) begin
                ma_q <= mz_q;
                mb_q <= mz_q;            // H^L * H^L
              end
              mz_q    <= '0;
              mul_q   <= mul_q + 3'd1;
              step_q  <= 8'd1;
              mrun_q  <= 1'b1;
              mlast_q <= !({29'd0, mul_q} + 2 < L);
              msq_q   <= ({29'd0, mul_q} + 2 == L - 1);
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

  assign busy_o = (state_q != S_IDLE) || start_q;
  assign hpow_o = hpow_q;
endmodule
