#!/bin/bash
# test_netns_tunnel.sh: two `espnic-sim run` cards cabled wire to wire, each with
# its host port a TAP device in its own network namespace (A: 198.19.1.1/24,
# B: 198.19.2.1/24). SAs (AES-GCM, tunnel mode, outer 198.18.0.1/.2) and
# SPD rules are installed with `espnic card`; ping and a TCP transfer cross
# the tunnel; card A's wire capture holds only ESP, and tshark decrypts it
# with the keys. Needs root.
#
# usage: test_netns_tunnel.sh ESPNIC-SIM ESPNIC-CLI none|udp
set -euo pipefail

sim=$1 cli=$2 encap=$3
. "$(dirname "$0")/two_cards.sh"
two_cards_init it
two_cards_start "$sim" "" ""

# Hosts: the next hop is the other side's TAP (the card keeps the host's
# Ethernet header), resolved statically.
setup_host() { # ns dev mac addr net peer_mac
	ip netns exec "$1" ip link set "$2" address "$3" mtu 1400 up
	ip netns exec "$1" ip addr add "$4" dev "$2"
	ip netns exec "$1" ip neigh add "${4%.*}.254" lladdr "$6" dev "$2" nud permanent
	ip netns exec "$1" ip route add "$5" via "${4%.*}.254" dev "$2"
}
setup_host "$nsa" espa 02:00:00:00:00:0a 198.19.1.1/24 198.19.2.0/24 02:00:00:00:00:0b
setup_host "$nsb" espb 02:00:00:00:00:0b 198.19.2.1/24 198.19.1.0/24 02:00:00:00:00:0a

enc=(--encap "$encap")
card a sa add --dir out --index 0 --spi 0x1001 --local 198.18.0.1 --remote 198.18.0.2 \
	"${enc[@]}" --alg aes-gcm-128 --key-file "$tmp/ka" || fail "sa add"
card a sa add --dir in --spi 0x2002 --local 198.18.0.1 --remote 198.18.0.2 "${enc[@]}" \
	--sel-src 198.19.2.0/24 --sel-dst 198.19.1.0/24 --key-file - <"$tmp/kb" || fail "sa add"
card a spd add --index 0 --src 198.19.1.0/24 --dst 198.19.2.0/24 --action protect --sa 0 ||
	fail "spd add"
card b sa add --dir out --index 0 --spi 0x2002 --local 198.18.0.2 --remote 198.18.0.1 \
	"${enc[@]}" --alg aes-gcm-128 --key-file "$tmp/kb" || fail "sa add"
card b sa add --dir in --spi 0x1001 --local 198.18.0.2 --remote 198.18.0.1 "${enc[@]}" \
	--sel-src 198.19.1.0/24 --sel-dst 198.19.2.0/24 --key-file - <"$tmp/ka" || fail "sa add"
card b spd add --index 0 --src 198.19.2.0/24 --dst 198.19.1.0/24 --action protect --sa 0 ||
	fail "spd add"

echo "== ping A -> B through the tunnel"
ip netns exec "$nsa" ping -c 3 -i 0.3 -W 10 198.19.2.1 || fail "ping"

echo "== TCP, 300 KB A -> B"
tcp_transfer 300 ""

echo "== card state"
card a sa list | tee "$tmp/sa-a.txt"
card b counters
if grep -qi -e "$ka" -e "$kb" -e cafebabe -e deadbeef "$tmp/sa-a.txt"; then fail "keys listed"; fi
grep -q "^0 *out 0x00001001" "$tmp/sa-a.txt" || fail "sa list"

echo "== the wire: only ESP"
total=$(tshark -n -r "$tmp/wire.pcap" 2>/dev/null | wc -l)
other=$(tshark -n -r "$tmp/wire.pcap" -Y '!esp' 2>/dev/null | wc -l)
echo "$total frames on the wire, $other not ESP"
[ "$total" -gt 100 ] || fail "too few frames on the wire"
[ "$other" -eq 0 ] || fail "non-ESP frames on the wire"
if [ "$encap" = udp ]; then
	udp=$(tshark -n -r "$tmp/wire.pcap" -Y 'udp.port == 4500' 2>/dev/null | wc -l)
	[ "$udp" -eq "$total" ] || fail "ESP not in UDP 4500"
fi

echo "== the wire decrypted by tshark"
wire_decrypted 3 100

echo "== clean shutdown"
two_cards_stop
[ ! -e "$tmp/a.sock" ] && [ ! -e "$tmp/b.sock" ] || fail "sockets left behind"
echo "PASS ($encap)"
