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
# Root is not something scripts/setup.sh gives: a skip. The programs are what it installs:
# one missing is a failure naming its package.
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for network namespaces (not from scripts/setup.sh)"; exit 77; }
for tp in ip:iproute2 tshark:tshark python3:python3 ping:iputils-ping; do
	command -v "${tp%%:*}" >/dev/null ||
		{ echo "FAIL: ${tp%%:*} missing: install the package ${tp#*:} (scripts/setup.sh does)"; exit 1; }
done

tag=$$
nsa=espnic-it-a-$tag nsb=espnic-it-b-$tag
tmp=$(mktemp -d /tmp/espnic-it-XXXXXX)
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

# The cards: host port a TAP in the namespace, wires cabled to each other.
ip netns exec "$nsa" "$sim" run --name a --host tap:espa --wire card:b \
	--wire-capture "$tmp/wire.pcap" >"$tmp/card-a.log" 2>&1 &
pids+=($!)
ip netns exec "$nsb" "$sim" run --name b --host tap:espb --wire card:a \
	>"$tmp/card-b.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
	[ -S "$tmp/a.sock" ] && [ -S "$tmp/b.sock" ] && break
	sleep 0.1
done
[ -S "$tmp/a.sock" ] && [ -S "$tmp/b.sock" ] || fail "cards did not start"

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

# Keys (key + 4-byte salt), in files only.
ka=000102030405060708090a0b0c0d0e0fcafebabe
kb=101112131415161718191a1b1c1d1e1fdeadbeef
umask 077
echo "$ka" >"$tmp/ka"
echo "$kb" >"$tmp/kb"

card() { local dev=$1; shift; "$cli" card -d "sim:$tmp/$dev.sock" "$@"; }
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
cat >"$tmp/tcp.py" <<'EOF'
import hashlib, socket, sys
mode, n = sys.argv[1], 300 * 1024
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
    c = socket.create_connection(("198.19.2.1", 5001), timeout=120)
    c.sendall(data); c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
EOF
ip netns exec "$nsb" timeout 150 python3 "$tmp/tcp.py" server >"$tmp/tcp-server.out" 2>&1 &
server=$!
pids+=($server)
# The client starts once the server listens (it says so), not after a guessed delay.
for _ in $(seq 600); do
	grep -q "^listening$" "$tmp/tcp-server.out" && break
	kill -0 "$server" 2>/dev/null || fail "tcp server: $(cat "$tmp/tcp-server.out")"
	sleep 0.1
done
grep -q "^listening$" "$tmp/tcp-server.out" || fail "tcp server did not listen"
ip netns exec "$nsa" timeout 150 python3 "$tmp/tcp.py" client || fail "tcp client"
wait "$server" || true
grep -q "^307200 True$" "$tmp/tcp-server.out" || fail "tcp: $(cat "$tmp/tcp-server.out")"

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
sa() { echo "\"IPv4\",\"$1\",\"$2\",\"$3\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$4\",\"NULL\",\"\""; }
dec=(-o esp.enable_encryption_decode:TRUE
	-o "uat:esp_sa:$(sa 198.18.0.1 198.18.0.2 0x00001001 $ka)"
	-o "uat:esp_sa:$(sa 198.18.0.2 198.18.0.1 0x00002002 $kb)")
icmp=$(tshark -n -r "$tmp/wire.pcap" "${dec[@]}" -Y 'icmp && ip.src == 198.19.1.1' 2>/dev/null | wc -l)
tcp=$(tshark -n -r "$tmp/wire.pcap" "${dec[@]}" -Y 'tcp.dstport == 5001 && tcp.len > 0' 2>/dev/null | wc -l)
echo "decrypted: $icmp ICMP requests, $tcp TCP data segments"
[ "$icmp" -ge 3 ] || fail "tshark did not decrypt the pings"
[ "$tcp" -ge 100 ] || fail "tshark did not decrypt the TCP transfer"

echo "== clean shutdown"
kill "${pids[0]}" "${pids[1]}"
wait "${pids[0]}" "${pids[1]}" || fail "cards did not exit cleanly"
[ ! -e "$tmp/a.sock" ] && [ ! -e "$tmp/b.sock" ] || fail "sockets left behind"
pids=("$server")
echo "PASS ($encap)"
