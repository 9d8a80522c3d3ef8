// sha_hmac: HMAC (RFC 2104) over sha_core with the pad states precomputed,
// for ESP's HMAC-SHA-1-96 (RFC 2404), HMAC-SHA-256-128, HMAC-SHA-384-192 and
// HMAC-SHA-512-256 (RFC 4868). One instance per family (ALG); the SHA-512
// instance does SHA-384 per packet (s_sha384_i).
//
// Pad states: HMAC(K, m) = H((K^opad) || H((K^ipad) || m)); the first block
// of each hash is the key block, the same for every packet of an SA, so the
// host (or a key-init step) computes once per SA istate = compress(IV,
// K^ipad) and ostate = compress(IV, K^opad) and hands them in with a packet's
// first block. The card hashes only the message blocks and one outer block.
//
// Contexts: up to NCTX packets at once, each with an id the caller picks
// among the idle ones (ctx_busy_o). A packet's blocks go in one at a time: the
// next block of an id is taken only when the previous one came back from the
// core (busy low again), so the caller offers blocks of other ids meanwhile;
// an offered block of a busy id waits (s_ready_o low). Per block:
//   s_keep_i   the message bytes of the block (contiguous from byte 0)
//   s_pad_i    the message ends in this block: 0x80 follows the last byte
//              (a block with no message bytes and s_pad_i starts with 0x80)
//   s_last_i   the last block: the message length goes in its last 8 (16)
//              bytes, which must be free of message and pad bytes
//   s_len_i    (last block) the message length in bytes
// So a message of n bytes is its full blocks, then the block of the rest with
// s_pad_i (and s_last_i if the rest leaves room for the length), then, if it
// did not, an empty block with s_last_i (and s_pad_i if the message ended on
// a block boundary). The outer hash runs by itself; m_mac_o is the MAC of the
// packet (the first 12, 16, 24 or 32 bytes, the rest zero) with its id.
module sha_hmac #(
  parameter int ALG  = sha_pkg::ALG_SHA256,
  parameter int U    = 1,           // round units of the core (sha_core)
  parameter int NCTX = 2 * U + 2,   // packets in flight
  // derived, not to be overridden
  parameter int IDW = (NCTX > 1) ? $clog2(NCTX) : 1,
  parameter int WS  = (ALG == sha_pkg::ALG_SHA512) ? 64 : 32,
  parameter int NW  = (ALG == sha_pkg::ALG_SHA1) ? 5 : 8,
  parameter int BB  = 2 * WS
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  output logic [NCTX-1:0]   ctx_busy_o,
  input  logic              s_valid_i,
  output logic              s_ready_o,
  input  logic [IDW-1:0]    s_id_i,
  input  logic              s_first_i,
  input  logic              s_pad_i,
  input  logic              s_last_i,
  input  logic [15:0]       s_len_i,
  input  logic              s_sha384_i,   // first block, SHA-512 core only
  input  logic [NW*WS-1:0]  s_istate_i,   // first block
  input  logic [NW*WS-1:0]  s_ostate_i,   // first block
  input  logic [BB-1:0]     s_keep_i,
  input  logic [8*BB-1:0]   s_block_i,
  output logic              m_valid_o,
  output logic [IDW-1:0]    m_id_o,
  output logic [255:0]      m_mac_o
);
  localparam logic [1:0] K_MID = 2'd0, K_INNER = 2'd1, K_OUTER = 2'd2;
  localparam int MW = IDW + 2;
  // outer message length in bits: the key block and the inner digest
  localparam int OLEN    = (BB + NW * WS / 8) * 8;
  localparam int OLEN384 = (BB + 48) * 8;

  // ------------------------------------------------- per-context state --
  logic [NCTX-1:0]    busy_q, pend_q, s384_q;
  logic [NW*WS-1:0]   cv_mem [NCTX];    // chaining value (LUTRAM)
  logic [NW*WS-1:0]   os_mem [NCTX];    // outer pad state (LUTRAM)

  // The core.
  logic              c_valid, c_ready, r_valid;
  logic [MW-1:0]     c_meta, r_meta;
  logic [NW*WS-1:0]  c_state, r_state;
  logic [8*BB-1:0]   c_block;
  sha_core #(.ALG(ALG), .U(U), .META_W(MW)) u_core (
    .clk_i, .rst_ni,
    .s_valid_i (c_valid),
    .s_ready_o (c_ready),
    .s_meta_i  (c_meta),
    .s_state_i (c_state),
    .s_block_i (c_block),
    .m_valid_o (r_valid),
    .m_meta_o  (r_meta),
    .m_state_o (r_state)
  );
  logic [1:0]     r_kind;
  logic [IDW-1:0] r_id;
  assign {r_kind, r_id} = r_meta;

  // --------------------------------------------------- caller's block --
  logic [8*BB-1:0] in_block;
  logic [63:0]     in_bits;
  always_comb begin
    in_bits = {45'd0, s_len_i + 16'(BB), 3'd0};
    for (int j = 0; j < BB; j++) begin
      if (s_keep_i[j])                                         in_block[8*j +: 8] = s_block_i[8*j +: 8];
      else if (s_pad_i && ((j == 0) || s_keep_i[(j == 0) ? 0 : j - 1])) in_block[8*j +: 8] = 8'h80;
      else                                                     in_block[8*j +: 8] = 8'h00;
      if (s_last_i && (j >= BB - 8)) in_block[8*j +: 8] = in_bits[8*(BB - 1 - j) +: 8];
    end
  end

  // ------------------------------------------------------ outer block --
  // Picked a cycle ahead among the packets whose inner hash is done.
  logic           pv_q;
  logic [IDW-1:0] pid_q;
  logic           o384;
  logic [16*WS-1:0] o_words;
  logic [8*BB-1:0]  o_block;
  logic [NW*WS-1:0] o_cv;
  assign o_cv = cv_mem[pid_q];
  assign o384 = (ALG == sha_pkg::ALG_SHA512) && s384_q[pid_q];
  always_comb begin
    // digest words, 0x80, zeros, length of (key block + digest) in bits
    o_words = '0;
    o_words[NW*WS-1:0] = o_cv;
    if (o384) begin
      o_words[6*WS +: 2*WS] = {{WS{1'b0}}, 1'b1, {(WS-1){1'b0}}};
      o_words[15*WS +: WS]  = WS'(OLEN384);
    end else begin
      o_words[NW*WS +: WS]  = {1'b1, {(WS-1){1'b0}}};
      o_words[15*WS +: WS]  = WS'(OLEN);
    end
    for (int i = 0; i < 16; i++) begin
      for (int b = 0; b < WS / 8; b++) begin
        o_block[8*(WS/8*i + b) +: 8] = o_words[WS*i + WS - 8 - 8*b +: 8];
      end
    end
  end

  // ------------------------------------------------------- core input --
  logic in_take, o_take;
  assign o_take    = pv_q && c_ready;
  assign s_ready_o = !pv_q && c_ready && !busy_q[s_id_i];
  assign in_take   = s_valid_i && s_ready_o;
  assign c_valid   = pv_q || (s_valid_i && !busy_q[s_id_i]);
  assign c_state   = pv_q ? os_mem[pid_q] : (s_first_i ? s_istate_i : cv_mem[s_id_i]);
  assign c_block   = pv_q ? o_block : in_block;
  assign c_meta    = pv_q ? {K_OUTER, pid_q} : {s_last_i ? K_INNER : K_MID, s_id_i};

  always_ff @(posedge clk_i) begin
    if (in_take && s_first_i) os_mem[s_id_i] <= s_ostate_i;
    if (r_valid && (r_kind != K_OUTER)) cv_mem[r_id] <= r_state;
  end

  always_ff @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q <= '0;
      pend_q <= '0;
      pv_q   <= 1'b0;
    end else begin
      for (int i = 0; i < NCTX; i++) begin
        if (in_take && (s_id_i == IDW'(i))) begin
          busy_q[i] <= 1'b1;
        end else if (r_valid && (r_id == IDW'(i)) && (r_kind != K_INNER)) begin
          busy_q[i] <= 1'b0;
        end
        if (r_valid && (r_id == IDW'(i)) && (r_kind == K_INNER)) begin
          pend_q[i] <= 1'b1;
        end else if (o_take && (pid_q == IDW'(i))) begin
          pend_q[i] <= 1'b0;
        end
      end
      if (!pv_q) begin
        pv_q <= |pend_q;
      end else if (o_take) begin
        pv_q <= 1'b0;
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if (!pv_q) begin
      pid_q <= '0;
      for (int i = NCTX - 1; i >= 0; i--) begin
        if (pend_q[i]) pid_q <= IDW'(i);
      end
    end
    for (int i = 0; i < NCTX; i++) begin
      if (in_take && s_first_i && (s_id_i == IDW'(i))) s384_q[i] <= s_sha384_i;
    end
  end
  assign ctx_busy_o = busy_q;

  // ----------------------------------------------------------- output --
  logic [255:0] r_mac;
  logic         r384;
  assign r384 = (ALG == sha_pkg::ALG_SHA512) && s384_q[r_id];
  always_comb begin
    r_mac = '0;
    for (int b = 0; b < 32; b++) begin
      if (b < ((ALG == sha_pkg::ALG_SHA1) ? 12 : (ALG == sha_pkg::ALG_SHA256) ? 16 : 24)
          || (ALG == sha_pkg::ALG_SHA512 && !r384)) begin
        r_mac[8*b +: 8] = r_state[WS*(8*b/WS) + WS - 8 - 8*(b % (WS/8)) +: 8];
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if (!rst_ni) m_valid_o <= 1'b0;
    else         m_valid_o <= r_valid && (r_kind == K_OUTER);
  end
  always_ff @(posedge clk_i) begin
    m_id_o  <= r_id;
    m_mac_o <= r_mac;
  end
endmodule
