#!/bin/sh
# datapath.sh: resources and logic depth of the card's data path (rtl/espnic.f)
# after yosys synth_xilinx -family xcup -flatten -abc9 -noiopad, with depth
# from fw/synth/lutpath.py --summary (LUT levels, register/port to register) and
# the deepest paths named by fw/synth/lutpath.py. Slow: run by hand (see
# fw/synth/README.md), never from a test.
#
# Usage: fw/synth/datapath.sh [-w DATA_W] [parts...]
#   ctrl     espnic_ctrl (registers, rings, command engine, aes_gcm_keyinit)
#   cls      spd_classifier: CLS_N rule slots (1024), CLS_L per leaf (8),
#            CLS_D levels (8), 2^CLS_AW nodes per level and leaves (log2 CLS_N)
#   crypto   aes_gcm_stream (one direction's AES-GCM core)
#   egress   esp_egress (with its SPD classifier, SPD_N rule slots, and crypto core)
#   ingress  esp_ingress (with its crypto core)
#   core     espnic_core, everything (slow: two crypto cores)
# Default parts: ctrl egress ingress crypto.
#
# Table sizes come from the environment, default a reduced build:
#   SA_N (16), SPD_N (32), MAX_FRAME (2048).
# The card's full size is SA_N=1024 per direction and SPD_N=1024. The SA tables
# are read combinationally from several ports (data path, control read-back),
# so they cannot map to BRAM/URAM, which read through a register; see
# README.md for what was measured and how it scales. Each yosys run is
# bounded by TIMEOUT seconds (default 3600).
#
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LUTPATH=$ROOT/fw/synth/lutpath.py
W=128
if [ "${1:-}" = "-w" ]; then W=$2; shift 2; fi
SA_N=${SA_N:-16}
SPD_N=${SPD_N:-32}
MAX_FRAME=${MAX_FRAME:-2048}
TIMEOUT=${TIMEOUT:-3600}

expand() (  # a .f list, recursively ('-f' includes, '#' comments)
  dir=$(dirname "$1")
  sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1" | while read -r a b; do
    if [ "$a" = "-f" ]; then expand "$dir/$b"; else echo "$dir/$a"; fi
  done
)
# As depth_gate.sh: relative paths, yosys run from the top of the tree and
# without address space randomization (its pointer-ordered sets otherwise
# change abc9's input order, and the figures, from run to run).
FILES=$(cd "$ROOT" && expand rtl/espnic.f | tr '\n' ' ')
NORAND=
if setarch "$(uname -m)" -R true 2>/dev/null; then NORAND="setarch $(uname -m) -R"; fi
OUT=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/datapath.XXXXXX")}
[ -n "${KEEP:-}" ] || trap 'rm -rf "$OUT"' EXIT
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

sum() { awk -v re="$1" '$0 ~ re {s+=$2} END{print s+0}' "$2"; }

measure() {  # name top "chparam args"
  name=$1 top=$2 params=$3
  t0=$(date +%s)
  if ! cd "$ROOT" || ! timeout "$TIMEOUT" nice -n 10 $NORAND yosys -q -l "$OUT/$name.log" -p "read_verilog -sv $FILES; \
      chparam $params $top; \
      synth_xilinx -family xcup -top $top -flatten -abc9 -noiopad; \
      tee -q -o $OUT/$name.stat stat; write_json $OUT/$name.json" >/dev/null 2>&1; then
    echo "$name: yosys failed or timed out after ${TIMEOUT}s (log: $OUT/$name.log)"
    return 0
  fi
  t1=$(date +%s)
  s=$OUT/$name.stat
  # Warnings that mean a misread (implicitly declared wires, several drivers
  # of one signal, ...): counted per message, signal bit indices folded.
  # Not listed: the abc9/xcup timing note and "Resizing cell port" of BRAM
  # address pins (RAMB18E2 takes 14 address bits; benign).
  warns=$(grep '^Warning:' "$OUT/$name.log" | grep -v -e "abc9' not currently supported" -e 'Resizing cell port' |
    sed -E -e 's/\$paramod\$[0-9a-f]+\\//g' -e 's/ \[[0-9]+\]//' | sort | uniq -c | sort -rn)
  luts=$(sum ' LUT[1-6] ' "$s")
  ffs=$(sum ' FD[A-Z]+ ' "$s")
  lutram=$(sum ' RAM(32|64|128|256|512)[A-Z0-9]+ ' "$s")
  srl=$(sum ' SRL[A-Z0-9]+ ' "$s")
  bram=$(sum ' RAMB(18|36)[A-Z0-9]* ' "$s")
  uram=$(sum ' URAM288 ' "$s")
  carry=$(sum ' CARRY[48] ' "$s")
  muxf=$(sum ' MUXF[789] ' "$s")
  dsp=$(sum ' DSP48E2 ' "$s")
  depth=$(python3 "$LUTPATH" --summary "$OUT/$name.json" | sed -n 's/^max_depth=//p')
  paths=$(python3 "$LUTPATH" "$OUT/$name.json" 4)
  printf '%-8s W=%-3s LUT %7s  FF %7s  LUTRAM %5s  SRL %4s  BRAM %4s  URAM %3s  CARRY8 %5s  MUXF %5s  DSP %3s  depth %5s  (%ss)\n' \
    "$name" "$W" "$luts" "$ffs" "$lutram" "$srl" "$bram" "$uram" "$carry" "$muxf" "$dsp" "$depth" "$((t1 - t0))"
  echo "$paths"
  if [ -n "$warns" ]; then
    echo "  WARNINGS ($(echo "$warns" | wc -l) distinct, check before trusting the figures):"
    echo "$warns" | head -8 | sed 's/^/   /'
  fi
  rams=$(grep -E '^ +(RAMB|URAM|RAM[0-9])' "$s" | awk '{printf "%s %s, ", $1, $2}')
  [ -z "$rams" ] || echo "  RAM cells: $rams"
}

echo "# datapath.sh $(date -u +%Y-%m-%d) yosys $(yosys -V | awk '{print $2}') DATA_W=$W SA_N=$SA_N SPD_N=$SPD_N MAX_FRAME=$MAX_FRAME"
parts=${*:-ctrl egress ingress crypto}
for p in $parts; do
  case $p in
    ctrl)    measure ctrl    espnic_ctrl    "-set DATA_W $W -set SA_N $SA_N -set SPD_N $SPD_N -set MAX_FRAME $MAX_FRAME" ;;
    cls)     n=${CLS_N:-1024}; aw=${CLS_AW:-$(awk -v n="$n" 'BEGIN{a=0; while (2^a < n) a++; print a}')}
             measure cls_$n  spd_classifier "-set N $n -set L ${CLS_L:-8} -set D ${CLS_D:-8} -set NODE_AW $aw -set LEAF_AW $aw" ;;
    crypto)  measure crypto  aes_gcm_stream "-set DATA_W $W" ;;
    egress)  measure egress  esp_egress     "-set DATA_W $W -set SA_N $SA_N -set SPD_N $SPD_N -set MAX_FRAME $MAX_FRAME" ;;
    ingress) measure ingress esp_ingress    "-set DATA_W $W -set SA_N $SA_N -set MAX_FRAME $MAX_FRAME" ;;
    core)    measure core    espnic_core    "-set DATA_W $W -set SA_N $SA_N -set SPD_N $SPD_N -set MAX_FRAME $MAX_FRAME" ;;
    *) echo "unknown part $p" >&2; exit 2 ;;
  esac
done
