// aes_ctr_drbg: the card's IV generator for AES-CBC, NIST SP 800-90A
// CTR_DRBG with AES-256, no derivation function, no prediction resistance,
// ctr_len = 32 (SP 800-90A 10.2.1: the low 32 bits of V count), over one
// pipelined AES (aes_gcm_aes_pipe, one block per cycle).
//
// Seeding (the host, through the control path): seed_i is the 48-byte
// seed material (entropy input XOR personalization or additional input,
// byte k in bits [8k+7:8k]); the host draws it from its own entropy source
// (getrandom) and writes it at start-up and whenever it wants a reseed.
// A seed_valid_i pulse (held until seed_ready_o) while the DRBG is not
// instantiated instantiates it (Key = 0, V = 0, Update(seed)); afterwards it
// reseeds (Update(seed) on the current state) between two generate calls.
// Nothing comes out before the first seed. After RESEED_MAX generate calls
// without a reseed it stops (need_reseed_o) until the host reseeds
// (SP 800-90A reseed_interval).
//
// Generate: each call outputs GEN_BLOCKS blocks AES(Key, V+1) ..
// AES(Key, V+GEN_BLOCKS), then Update(0) (three more blocks) makes the next
// Key and V. The blocks go into a FIFO; m_* hands them out, one 16-byte IV
// per beat. A call is issued block by block only while the FIFO has room.
module aes_ctr_drbg #(
  parameter int GEN_BLOCKS = 64,          // blocks per generate call (<= 2^32 - 4)
  parameter int FIFO_DEPTH = 32,
  parameter int RESEED_MAX = 1 << 20      // generate calls per seed (<= 2^48)
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         seed_valid_i,
  output logic         seed_ready_o,
  input  logic [383:0] seed_i,
  output logic         inst_o,          // instantiated
  output logic         need_reseed_o,
  output logic         m_valid_o,
  input  logic         m_ready_i,
  output logic [127:0] m_iv_o
);
  localparam int AES_STAGES = 15;
  localparam int GW = $clog2(GEN_BLOCKS + 4);
  localparam int CW = $clog2(FIFO_DEPTH + 1);
  localparam int RW = $clog2(RESEED_MAX + 1);

  // V is kept as the big-endian number (bit 127 the most significant); Key
  // in the AES core's byte order.
  function automatic logic [127:0] bswap128(input logic [127:0] v);
    logic [127:0] o;
    for (int i = 0; i < 16; i++) o[8*i +: 8] = v[8*(15-i) +: 8];
    bswap128 = o;
  endfunction

  typedef enum logic [2:0] {S_IDLE, S_UPD_ISSUE, S_UPD_WAIT, S_GEN} state_e;
  state_e        state_q;
  logic          inst_q;
  logic [255:0]  key_q;
  logic [127:0]  v_q;
  logic [383:0]  prov_q;           // provided data of the Update in progress
  logic [GW-1:0] n_q;              // blocks issued in this phase
  logic [1:0]    got_q;            // Update results received
  logic [255:0]  temp_q;           // the first two Update results
  logic [RW-1:0] calls_q;
  logic [CW-1:0] credit_q;
  logic [1:0]    u_q;              // Update blocks issued

  // --------------------------------------------------- AES issue side --
  logic          issue, issue_gen;  // a block enters the pipeline; it is an IV
  logic [AES_STAGES-1:0] v_pipe_q, g_pipe_q;
  logic [127:0]  ks;
  aes_gcm_aes_pipe #(.L(1)) u_aes (
    .clk_i,
    .en_i    (1'b1),
    .kwin_i  ({1'b1, key_q}),
    .state_i (bswap128({v_q[127:32], v_q[31:0] + 32'd1})),
    .state_o (ks)
  );
  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      v_pipe_q <= '0;
      g_pipe_q <= '0;
    end else begin
      v_pipe_q <= {v_pipe_q[AES_STAGES-2:0], issue};
      g_pipe_q <= {g_pipe_q[AES_STAGES-2:0], issue_gen};
    end
  end
  logic res_v, res_gen;
  assign res_v   = v_pipe_q[AES_STAGES-1];
  assign res_gen = g_pipe_q[AES_STAGES-1];

  // ------------------------------------------------------------- FIFO --
  logic f_ready, pop;
  logic [CW-1:0] f_count;
  sync_fifo #(.WIDTH(128), .DEPTH(FIFO_DEPTH)) u_fifo (
    .clk_i, .rst_ni,
    .wr_valid_i (res_v && res_gen),
    .wr_ready_o (f_ready),
    .wr_data_i  (ks),
    .rd_valid_o (m_valid_o),
    .rd_ready_i (m_ready_i),
    .rd_data_o  (m_iv_o),
    .count_o    (f_count)
  );
  assign pop = m_valid_o && m_ready_i;

  // --------------------------------------------------------- control --
  logic can_gen;
  assign can_gen   = (credit_q != '0) && (n_q != GW'(GEN_BLOCKS));
  assign issue_gen = (state_q == S_GEN) && can_gen;
  assign issue     = issue_gen || (state_q == S_UPD_ISSUE);
  assign seed_ready_o  = (state_q == S_IDLE) && seed_valid_i;
  assign inst_o        = inst_q;
  assign need_reseed_o = inst_q && (calls_q == RW'(RESEED_MAX));

  logic [383:0] upd;   // Update's result: temp ^ provided data
  assign upd = {ks, temp_q[255:0]} ^ prov_q;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q  <= S_IDLE;
      inst_q   <= 1'b0;
      credit_q <= CW'(FIFO_DEPTH);
      calls_q  <= '0;
    end else begin
      credit_q <= credit_q - CW'(issue_gen) + CW'(pop);
      case (state_q)
        S_IDLE: begin
          // between generate calls: a seed first, then the next call
          if (seed_valid_i) begin
            state_q <= S_UPD_ISSUE;
            prov_q  <= seed_i;
            calls_q <= '0;
            if (!inst_q) begin
              key_q <= '0;
              v_q   <= '0;
            end
            inst_q <= 1'b1;
          end else if (inst_q && (calls_q != RW'(RESEED_MAX))) begin
            state_q <= S_GEN;
            calls_q <= calls_q + RW'(1);
          end
          n_q   <= '0;
          got_q <= '0;
          u_q   <= '0;
        end
        S_GEN: begin
          if (issue_gen) begin
            v_q[31:0] <= v_q[31:0] + 32'd1;
            n_q       <= n_q + GW'(1);
          end
          // the call's blocks are all issued: Update(0)
          if (!can_gen && (n_q == GW'(GEN_BLOCKS))) begin
            state_q <= S_UPD_ISSUE;
            prov_q  <= '0;
            u_q     <= '0;
          end
        end
        S_UPD_ISSUE: begin
          // three blocks V+1, V+2, V+3 (one per cycle)
          v_q[31:0] <= v_q[31:0] + 32'd1;
          u_q       <= u_q + 2'd1;
          if (u_q == 2'd2) begin
            state_q <= S_UPD_WAIT;
            got_q   <= '0;
          end
        end
        default: begin  // S_UPD_WAIT: collect the three blocks
          if (res_v && !res_gen) begin
            got_q <= got_q + 2'd1;
            if (got_q == 2'd0) temp_q[127:0]   <= ks;
            if (got_q == 2'd1) temp_q[255:128] <= ks;
            if (got_q == 2'd2) begin
              key_q   <= upd[255:0];
              v_q     <= bswap128(upd[383:256]);
              state_q <= S_IDLE;
            end
          end
        end
      endcase
    end
  end

  logic unused;
  assign unused = ^{f_ready, f_count};
endmodule
