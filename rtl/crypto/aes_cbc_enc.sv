// aes_cbc_enc: AES-CBC encryption (RFC 3602) with packets interleaved.
// C_i = E(K, P_i ^ C_{i-1}), C_0 = IV: the blocks of one packet are chained,
// so one packet cannot use the pipeline more than once every LAT cycles;
// NCH channels (one packet each) fill it, one block per cycle in all.
//
// The unrolled AES pipeline (aes_gcm_aes_pipe, one lane, the key schedule on
// the fly) is 15 stages; with the input register (P ^ C_{i-1}), the output
// register and the write-back of C_i, a channel's next block can enter 18
// cycles after its previous one (ch_busy_o low again): 18 channels keep the
// engine full (N channels: min(1, N/18) blocks per cycle).
//
// Per block: s_ch_i (a channel the caller picks among the idle ones), the
// plaintext block (byte k in bits [8k+7:8k]); with the first block of a
// packet (s_first_i) also the key (AES-128 in key[127:0]) and the IV, which
// the channel keeps for the rest of the packet. A block of a busy channel
// waits (s_ready_o low). m_* has no ready: the ciphertext block is valid for
// one cycle, with its channel.
module aes_cbc_enc #(
  parameter int NCH = 18,
  // derived, not to be overridden
  parameter int CHW = (NCH > 1) ? $clog2(NCH) : 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  output logic [NCH-1:0]   ch_busy_o,
  input  logic             s_valid_i,
  output logic             s_ready_o,
  input  logic [CHW-1:0]   s_ch_i,
  input  logic             s_first_i,
  input  logic             s_key256_i,   // first block
  input  logic [255:0]     s_key_i,      // first block
  input  logic [127:0]     s_iv_i,       // first block
  input  logic [127:0]     s_block_i,
  output logic             m_valid_o,
  output logic [CHW-1:0]   m_ch_o,
  output logic [127:0]     m_block_o
);
  localparam int AES_STAGES = 15;

  logic [NCH-1:0] busy_q;
  logic [256:0]   key_mem [NCH];   // {key256, key} per channel (LUTRAM)
  logic [127:0]   prev_mem [NCH];  // C_{i-1} per channel (LUTRAM)

  // ------------------------------------------------------------ input --
  logic         take;
  logic         x_v_q;
  logic [CHW-1:0] x_ch_q;
  logic [256:0] x_key_q;
  logic [127:0] x_q;
  assign s_ready_o = !busy_q[s_ch_i];
  assign take      = s_valid_i && s_ready_o;

  always_ff @(posedge clk_i) begin
    if (!rst_ni) x_v_q <= 1'b0;
    else         x_v_q <= take;
  end
  always_ff @(posedge clk_i) begin
    x_ch_q  <= s_ch_i;
    x_key_q <= s_first_i ? {s_key256_i, s_key_i} : key_mem[s_ch_i];
    x_q     <= s_block_i ^ (s_first_i ? s_iv_i : prev_mem[s_ch_i]);
    if (take && s_first_i) key_mem[s_ch_i] <= {s_key256_i, s_key_i};
  end

  // -------------------------------------------------------------- AES --
  logic [127:0] ct;
  aes_gcm_aes_pipe #(.L(1)) u_aes (
    .clk_i,
    .en_i    (1'b1),
    .kwin_i  (x_key_q),
    .state_i (x_q),
    .state_o (ct)
  );
  logic [AES_STAGES-1:0] v_q;
  logic [CHW-1:0]        ch;
  always_ff @(posedge clk_i) begin
    if (!rst_ni) v_q <= '0;
    else         v_q <= {v_q[AES_STAGES-2:0], x_v_q};
  end
  aes_gcm_delay #(.W(CHW), .D(AES_STAGES)) u_d_ch (
    .clk_i, .en_i(1'b1), .d_i(x_ch_q), .q_o(ch));

  // ----------------------------------------------------------- output --
  always_ff @(posedge clk_i) begin
    if (!rst_ni) m_valid_o <= 1'b0;
    else         m_valid_o <= v_q[AES_STAGES-1];
  end
  always_ff @(posedge clk_i) begin
    m_ch_o    <= ch;
    m_block_o <= ct;
    if (m_valid_o) prev_mem[m_ch_o] <= m_block_o;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q <= '0;
    end else begin
      for (int i = 0; i < NCH; i++) begin
        if (take && (s_ch_i == CHW'(i))) busy_q[i] <= 1'b1;
        else if (m_valid_o && (m_ch_o == CHW'(i))) busy_q[i] <= 1'b0;
      end
    end
  end
  assign ch_busy_o = busy_q;
endmodule
