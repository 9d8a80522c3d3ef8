// espnic_pkg: types shared by the card's ESP pipelines: SA and SPD entries,
// drop reasons, events, and the helpers that read header fields out of a
// captured frame (byte k of a frame is bits [8k+7:8k] everywhere in the card).
package espnic_pkg;

  // ---------------------------------------------------------------- sizes
  localparam int HDR_BYTES = 96;            // captured header bytes per frame
  localparam int ADDR_W    = 128;           // addresses are kept as 16 bytes
  localparam int REPLAY_MAX = 1024;         // largest anti-replay window
  localparam int REPLAY_W_W = 11;           // width of a window size (0..1024)
  // Sizes owned by other packages, written out: yosys 0.23 cannot use another
  // package's parameter in a package-level type. espnic_core checks them
  // against their source at simulation start.
  localparam int HPOW_N   = 5;              // aes_gcm_pkg::HPOW_N
  localparam int SA_DROPS = 6;              // espnic_regs_pkg::DROP_N

  // Ethertypes and IP protocol numbers the data path looks at.
  localparam logic [15:0] ETH_IPV4   = 16'h0800;
  localparam logic [15:0] ETH_IPV6   = 16'h86DD;
  localparam logic [7:0]  IPP_IPV4   = 8'd4;     // IPv4 in IP (tunnel mode next header)
  localparam logic [7:0]  IPP_UDP    = 8'd17;
  localparam logic [7:0]  IPP_IPV6   = 8'd41;    // IPv6 in IP
  localparam logic [7:0]  IPP_ESP    = 8'd50;
  localparam logic [7:0]  IPP_NONE   = 8'd59;    // no next header (RFC 4303 dummy packet)
  localparam logic [15:0] UDP_ENCAP_PORT = 16'd4500;   // RFC 3948

  // Generation of an SA table entry: bumped by every add, replace and delete,
  // so work in flight for an entry's previous occupant is recognised.
  localparam int SA_GEN_W = 16;

  // The anti-replay window (replay_pkg) is REPLAY_WORDS words per SA in RAM
  // (RFC 6479): word k holds the bitmap of one block of 64 sequence numbers
  // whose bits [10:6] are k, tagged with the block's bits [63:11]. 32 words
  // because a window of REPLAY_MAX = 1024 touches up to 17 blocks.
  localparam int REPLAY_WORDS = 32;
  localparam int REPLAY_TAG_W = 53;         // sequence number bits [63:11]
  localparam int REPLAY_WORD_W = REPLAY_TAG_W + 64;
  typedef logic [REPLAY_WORD_W-1:0] window_t;   // {tag, bitmap}

  // Algorithm, action, event and drop-reason numbers come from the register
  // map (espnic_regs_pkg, generated from rtl/regs/espnic_regs.yaml).

  typedef struct packed {
    logic [3:0]  kind;
    logic        inbound;      // 1: the SA is an inbound SA
    logic [15:0] sa;           // SA index (for ACQUIRE: the SA the rule names)
    logic [15:0] rule;         // SPD rule index (ACQUIRE only)
  } event_t;
  // $bits(event_t), written out (yosys 0.23 takes no type in $bits).
  localparam int EVENT_W = 4 + 1 + 16 + 16;

  // ------------------------------------------------------------- selectors
  // An address prefix: the address and its mask (prefix length expanded at
  // load time so lookups are plain AND/compare).
  typedef struct packed {
    logic [ADDR_W-1:0] addr;
    logic [ADDR_W-1:0] mask;
  } prefix_t;

  // ----------------------------------------------------------- SA config
  // What the control path writes; the data path only reads it.
  typedef struct packed {
    logic [31:0]       spi;
    logic              tunnel;       // 1 tunnel mode, 0 transport mode
    logic              udp_encap;    // RFC 3948 UDP encapsulation
    logic [15:0]       udp_sport;
    logic [15:0]       udp_dport;
    logic [31:0]       local_v4;     // outer addresses (tunnel mode, IPv4)
    logic [31:0]       remote_v4;
    logic [3:0]        alg;
    logic              esn;
    logic [REPLAY_W_W-1:0] replay_window;   // 0: anti-replay off
    logic [63:0]       soft_bytes;   // 0: no limit
    logic [63:0]       hard_bytes;
    logic [63:0]       soft_packets;
    logic [63:0]       hard_packets;
    logic              sel_v6;       // selectors (inbound policy check)
    prefix_t           sel_src;      // inner source (peer side for inbound)
    prefix_t           sel_dst;
    logic [7:0]        sel_proto;    // 0: any
    logic [15:0]       mss_clamp;    // TCP MSS clamp of this SA's cleartext, 0: none
    logic              vlan_en;      // inbound tunnel: deliver tagged with vlan
    logic [11:0]       vlan;         // (route-based session's VID)
  } sa_cfg_t;

  // Key material of an SA: the AES key, the RFC 4106 salt and the GHASH key
  // powers derived at install time (aes_gcm_keyinit). Never readable.
  typedef struct packed {
    logic [255:0]                          key;
    logic [31:0]                           salt;
    logic [HPOW_N-1:0][127:0]             hpow;
  } sa_key_t;

  // Mutable per-SA state the data path keeps.
  typedef struct packed {
    logic [63:0] seq;               // outbound: last used; inbound: highest seen
    logic        soft_fired;
    logic        hard_fired;        // expired: every further packet is dropped
    logic        wrap_fired;
    // Outbound: seq is the last number the SA may use, with ESN (all ones)
    // and without (2^32 - 1 or beyond), kept wherever seq is written so the
    // exhaustion test is a bit, not a 64-bit compare (esp_sa_table for the
    // control path, esp_egress for packets). Inbound does not keep them.
    logic        seq_end_esn;
    logic        seq_end_32;
    // Outbound: the next number (seq + 1) is among the last 2^16 an SA with
    // ESN (its top 16 bits all ones) or without (bits 31:16 all ones) may
    // use, the wrap warning's test as a bit; kept like seq_end_*.
    logic        seq_warn_esn;
    logic        seq_warn_32;
  } sa_state_t;

  // Per-SA counters.
  typedef struct packed {
    logic [63:0]                packets;
    logic [63:0]                bytes;
    logic [SA_DROPS-1:0][63:0]  drops;
  } sa_counters_t;

  // What the SA table keeps per entry besides configuration and key, read and
  // written as one word by its read-modify-write pipeline (esp_sa_table).
  typedef struct packed {
    logic                enable;
    logic                acq_fired;   // outbound: an ACQUIRE went out for this missing SA
    logic [SA_GEN_W-1:0] gen;
    sa_state_t           st;
    sa_counters_t        cnt;
  } sa_dyn_t;

  // A control-path request to an SA table (esp_sa_table), a slot in its
  // pipeline. SA_OP_READ: answer with configuration, state and counters (never
  // the key). SA_OP_WRITE: set configuration, key and the first sequence
  // number, clear counters and flags, enable or (enable = 0) remove the entry.
  // SA_OP_UPDATE: change the configuration in place; set the sequence number if
  // set_seq (never below the current one: no sequence number is used twice),
  // re-arm the lifetime events if rearm. SA_OP_REARM_ACQ: a rule names the SA
  // again, so a missing SA may raise a new ACQUIRE.
  localparam logic [1:0] SA_OP_READ      = 2'd0;
  localparam logic [1:0] SA_OP_WRITE     = 2'd1;
  localparam logic [1:0] SA_OP_UPDATE    = 2'd2;
  localparam logic [1:0] SA_OP_REARM_ACQ = 2'd3;
  typedef struct packed {
    logic [1:0]  op;
    logic [15:0] index;
    logic        enable;
    sa_cfg_t     cfg;
    sa_key_t     key;
    logic [63:0] seq;
    logic        set_seq;
    logic        rearm;
  } sa_req_t;

  // -------------------------------------------------------------- SPD rule
  typedef struct packed {
    logic        any_fam;           // IPv4 and IPv6 both (prefixes /0)
    logic        vlan_en;           // match 802.1Q VID vlan only (0: untagged)
    logic [11:0] vlan;
    logic        v6;
    prefix_t     src;
    prefix_t     dst;
    logic [7:0]  proto;             // 0: any
    logic [15:0] sport_lo, sport_hi;
    logic [15:0] dport_lo, dport_hi;
    logic [1:0]  action;
    logic [15:0] sa;
  } spd_rule_t;

  // The classification key of a frame.
  typedef struct packed {
    logic              v6;
    logic [ADDR_W-1:0] src;
    logic [ADDR_W-1:0] dst;
    logic [7:0]        proto;
    logic [15:0]       sport;
    logic [15:0]       dport;
  } flow_key_t;

  // ------------------------------------------------------ SPD classifier
  // The key spd_classifier looks up (bit 0 = dst bit 0). IPv4 addresses sit
  // in the low 32 bits of src/dst. vlan is the 802.1Q VID (0: untagged);
  // frag marks OPAQUE ports (RFC 4301 section 7: a non-initial fragment, a
  // packet cut before its ports, a protocol without ports); ports are 0 then.
  typedef struct packed {
    logic              frag;
    logic              v6;
    logic [11:0]       vlan;
    logic [7:0]        proto;
    logic [15:0]       sport;
    logic [15:0]       dport;
    logic [ADDR_W-1:0] src;
    logic [ADDR_W-1:0] dst;
  } cls_key_t;
  localparam int CLS_KEY_W = 2 + 12 + 8 + 32 + 2 * ADDR_W;   // $bits(cls_key_t)

  // A classifier rule in the rule RAM. Prefixes are address and length:
  // an IPv4-only rule (fam 2'b01) counts its length from bit 31, otherwise
  // from bit 127; a rule matching both families has both lengths 0. Port
  // ranges are inclusive; a rule whose ranges are not both 0..65535 never
  // matches a non-initial fragment (RFC 4301 section 7: OPAQUE ports).
  typedef struct packed {
    logic [15:0]       index;       // priority position, reported on a match
    logic [1:0]        action;
    logic [15:0]       sa;
    logic [1:0]        fam;         // bit 0: IPv4 keys, bit 1: IPv6 keys
    logic [ADDR_W-1:0] src;
    logic [7:0]        src_len;
    logic [ADDR_W-1:0] dst;
    logic [7:0]        dst_len;
    logic [7:0]        proto;       // 0: any
    logic [15:0]       sport_lo, sport_hi;
    logic [15:0]       dport_lo, dport_hi;
    logic              vlan_any;
    logic [11:0]       vlan;
  } cls_rule_t;
  localparam int CLS_RULE_W = 16 + 2 + 16 + 2 + 2 * (ADDR_W + 8) + 8 + 64 + 1 + 12;

  // esp_egress: what execute needs to know about a frame (here, not in the
  // module: yosys 0.23 takes no package type inside a module's struct).
  typedef struct packed {
    logic                  drop_malformed;
    logic                  spd;          // IPv4 or IPv6, tagged or not: looked up (spd_key)
    logic                  vtag;         // 802.1Q tagged
    logic                  arp;          // ARP, tagged or not
    logic                  is_ip;
    logic                  v6;
    logic [15:0]           frame_len;
    logic [15:0]           ip_len;       // whole IP packet
    logic [7:0]            ip_hlen;      // IP header bytes (IPv4 with options, IPv6 40)
    logic [7:0]            tos;          // IPv4 TOS or IPv6 traffic class
    logic                  df;
    logic [HDR_BYTES*8-1:0] hdr;
    flow_key_t key;
  } eg_parsed_t;

  // ------------------------------------------------------------- helpers
  // Byte k of a captured header.
  function automatic logic [7:0] hbyte(input logic [HDR_BYTES*8-1:0] h, input int k);
    hbyte = h[8*k +: 8];
  endfunction

  // Big-endian 16-bit field at byte offset k.
  function automatic logic [15:0] hbe16(input logic [HDR_BYTES*8-1:0] h, input int k);
    hbe16 = {h[8*k +: 8], h[8*(k+1) +: 8]};
  endfunction

  // An SA lifetime limit: does count c plus a (a < 2^16) reach lim (lim != 0
  // checked by the caller)? With c = cH*2^16 + cL and lim = lH*2^16 + lL:
  // c + a - lim = (cH - lH)*2^16 + u, u = cL + a - lL in [-(2^16-1), 2^17-2],
  // so u = q*2^16 + r with 0 <= r < 2^16 and q in {-1, 0, 1}, and c + a >= lim
  // exactly when cH - lH + q >= 0. The comparison is over the full sum, not
  // modulo 2^64 (the counts would need 2^64 packets or bytes to differ).
  // The limit's high 48 bits less one are given (lhm1 = lH - 1,
  // 0 when lH is 0: written with the configuration), so each case of the
  // carry q is one compare of the high parts, a carry chain, and the carry
  // comes from the low 16 bits' carry-save sum in an 18-bit adder: q = -1:
  // cH > lH, q = 0: cH >= lH, q = 1: cH + 1 >= lH, i.e. cH >= lhm1.
  function automatic logic lt_reaches_hm1(input logic [63:0] c, input logic [15:0] a,
                                          input logic [63:0] lim, input logic [47:0] lhm1);
    logic [15:0] x, y, z, p, m;
    logic [1:0]  s;
    logic        gt, ge, ge1;
    x = c[15:0];
    y = a;
    z = ~lim[15:0];
    p = x ^ y ^ z;
    m = (x & y) | (x & z) | (y & z);
    // bits 17:16 of cL + a + ~lL + 1 = u + 2^16
    s = 2'(({2'b00, p} + {1'b0, m, 1'b1}) >> 16);
    gt  = c[63:16] > lim[63:16];
    ge  = c[63:16] >= lim[63:16];
    ge1 = c[63:16] >= lhm1;
    lt_reaches_hm1 = s[1] ? ge1 : s[0] ? ge : gt;
  endfunction

  // a + b for a 64-bit count, carry-select in halves: the low 32 bits' sum
  // picks the high half or its increment, so no carry chain is longer than
  // 33 bits (abc9 relaxes every other path of a block to the delay of its
  // longest chain, README "ingdepth 5").
  function automatic logic [63:0] add64(input logic [63:0] a, input logic [15:0] b);
    logic [32:0] lo;
    lo    = {1'b0, a[31:0]} + {17'd0, b};
    add64 = {lo[32] ? a[63:32] + 32'd1 : a[63:32], lo[31:0]};
  endfunction

  // sa_state_t's wrap warning flags {seq_warn_esn, seq_warn_32} for the
  // number s + n (n = 1 or 2, a constant): its top 16 bits (ESN) or bits
  // 31:16 all ones, from s without an adder: they are all ones after the
  // addition when they were and no carry comes from below, or were one less
  // and a carry comes (the bits below n all ones from bit n - 1 up).
  function automatic logic [1:0] seq_warn(input logic [63:0] s, input int n);
    logic lo48, lo16;
    lo48 = n == 2 ? &s[47:1] : &s[47:0];
    lo16 = n == 2 ? &s[15:1] : &s[15:0];
    seq_warn = {lo48 ? s[63:48] == 16'hFFFE : s[63:48] == 16'hFFFF,
                lo16 ? s[31:16] == 16'hFFFE : s[31:16] == 16'hFFFF};
  endfunction

  // Byte-swap for writing a number onto the wire (wire order: byte 0 first).
  function automatic logic [31:0] be32(input logic [31:0] v);
    be32 = {v[7:0], v[15:8], v[23:16], v[31:24]};
  endfunction

  function automatic logic [15:0] be16(input logic [15:0] v);
    be16 = {v[7:0], v[15:8]};
  endfunction

  // Internet checksum of a 20-byte IPv4 header held in wire order (the
  // checksum field itself must be zero). Returns the value in host order.
  function automatic logic [15:0] ipv4_checksum(input logic [159:0] h);
    logic [19:0] sum;
    sum = '0;
    for (int i = 0; i < 10; i++) begin
      sum = sum + {4'd0, h[16*i +: 8], h[16*i+8 +: 8]};
    end
    sum = {4'd0, sum[15:0]} + {16'd0, sum[19:16]};
    sum = {4'd0, sum[15:0]} + {16'd0, sum[19:16]};
    ipv4_checksum = ~sum[15:0];
  endfunction

  // Does an address fall in a prefix?
  // p is a prefix_t; taken as its bits because yosys 0.23 reads no struct
  // members inside a function.
  function automatic logic prefix_match(input logic [2*ADDR_W-1:0] p,
                                        input logic [ADDR_W-1:0] a);
    prefix_match = ((a ^ p[2*ADDR_W-1:ADDR_W]) & p[ADDR_W-1:0]) == '0;   // {addr, mask}
  endfunction

  // ESP trailer padding for a payload of n bytes: pad so that payload, pad
  // length and next header end on a 4-byte boundary (RFC 4303 2.4, RFC 4106 3).
  function automatic logic [1:0] esp_pad_len(input logic [15:0] n);
    esp_pad_len = 2'(-(n + 16'd2));
  endfunction

endpackage
