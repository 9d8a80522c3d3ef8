#!/bin/sh
# depth_gate.sh: the per-block synthesis gate. Each block of the card is
# synthesized alone at a reduced table size (yosys synth_xilinx -family xcup
# -flatten -abc9 -noiopad), the blocks it instantiates that have a gate entry
# of their own kept as black boxes (their outputs start paths, their inputs
# end them: the whole-card run, datapath.sh core, sees paths across blocks).
# For each block it prints LUT, FF, LUTRAM, BRAM, URAM and the logic depth
# (fw/synth/lutpath.py: LUT levels register to register) and compares them
# with fw/synth/depth_budget.txt:
#   - a block whose budget is 6 fails when any path is deeper than 6 levels;
#   - a block still over 6 (budget above 6, marked OVER in the output) fails
#     when it gets deeper than its recorded figure: it may only improve;
#   - every block fails when it has more flip-flops than its FF budget (a
#     table that fell back to flip-flops) or when yosys maps a memory to
#     logic and flip-flops (MEMORY_MAP), or misreads the source (implicitly
#     declared wires, several drivers).
#
# Usage: fw/synth/depth_gate.sh [-j JOBS] [-o OUTDIR] [blocks...]
# Default: every block in the budget file. Exit 0 when every block is within
# its budget, 1 otherwise; the table goes to stdout. TIMEOUT (default 1200 s)
# bounds each yosys run.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SYNTH=$ROOT/fw/synth
BUDGET=${BUDGET:-$SYNTH/depth_budget.txt}
TIMEOUT=${TIMEOUT:-1200}
JOBS=1
OUT=
while [ $# -gt 0 ]; do
  case $1 in
    -j) JOBS=$2; shift 2 ;;
    -o) OUT=$2; shift 2 ;;
    *) break ;;
  esac
done
if [ -z "$OUT" ]; then
  OUT=$(mktemp -d "${TMPDIR:-/tmp}/depth_gate.XXXXXX")
  trap 'rm -rf "$OUT"' EXIT
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

expand() (  # a .f list, recursively ('-f' includes, '#' comments)
  dir=$(dirname "$1")
  sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1" | while read -r a b; do
    if [ "$a" = "-f" ]; then expand "$dir/$b"; else echo "$dir/$a"; fi
  done
)
# Paths relative to the tree, and yosys run from its top, so no clone's
# location is in the netlist's names.
FILES=$(cd "$ROOT" && expand rtl/espnic.f | tr '\n' ' ')
# yosys without address space randomization: some of its sets are ordered by
# pointer, so the same netlist reached abc9 in another order from run to run
# (ingress measured 9.00, 9.25 and 10.00 on one tree).
NORAND=
if setarch "$(uname -m)" -R true 2>/dev/null; then NORAND="setarch $(uname -m) -R"; fi

# block -> "top|chparam arguments|black boxes[|synth_xilinx options]" (reduced
# sizes: the depth of the logic does not grow with the table depth once the
# tables are RAM).
W=512
spec() {
  case $1 in
    ctrl)          echo "espnic_ctrl|-set DATA_W $W -set SA_N 64 -set SPD_N 64 -set MAX_FRAME 2048|aes_gcm_keyinit" ;;
    keyinit)       echo "aes_gcm_keyinit|-set DATA_W $W|" ;;
    sa_table_out)  echo "esp_sa_table|-set SA_N 64 -set EXT_W 1 -set EXT_WORDS 1|" ;;
    sa_table_in)   echo "esp_sa_table|-set SA_N 64 -set EXT_W 117 -set EXT_WORDS 32 -set DP_WB_C 1|" ;;
    classifier)    echo "spd_classifier|-set N 1024 -set L 8 -set D 8 -set NODE_AW 11 -set LEAF_AW 11|" ;;
    # the classifier at the card's largest SPD (issue 11: 16K rules), its large RAMs in URAM288
    # (as Vivado's ram_style "ultra" would place them); by hand, not in the ctest list
    classifier16k) echo "spd_classifier|-set N 16384 -set L 8 -set D 8 -set NODE_AW 15 -set LEAF_AW 15||-uram" ;;
    spd_key)       echo "spd_key||" ;;
    mss_find)      echo "esp_mss_find||" ;;
    mss_clamp)     echo "esp_mss_clamp|-set DATA_W $W|" ;;
    egress)        echo "esp_egress|-set DATA_W $W -set SA_N 64 -set SPD_N 64 -set MAX_FRAME 2048|aes_gcm_stream esp_sa_table spd_classifier spd_key axis_rehead frame_capture esp_mss_find esp_mss_clamp" ;;
    ingress)       echo "esp_ingress|-set DATA_W $W -set SA_N 64 -set SPD_N 64 -set MAX_FRAME 2048|aes_gcm_stream esp_sa_table axis_rehead frame_capture esp_inbound_check pkt_commit_fifo spd_classifier spd_key esp_mss_find esp_mss_clamp" ;;
    inbound_check) echo "esp_inbound_check|-set DATA_W $W|" ;;
    wire_rx_buffer) echo "wire_rx_buffer|-set DATA_W $W -set MAX_FRAME 2048|" ;;
    host_rx_steer) echo "host_rx_steer|-set DATA_W $W|" ;;
    ingress_merge) echo "ingress_merge|-set DATA_W $W|" ;;
    frame_capture) echo "frame_capture|-set DATA_W $W -set MAX_FRAME 2048|" ;;
    rehead)        echo "axis_rehead|-set DATA_W $W -set HDR_MAX 64 -set TAIL_MAX 8|" ;;
    commit_fifo)   echo "pkt_commit_fifo|-set DATA_W $W -set DEPTH_BEATS 64 -set META_W 16|" ;;
    gcm_stream)    echo "aes_gcm_stream|-set DATA_W $W|aes_gcm_aes_round aes_gcm_aes_fork aes_gcm_aes_final aes_gcm_ghash" ;;
    aes_round)     echo "aes_gcm_aes_round|-set L 4 -set ROUND 5|" ;;
    aes_fork)      echo "aes_gcm_aes_fork|-set L 4|" ;;
    aes_final)     echo "aes_gcm_aes_final|-set L 4|" ;;
    ghash)         echo "aes_gcm_ghash|-set L 4|" ;;
    sha1_core)     echo "sha_core|-set ALG 0 -set U 1|" ;;
    sha256_core)   echo "sha_core|-set ALG 1 -set U 1|" ;;
    sha512_core)   echo "sha_core|-set ALG 2 -set U 1|" ;;
    sha256_core_u8) echo "sha_core|-set ALG 1 -set U 8|" ;;
    sha1_hmac)     echo "sha_hmac|-set ALG 0 -set U 1|sha_core" ;;
    sha256_hmac)   echo "sha_hmac|-set ALG 1 -set U 1|sha_core" ;;
    sha512_hmac)   echo "sha_hmac|-set ALG 2 -set U 1|sha_core" ;;
    cbc_enc)       echo "aes_cbc_enc||" ;;
    cbc_dec)       echo "aes_cbc_dec||" ;;
    cbc_hmac_dec)  echo "cbc_hmac_decrypt|-set DATA_W $W|sha_hmac aes_cbc_dec" ;;
    # the encrypt-then-MAC stream around its engines (gated above as cbc_enc, sha*_hmac)
    cbc_hmac_enc)  echo "cbc_hmac_encrypt|-set DATA_W $W|aes_cbc_enc sha_hmac" ;;
    drbg)          echo "aes_ctr_drbg||" ;;
    core)          echo "espnic_core|-set DATA_W $W -set SA_N 64 -set SPD_N 64 -set MAX_FRAME 2048|espnic_ctrl esp_egress esp_ingress wire_rx_buffer host_rx_steer ingress_merge" ;;
    *) return 1 ;;
  esac
}

sum() { awk -v re="$1" '$0 ~ re {s+=$2} END{print s+0}' "$2"; }

# run BLOCK: synthesize it, write OUT/BLOCK.result as
#   "depth luts ffs lutram bram uram problems"
run() {
  b=$1
  s=$(spec "$b") || { echo "unknown block $b" >&2; echo "0 0 0 0 0 0 unknown-block" > "$OUT/$b.result"; return; }
  top=${s%%|*}; rest=${s#*|}; params=${rest%%|*}; rest=${rest#*|}; boxes=${rest%%|*}
  opts=; case $rest in *"|"*) opts=${rest#*|} ;; esac
  bb=; [ -z "$boxes" ] || bb="blackbox $boxes;"
  cp=; [ -z "$params" ] || cp="chparam $params $top;"
  # The black boxes keep their ports (the widths their parameters give).
  if ! cd "$ROOT" || ! timeout "$TIMEOUT" $NORAND yosys -q -l "$OUT/$b.log" -p "read_verilog -sv $FILES; \
      $cp $bb \
      synth_xilinx -family xcup -top $top -flatten -abc9 -noiopad $opts; \
      tee -q -o $OUT/$b.stat stat; write_json $OUT/$b.json" >/dev/null 2>&1; then
    echo "0 0 0 0 0 0 yosys-failed-or-timed-out" > "$OUT/$b.result"
    return
  fi
  st=$OUT/$b.stat
  depth=$(python3 "$SYNTH/lutpath.py" --summary "$OUT/$b.json" | sed -n 's/^max_depth=//p')
  python3 "$SYNTH/lutpath.py" "$OUT/$b.json" 3 > "$OUT/$b.paths"
  problems=
  # a memory yosys could not map to RAM became logic and flip-flops (ROMs,
  # the S-boxes, are logic by design)
  if awk '/Executing MEMORY_MAP pass/{m=1} m && /Mapping memory/ && !/proc_rom/{f=1} END{exit !f}' "$OUT/$b.log"; then
    problems="${problems}memory-in-flip-flops,"
  fi
  if grep -q -e 'implicitly declared' -e 'multiple conflicting drivers' -e 'is used but has no driver' "$OUT/$b.log"; then
    problems="${problems}misread,"
  fi
  echo "$depth $(sum ' LUT[1-6] ' "$st") $(sum ' FD[A-Z]+ ' "$st") \
$(sum ' RAM(32|64|128|256|512)[A-Z0-9]+ ' "$st") $(sum ' RAMB(18|36)[A-Z0-9]* ' "$st") \
$(sum ' URAM288 ' "$st") ${problems:-ok}" > "$OUT/$b.result"
}

blocks=${*:-$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$BUDGET" | awk '{print $1}')}

# JOBS workers take the blocks in order, each the next one nobody has claimed
# (mkdir is atomic): list the slow blocks first.
worker() {
  for b in $blocks; do
    if mkdir "$OUT/$b.claim" 2>/dev/null; then run "$b"; fi
  done
}
rm -rf "$OUT"/*.claim
i=0
while [ $i -lt "$JOBS" ]; do
  worker &
  i=$((i + 1))
done
wait

echo "# depth_gate.sh $(date -u +%Y-%m-%d) yosys $(yosys -V | awk '{print $2}') DATA_W=$W (budget: $(basename "$BUDGET"))"
printf '%-14s %-18s %6s %6s %7s %7s %5s %4s  %-6s %s\n' block top depth budget LUT FF LUTRAM BRAM URAM verdict
fail=0
for b in $blocks; do
  read -r depth luts ffs lutram bram uram problems < "$OUT/$b.result"
  line=$(awk -v b="$b" '$1 == b {print $2, $3}' "$BUDGET")
  dmax=${line% *}; fmax=${line#* }
  [ -n "$line" ] || { dmax=6; fmax=0; }
  verdict=ok
  if [ "$problems" != ok ]; then verdict="FAIL ($problems)"
  elif awk -v d="$depth" -v m="$dmax" 'BEGIN{exit !(d > m)}'; then verdict="FAIL (deeper than budget)"
  elif [ "$fmax" -gt 0 ] && [ "$ffs" -gt "$fmax" ]; then verdict="FAIL (FF over $fmax)"
  elif awk -v d="$depth" 'BEGIN{exit !(d > 6)}'; then verdict="OVER 6 (pending)"
  fi
  case $verdict in FAIL*) fail=1 ;; esac
  printf '%-14s %-18s %6s %6s %7s %7s %5s %4s  %-6s %s\n' "$b" "$(spec "$b" | cut -d'|' -f1)" \
    "$depth" "$dmax" "$luts" "$ffs" "$lutram" "$bram" "$uram" "$verdict"
  case $verdict in ok) ;; *) sed 's/^/               /' "$OUT/$b.paths" 2>/dev/null || true ;; esac
done
exit $fail
