// aes_gcm_pkg: types and pure functions of the AES-GCM streaming core.
//
// Byte order (whole project): byte k of a 128-bit block/key/salt sits in
// bits [8k+7:8k]; byte 0 is the first byte on the wire (the most significant
// byte in FIPS-197 / SP 800-38D notation).
//
// GF(2^128) values are converted to a "poly" form for arithmetic: poly bit i
// is the coefficient of x^i, i.e. GCM bit i (bit 7-i%8 of byte i/8).
package aes_gcm_pkg;

  // Lanes of the widest build (DATA_W = 512). The context struct is sized for
  // it; narrower builds use the first L = DATA_W/128 entries of hpow.
  localparam int GCM_MAX_LANES = 4;
  // GHASH key powers in gcm_ctx_t.hpow: HPOW_N = GCM_MAX_LANES + 1 entries.
  //   hpow[i]          = H^(i+1)  for i = 0 .. L-1   (lane weights, and H, H^L)
  //   hpow[HPOW_N-1]   = H^(2L)                       (two-slot GHASH loop)
  //   other entries    = unused (0) when L < GCM_MAX_LANES
  // aes_gcm_keyinit #(DATA_W) produces exactly this layout for its L.
  localparam int HPOW_N = GCM_MAX_LANES + 1;

  // GHASH latency in the stream core (cycles from the GHASH input register
  // to the rotated tag register); see aes_gcm_ghash.
  localparam int GHASH_LAT = 11;

  typedef enum logic [1:0] {
    GCM_BYPASS  = 2'd0,
    GCM_ENCRYPT = 2'd1,
    GCM_DECRYPT = 2'd2
  } gcm_op_e;   // 2'd3 is treated as bypass

  // Per-packet context, valid with the first beat of each packet.
  typedef struct packed {
    gcm_op_e                  op;
    logic                     key256;      // 1: AES-256, 0: AES-128 (key[127:0])
    logic [255:0]             key;
    logic [31:0]              salt;        // nonce bytes 0..3
    logic [HPOW_N-1:0][127:0] hpow;        // see HPOW_N
    logic [127:0]             aad;         // first GHASH block (zero padded)
    logic [15:0]              aad_len;     // total AAD bytes (ctx.aad + stream AAD)
    logic [5:0]               aad_blocks;  // 16-byte AAD blocks after the header block
    logic [15:0]              len;         // payload bytes (decrypt: incl. 16-byte ICV)
  } gcm_ctx_t;

  // ---------------------------------------------------------------- AES ---
  function automatic logic [7:0] aes_xtime(input logic [7:0] b);
    aes_xtime = {b[6:0], 1'b0} ^ (b[7] ? 8'h1b : 8'h00);
  endfunction

  // ShiftRows: out byte 4c+r = in byte 4((c+r)%4)+r.
  function automatic logic [127:0] aes_shift_rows(input logic [127:0] s);
    logic [127:0] o;
    for (int c = 0; c < 4; c++) begin
      for (int r = 0; r < 4; r++) begin
        o[8*(4*c+r) +: 8] = s[8*(4*((c+r)%4)+r) +: 8];
      end
    end
    aes_shift_rows = o;
  endfunction

  function automatic logic [127:0] aes_mix_columns(input logic [127:0] s);
    logic [127:0] o;
    logic [7:0] a0, a1, a2, a3;
    for (int c = 0; c < 4; c++) begin
      a0 = s[32*c +: 8];
      a1 = s[32*c+8 +: 8];
      a2 = s[32*c+16 +: 8];
      a3 = s[32*c+24 +: 8];
      o[32*c +: 8]    = aes_xtime(a0) ^ aes_xtime(a1) ^ a1 ^ a2 ^ a3;
      o[32*c+8 +: 8]  = a0 ^ aes_xtime(a1) ^ aes_xtime(a2) ^ a2 ^ a3;
      o[32*c+16 +: 8] = a0 ^ a1 ^ aes_xtime(a2) ^ aes_xtime(a3) ^ a3;
      o[32*c+24 +: 8] = aes_xtime(a0) ^ a0 ^ a1 ^ a2 ^ aes_xtime(a3);
    end
    aes_mix_columns = o;
  endfunction

  function automatic logic [7:0] aes_rcon(input logic [3:0] i);
    logic [7:0] r;
    case (i)
      4'd1: r = 8'h01; 4'd2: r = 8'h02; 4'd3: r = 8'h04; 4'd4: r = 8'h08;
      4'd5: r = 8'h10; 4'd6: r = 8'h20; 4'd7: r = 8'h40; 4'd8: r = 8'h80;
      4'd9: r = 8'h1b; 4'd10: r = 8'h36;
      default: r = 8'h00;
    endcase
    aes_rcon = r;
  endfunction

  // w0 = p0^t, w1 = p1^w0, w2 = p2^w1, w3 = p3^w2 (written flat: no chain).
  function automatic logic [127:0] aes_key_chain(input logic [127:0] p, input logic [31:0] t);
    aes_key_chain = {p[127:96] ^ p[95:64] ^ p[63:32] ^ p[31:0] ^ t,
                     p[95:64] ^ p[63:32] ^ p[31:0] ^ t,
                     p[63:32] ^ p[31:0] ^ t,
                     p[31:0] ^ t};
  endfunction

  // Key schedule window: lo = round key r (used by round r), hi = round key
  // r+1 (AES-256 only). aes_key_next returns the window of round r+1.
  // AES-128: lo' = expand(lo) with Rcon[r+1]; AES-256: lo' = hi,
  // hi' = rk(r+2) from rk(r) and rk(r+1). s128 / s256 are SubWord of the last
  // word of lo / hi (S-boxes are instantiated by the caller).
  function automatic logic [255:0] aes_key_next(input logic key256, input logic [3:0] r,
                                                input logic [127:0] lo, input logic [127:0] hi,
                                                input logic [31:0] s128, input logic [31:0] s256);
    logic [3:0] j, r1;
    logic [127:0] n128, n256;
    j  = r + 4'd2;
    r1 = r + 4'd1;
    n128 = aes_key_chain(lo, {s128[7:0], s128[31:8]} ^ {24'h0, aes_rcon(r1)});
    if (!j[0]) begin
      n256 = aes_key_chain(lo, {s256[7:0], s256[31:8]} ^ {24'h0, aes_rcon({1'b0, j[3:1]})});
    end else begin
      n256 = aes_key_chain(lo, s256);
    end
    aes_key_next = key256 ? {n256, hi} : {hi, n128};
  endfunction

  // Pipeline rounds (no mode muxes): r = 0 AddRoundKey, 1..13 full rounds,
  // 14 the final round. AES-128 leaves the pipeline after stage 10 through a
  // side register chain (aes_gcm_aes_fork), so no stage needs a mode mux.
  function automatic logic [127:0] aes_pipe_round(input logic [3:0] r, input logic [127:0] s,
                                                  input logic [127:0] sb,
                                                  input logic [127:0] rk);
    logic [127:0] ss;
    ss = aes_shift_rows(sb);
    if (r == 4'd0)       aes_pipe_round = s ^ rk;
    else if (r == 4'd14) aes_pipe_round = ss ^ rk;
    else                 aes_pipe_round = aes_mix_columns(ss) ^ rk;
  endfunction

  // -------------------------------------------------------------- GHASH ---
  // Block <-> poly (bit-reverse inside each byte; an involution).
  function automatic logic [127:0] gf_poly(input logic [127:0] b);
    logic [127:0] p;
    for (int i = 0; i < 128; i++) begin
      p[i] = b[8*(i/8) + 7 - (i%8)];
    end
    gf_poly = p;
  endfunction

  // Unreduced partial product of chunk q (a[32q +: 32]) and b, aligned at
  // x^(32q): bits [32q +: 159] of the 255-bit product.
  function automatic logic [158:0] gf_pp(input logic [127:0] a, input logic [127:0] b,
                                         input int q);
    logic [158:0] d;
    d = '0;
    for (int i = 0; i < 32; i++) begin
      if (a[32*q+i]) d = d ^ ({31'b0, b} << i);
    end
    gf_pp = d;
  endfunction

  // Sum of the four partial products, reduced modulo x^128+x^7+x^2+x+1.
  function automatic logic [127:0] gf_red(input logic [4*159-1:0] pp);
    logic [254:0] d;
    d = '0;
    for (int q = 0; q < 4; q++) begin
      d = d ^ ({96'b0, pp[159*q +: 159]} << (32*q));
    end
    for (int k = 254; k >= 128; k--) begin
      if (d[k]) begin
        d[k-128] = !d[k-128];
        d[k-127] = !d[k-127];
        d[k-126] = !d[k-126];
        d[k-121] = !d[k-121];
      end
    end
    gf_red = d[127:0];
  endfunction

  // 64-bit byte swap (big-endian length fields).
  function automatic logic [63:0] gcm_bswap64(input logic [63:0] v);
    logic [63:0] o;
    for (int i = 0; i < 8; i++) begin
      o[8*i +: 8] = v[8*(7-i) +: 8];
    end
    gcm_bswap64 = o;
  endfunction

  // Rotate a block "up" by q bytes: out byte j = in byte (j - q) mod 16.
  function automatic logic [127:0] gcm_rot_bytes(input logic [127:0] v, input logic [3:0] q);
    logic [127:0] o;
    logic [3:0] k;
    for (int j = 0; j < 16; j++) begin
      k = 4'(j) - q;
      o[8*j +: 8] = v[8*k +: 8];
    end
    gcm_rot_bytes = o;
  endfunction

endpackage
