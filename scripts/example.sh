#!/bin/sh
# The README's further example (the main job is demo.sh): site A's LAN traffic
# goes through a simulated card's egress (SPD: protect, bypass, discard), the
# ESP it puts on the wire is shown decrypted by tshark with the SA keys, and a
# second card (site B) decrypts it back through its ingress.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ESPNIC_BUILD:-$top/build}
ex=$top/examples/pcap
out=$build/example
# ESPNIC_SKIP_BUILD=1: use the build as it is (the test of this script).
[ -n "${ESPNIC_SKIP_BUILD:-}" ] || "$top/scripts/build.sh"
mkdir -p "$out"
sim=$build/sim/espnic-sim

echo "== site A egress: $ex/lan-traffic.pcap -> $out/wire.pcap"
"$sim" pcap --sa "$ex/site-a.json" --spd "$ex/spd.json" --direction egress \
	--in "$ex/lan-traffic.pcap" --out "$out/wire.pcap"

echo
echo "== the wire, decrypted by tshark with site A's keys (also in $out/wire-decrypted.txt)"
command -v tshark >/dev/null ||
	{ echo "example.sh: tshark missing: install the package tshark (scripts/setup.sh does)" >&2; exit 1; }
tshark -n -r "$out/wire.pcap" -o esp.enable_encryption_decode:TRUE \
	-o "uat:esp_sa:\"IPv4\",\"198.18.0.1\",\"198.18.0.2\",\"0x00010000\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x000102030405060708090a0b0c0d0e0fcafebabe\",\"NULL\",\"\"" \
	-o "uat:esp_sa:\"IPv4\",\"198.18.0.1\",\"198.18.0.3\",\"0x00010001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2fdeadbeef\",\"NULL\",\"\"" \
	-T fields -E header=y -E separator=/t -e frame.number -e esp.spi -e ip.src -e ip.dst \
	-e _ws.col.Protocol -e _ws.col.Info >"$out/wire-decrypted.txt"
cat "$out/wire-decrypted.txt"

echo
echo "== site B ingress: $out/wire.pcap -> $out/lan-b.pcap"
"$sim" pcap --sa "$ex/site-b.json" --direction ingress --in "$out/wire.pcap" \
	--out "$out/lan-b.pcap"
