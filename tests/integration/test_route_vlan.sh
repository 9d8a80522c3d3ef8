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
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for network namespaces (not from scripts/setup.sh)"; exit 77; }
for tp in ip:iproute2 tshark:tshark python3:python3 ping:iputils-ping; do
	command -v "${tp%%:*}" >/dev/null ||
		{ echo "FAIL: ${tp%%:*} missing: install the package ${tp#*:} (scripts/setup.sh does)"; exit 1; }
done

tag=$$
nsa=espnic-rv-a-$tag nsb=espnic-rv-b-$tag
tmp=$(mktemp -d /tmp/espnic-rv-XXXXXX)
export ESPNIC_RUN_DIR=$tmp
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	ip netns del "$nsa" 2>/dev/null || true
	ip netns del "$nsb" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$tmp"/*.log; do echo "== $f"; cat "$f"; done; exit 1; }

for ns in $nsa $nsb; do
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" ip link set lo up
done

ip netns exec "$nsa" "$sim" run --name a --host tap:espa --host-vlan 10=vti10 --wire card:b \
	--wire-capture "$tmp/wire.pcap" >"$tmp/card-a.log" 2>&1 &
pids+=($!)
ip netns exec "$nsb" "$sim" run --name b --host tap:espb --host-vlan 10=vti10 --wire card:a \
	>"$tmp/card-b.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do
	[ -S "$tmp/a.sock" ] && [ -S "$tmp/b.sock" ] && break
	sleep 0.1
done
[ -S "$tmp/a.sock" ] && [ -S "$tmp/b.sock" ] || fail "cards did not start"

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

ka=000102030405060708090a0b0c0d0e0fcafebabe
kb=101112131415161718191a1b1c1d1e1fdeadbeef
umask 077
echo "$ka" >"$tmp/ka"
echo "$kb" >"$tmp/kb"

card() { local dev=$1; shift; "$cli" card -d "sim:$tmp/$dev.sock" "$@"; }
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
cat >"$tmp/tcp.py" <<'EOF'
import hashlib, socket, sys
mode, n = sys.argv[1], 100 * 1024
data = bytes((i * 7) & 0xff for i in range(n))
if mode == "server":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.19.2.1", 5001)); s.listen(1); s.settimeout(120)
    print("listening", flush=True)
    c, _ = s.accept(); c.settimeout(120); got = b""
    while True:
        b = c.recv(65536)
        if not b: break
        got += b
    print(len(got), hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest())
else:
    c = socket.create_connection(("198.19.2.1", 5001), timeout=120,
                                 source_address=("198.19.1.1", 0))
    c.sendall(data); c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
EOF
ip netns exec "$nsb" timeout 150 python3 "$tmp/tcp.py" server >"$tmp/tcp-server.out" 2>&1 &
server=$!
pids+=($server)
for _ in $(seq 600); do
	grep -q "^listening$" "$tmp/tcp-server.out" && break
	kill -0 "$server" 2>/dev/null || fail "tcp server: $(cat "$tmp/tcp-server.out")"
	sleep 0.1
done
grep -q "^listening$" "$tmp/tcp-server.out" || fail "tcp server did not listen"
ip netns exec "$nsa" timeout 150 python3 "$tmp/tcp.py" client || fail "tcp client"
wait "$server" || true
grep -q "^102400 True$" "$tmp/tcp-server.out" || fail "tcp: $(cat "$tmp/tcp-server.out")"

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
sa() { echo "\"IPv4\",\"$1\",\"$2\",\"$3\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$4\",\"NULL\",\"\""; }
dec=(-o esp.enable_encryption_decode:TRUE
	-o "uat:esp_sa:$(sa 198.18.0.1 198.18.0.2 0x00001001 $ka)"
	-o "uat:esp_sa:$(sa 198.18.0.2 198.18.0.1 0x00002002 $kb)")
icmp=$(tshark -n -r "$tmp/wire.pcap" "${dec[@]}" -Y 'icmp && ip.src == 198.19.1.1' 2>/dev/null | wc -l)
tcp=$(tshark -n -r "$tmp/wire.pcap" "${dec[@]}" -Y 'tcp.dstport == 5001 && tcp.len > 0' 2>/dev/null | wc -l)
echo "decrypted: $icmp ICMP requests, $tcp TCP data segments"
[ "$icmp" -ge 3 ] || fail "tshark did not decrypt the pings"
[ "$tcp" -ge 30 ] || fail "tshark did not decrypt the TCP transfer"

echo "== clean shutdown"
kill "${pids[0]}" "${pids[1]}"
wait "${pids[0]}" "${pids[1]}" || fail "cards did not exit cleanly"
pids=("$server")
echo "PASS"
