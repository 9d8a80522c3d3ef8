#!/bin/bash
# test_route_vlan.sh: the route-based VPN's data path (issue 13) through two
# `espnic-sim run` cards cabled wire to wire, without IKE: each site's tunnel
# interface is 802.1Q VLAN 10 of the card's host port, here its own TAP
# (`--host-vlan 10=vti10`: this kernel has no 8021q module for espnic0.10).
# Routes, not selectors, pick the tunnel: each card has one rule, "VLAN 10:
# PROTECT with SA 0", and an inbound SA that delivers tagged with VLAN 10.
# The LAN prefixes (198.19.1.0/24, 198.19.2.0/24) are routed into vti10 via
# the peer's tunnel address (198.18.10.1/30 and .2). Ping and TCP cross; the
# wire carries only ESP, which tshark decrypts to the LAN addresses. Needs root.
#
# usage: test_route_vlan.sh ESPNIC-SIM ESPNIC-CLI
set -euo pipefail

sim=$1 cli=$2
. "$(dirname "$0")/two_cards.sh"
two_cards_init rv
two_cards_start "$sim" "--host-vlan 10=vti10" "--host-vlan 10=vti10"

# ns dev mac outer lan vti peer_vti peer_mac remote_lan
setup_site() {
	ip netns exec "$1" ip link set "$2" mtu 1400 up
	ip netns exec "$1" ip addr add "$3" dev "$2"
	ip netns exec "$1" ip addr add "$4" dev lo
	ip netns exec "$1" ip link set vti10 address "$5" mtu 1400 up
	ip netns exec "$1" ip addr add "$6" dev vti10
	# The tunnel's far end, resolved statically: no ARP needs to cross.
	ip netns exec "$1" ip neigh add "$7" lladdr "$8" dev vti10 nud permanent
	ip netns exec "$1" ip route add "$9" via "$7" dev vti10 src "${4%/*}"
}
setup_site "$nsa" espa 198.18.0.1/24 198.19.1.1/32 02:00:00:00:10:0a 198.18.10.1/30 \
	198.18.10.2 02:00:00:00:10:0b 198.19.2.0/24
setup_site "$nsb" espb 198.18.0.2/24 198.19.2.1/32 02:00:00:00:10:0b 198.18.10.2/30 \
	198.18.10.1 02:00:00:00:10:0a 198.19.1.0/24

# Selectors 0.0.0.0/0 both ways (what a route-based session negotiates).
card a sa add --dir out --index 0 --spi 0x1001 --local 198.18.0.1 --remote 198.18.0.2 \
	--key-file "$tmp/ka" || fail "sa add"
card a sa add --dir in --spi 0x2002 --local 198.18.0.1 --remote 198.18.0.2 --vlan 10 \
	--key-file - <"$tmp/kb" || fail "sa add"
card a spd add --index 0 --vlan 10 --action protect --sa 0 || fail "spd add"
card b sa add --dir out --index 0 --spi 0x2002 --local 198.18.0.2 --remote 198.18.0.1 \
	--key-file "$tmp/kb" || fail "sa add"
card b sa add --dir in --spi 0x1001 --local 198.18.0.2 --remote 198.18.0.1 --vlan 10 \
	--key-file - <"$tmp/ka" || fail "sa add"
card b spd add --index 0 --vlan 10 --action protect --sa 0 || fail "spd add"

echo "== ping LAN A -> LAN B through the tunnel interfaces"
ip netns exec "$nsa" ping -c 3 -i 0.3 -W 10 -I 198.19.1.1 198.19.2.1 || fail "ping"
echo "== ping between the tunnel addresses (what BGP would use)"
ip netns exec "$nsb" ping -c 2 -i 0.3 -W 10 198.18.10.1 || fail "ping VTI"

echo "== TCP, 100 KB A -> B"
tcp_transfer 100 198.19.1.1

echo "== card state"
card a sa list | tee "$tmp/sa-a.txt"
grep -q "^0 *out 0x00001001" "$tmp/sa-a.txt" || fail "sa list"

echo "== the wire: only ESP, never a tag"
total=$(tshark -n -r "$tmp/wire.pcap" 2>/dev/null | wc -l)
other=$(tshark -n -r "$tmp/wire.pcap" -Y '!esp || vlan' 2>/dev/null | wc -l)
echo "$total frames on the wire, $other not ESP or tagged"
[ "$total" -gt 50 ] || fail "too few frames on the wire"
[ "$other" -eq 0 ] || fail "non-ESP or tagged frames on the wire"

echo "== the wire decrypted by tshark"
wire_decrypted 3 30

echo "== clean shutdown"
two_cards_stop
echo "PASS"
