#!/bin/sh
# crypto_depth.sh: resources and logic depth of the AES-GCM core (rtl/crypto)
# after yosys synth_xilinx -family xcup -flatten -abc9 -noiopad, with depth
# from fw/synth/lutpath.py --summary (LUT levels, register/port to register).
#
# Usage: fw/synth/crypto_depth.sh [parts...]
#   round    one AES stage (round 5, 4 lanes, with the key schedule stage)
#   round13  round 13 (4 lanes, last key stage)
#   fork     round 10 with the AES-128 final-round output (4 lanes)
#   final    the round-14 stage (4 lanes)
#   ghash    the GHASH + tag pipeline for 4 lanes (DATA_W = 512)
#   keyinit  aes_gcm_keyinit (DATA_W = 512)
#   stream   the whole aes_gcm_stream at DATA_W = 512 (slow: tens of minutes)
# Default: round round13 fork final ghash keyinit.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RTL=$ROOT/rtl/crypto
LUTPATH=$ROOT/fw/synth/lutpath.py
FILES=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e "s#^#$RTL/#" "$RTL/crypto.f" | tr '\n' ' ')
OUT=$(mktemp -d "${TMPDIR:-/tmp}/crypto_depth.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

measure() {  # name top "chparam args"
  name=$1 top=$2 params=$3
  yosys -q -l "$OUT/$name.log" -p "read_verilog -sv $FILES; chparam $params $top; \
    synth_xilinx -family xcup -top $top -flatten -abc9 -noiopad; \
    tee -q -o $OUT/$name.stat stat; write_json $OUT/$name.json" >/dev/null
  luts=$(awk '/ LUT[1-6] /{s+=$2} END{print s+0}' "$OUT/$name.stat")
  ffs=$(awk '/ FD[A-Z]+ /{s+=$2} END{print s+0}' "$OUT/$name.stat")
  srls=$(awk '/ SRL[A-Z0-9]+ /{s+=$2} END{print s+0}' "$OUT/$name.stat")
  muxf=$(awk '/ MUXF[78] /{s+=$2} END{print s+0}' "$OUT/$name.stat")
  depth=$(python3 "$LUTPATH" --summary "$OUT/$name.json")
  printf '%-8s %-18s LUT %7s  FF %7s  SRL %6s  MUXF %6s  %s\n' "$name" "$top" "$luts" "$ffs" \
    "$srls" "$muxf" "$(echo "$depth" | sed -n 's/^max_depth=/depth /p')"
  echo "         endpoints per depth: $(echo "$depth" | sed -n 's/^depth *//p' | head -4 | tr '\n' ';')"
}

parts=${*:-round round13 fork final ghash keyinit}
for p in $parts; do
  case $p in
    round)   measure round   aes_gcm_aes_round "-set L 4 -set ROUND 5" ;;
    round13) measure round13 aes_gcm_aes_round "-set L 4 -set ROUND 13" ;;
    fork)    measure fork    aes_gcm_aes_fork  "-set L 4" ;;
    final)   measure final   aes_gcm_aes_final "-set L 4" ;;
    ghash)   measure ghash   aes_gcm_ghash     "-set L 4" ;;
    keyinit) measure keyinit aes_gcm_keyinit   "-set DATA_W 512" ;;
    stream)  measure stream  aes_gcm_stream    "-set DATA_W 512" ;;
    *) echo "unknown part $p" >&2; exit 2 ;;
  esac
done
