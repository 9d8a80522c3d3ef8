// spd_key_step: one step of spd_key's walk through IPv6 extension headers.
// The walk is at the one-hot 8-byte position pos (bit POS: beyond the
// captured header) of a header of kind {generic, fragment, AH} (none: the
// upper layer, the walk is over); the step reads that header from the
// per-position tables and moves to the next one. done: a non-initial
// fragment ended the walk (opaque); bad: the walk cannot go on (beyond the
// capture, an AH length that is not a multiple of 8 bytes).
module spd_key_step #(
  parameter int POS = 5,
  parameter int PV  = POS + 1
) (
  input  logic [PV-1:0]     pos_i,
  input  logic [7:0]        proto_i,
  input  logic [2:0]        kind_i,
  input  logic              done_i,
  input  logic              opaque_i,
  input  logic              bad_i,
  input  logic [POS*8-1:0]  nh_i,         // per position: next header,
  input  logic [POS*3-1:0]  kind_tab_i,   //   its kind,
  input  logic [POS*PV-1:0] ext_i,        //   where a generic header there leads,
  input  logic [POS*PV-1:0] ah_i,         //   where an AH there leads,
  input  logic [POS-1:0]    ah_bad_i,     //   an AH length not a multiple of 8 bytes,
  input  logic [POS-1:0]    frag_off_i,   //   a non-zero fragment offset
  output logic [PV-1:0]     pos_o,
  output logic [7:0]        proto_o,
  output logic [2:0]        kind_o,
  output logic              done_o,
  output logic              opaque_o,
  output logic              bad_o
);
  logic [7:0]    h_nh;
  logic [2:0]    h_kind;
  logic [PV-1:0] h_ext, h_ah;
  logic          h_ah_bad, h_frag_off;
  always_comb begin
    h_nh = '0;
    h_kind = '0;
    h_ext = '0;
    h_ah = '0;
    h_ah_bad = 1'b0;
    h_frag_off = 1'b0;
    for (int j = 0; j < POS; j++) begin
      h_nh       = h_nh | ({8{pos_i[j]}} & nh_i[8*j +: 8]);
      h_kind     = h_kind | ({3{pos_i[j]}} & kind_tab_i[3*j +: 3]);
      h_ext      = h_ext | ({PV{pos_i[j]}} & ext_i[PV*j +: PV]);
      h_ah       = h_ah | ({PV{pos_i[j]}} & ah_i[PV*j +: PV]);
      h_ah_bad   = h_ah_bad | (pos_i[j] & ah_bad_i[j]);
      h_frag_off = h_frag_off | (pos_i[j] & frag_off_i[j]);
    end
    pos_o    = pos_i;
    proto_o  = proto_i;
    kind_o   = kind_i;
    done_o   = done_i;
    opaque_o = opaque_i;
    bad_o    = bad_i;
    if (!done_i && !bad_i && kind_i != 3'b000) begin
      if (pos_i[POS]) begin
        bad_o = 1'b1;                       // the header is beyond the capture
      end else begin
        proto_o = h_nh;
        kind_o  = h_kind;
        if (kind_i[1]) begin                // fragment: 8 bytes
          pos_o    = {pos_i[PV-2:0], 1'b0};
          done_o   = h_frag_off;
          opaque_o = h_frag_off;
        end else if (kind_i[0]) begin       // AH
          pos_o = h_ah;
          bad_o = h_ah_bad;
        end else begin
          pos_o = h_ext;
        end
      end
    end
  end
endmodule
