// aes_gcm_tb_top: test wrapper for the Verilator testbench. Flattens the context
// struct into plain ports and puts aes_gcm_keyinit beside aes_gcm_stream.
module aes_gcm_tb_top #(
  parameter int DATA_W = 128
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  // key init
  input  logic                               ki_start_i,
  input  logic                               ki_key256_i,
  input  logic [255:0]                       ki_key_i,
  output logic                               ki_busy_o,
  output logic                               ki_done_o,
  output logic [aes_gcm_pkg::HPOW_N*128-1:0] ki_hpow_o,
  // context of the first beat
  input  logic [1:0]                         ctx_op_i,
  input  logic                               ctx_key256_i,
  input  logic [255:0]                       ctx_key_i,
  input  logic [31:0]                        ctx_salt_i,
  input  logic [aes_gcm_pkg::HPOW_N*128-1:0] ctx_hpow_i,
  input  logic [127:0]                       ctx_aad_i,
  input  logic [15:0]                        ctx_aad_len_i,
  input  logic [5:0]                         ctx_aad_blocks_i,
  input  logic [15:0]                        ctx_len_i,
  // streams
  input  logic [DATA_W-1:0]                  s_axis_tdata,
  input  logic [DATA_W/8-1:0]                s_axis_tkeep,
  input  logic                               s_axis_tlast,
  input  logic                               s_axis_tvalid,
  output logic                               s_axis_tready,
  output logic [DATA_W-1:0]                  m_axis_tdata,
  output logic [DATA_W/8-1:0]                m_axis_tkeep,
  output logic                               m_axis_tlast,
  output logic                               m_axis_tvalid,
  input  logic                               m_axis_tready,
  output logic                               m_axis_tuser
);
  aes_gcm_pkg::gcm_ctx_t ctx;
  always_comb begin
    ctx.op         = aes_gcm_pkg::gcm_op_e'(ctx_op_i);
    ctx.key256     = ctx_key256_i;
    ctx.key        = ctx_key_i;
    ctx.salt       = ctx_salt_i;
    ctx.hpow       = ctx_hpow_i;
    ctx.aad        = ctx_aad_i;
    ctx.aad_len    = ctx_aad_len_i;
    ctx.aad_blocks = ctx_aad_blocks_i;
    ctx.len        = ctx_len_i;
  end

  aes_gcm_keyinit #(.DATA_W(DATA_W)) u_keyinit (
    .clk_i, .rst_ni,
    .start_i  (ki_start_i),
    .key256_i (ki_key256_i),
    .key_i    (ki_key_i),
    .busy_o   (ki_busy_o),
    .done_o   (ki_done_o),
    .hpow_o   (ki_hpow_o)
  );

  aes_gcm_stream #(.DATA_W(DATA_W)) u_stream (
    .clk_i, .rst_ni,
    .s_axis_tdata, .s_axis_tkeep, .s_axis_tlast, .s_axis_tvalid, .s_axis_tready,
    .s_ctx_i (ctx),
    .m_axis_tdata, .m_axis_tkeep, .m_axis_tlast, .m_axis_tvalid, .m_axis_tready,
    .m_axis_tuser
  );
endmodule
