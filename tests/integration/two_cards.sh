# two_cards.sh: what the two-card namespace tests share (sourced, not run): two
# `espnic-sim run` cards cabled wire to wire, each in its own network
# namespace, their keys in files, a TCP transfer checked end to end, and the
# wire's ESP decrypted by tshark with those keys.
#
# two_cards_init NAME: needs root and the tools; makes the namespaces
# ($nsa, $nsb), the run directory ($tmp) and the cleanup that ends every
# process in $pids.

two_cards_init() {
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for network namespaces (not from scripts/setup.sh)"; exit 77; }
	# The programs are what scripts/setup.sh installs: one missing is a failure naming its package.
	for tp in ip:iproute2 tshark:tshark python3:python3 ping:iputils-ping; do
		command -v "${tp%%:*}" >/dev/null ||
			{ echo "FAIL: ${tp%%:*} missing: install the package ${tp#*:} (scripts/setup.sh does)"; exit 1; }
	done
	nsa=espnic-$1-a-$$ nsb=espnic-$1-b-$$
	tmp=$(mktemp -d "/tmp/espnic-$1-XXXXXX")
	export ESPNIC_RUN_DIR=$tmp
	pids=()
	trap two_cards_cleanup EXIT
	for ns in $nsa $nsb; do
		ip netns add "$ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		ip netns exec "$ns" ip link set lo up
	done
	# Keys (key + 4-byte salt), in files only.
	ka=000102030405060708090a0b0c0d0e0fcafebabe
	kb=101112131415161718191a1b1c1d1e1fdeadbeef
	(umask 077; echo "$ka" >"$tmp/ka"; echo "$kb" >"$tmp/kb")
}

two_cards_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null || true
	done
	ip netns del "$nsa" 2>/dev/null || true
	ip netns del "$nsb" 2>/dev/null || true
	rm -rf "$tmp"
}

fail() { echo "FAIL: $*"; for f in "$tmp"/*.log; do echo "== $f"; cat "$f"; done; exit 1; }

# two_cards_start SIM "A's options" "B's options": card a (host TAP espa, its
# wire captured in $tmp/wire.pcap) and card b (TAP espb), waited for until
# both answer on their sockets.
two_cards_start() {
	local sim=$1
	# shellcheck disable=SC2086 # the options are words
	ip netns exec "$nsa" "$sim" run --name a --host tap:espa $2 --wire card:b \
		--wire-capture "$tmp/wire.pcap" >"$tmp/card-a.log" 2>&1 &
	pids+=($!)
	# shellcheck disable=SC2086
	ip netns exec "$nsb" "$sim" run --name b --host tap:espb $3 --wire card:a \
		>"$tmp/card-b.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 600); do
		[ -S "$tmp/a.sock" ] && [ -S "$tmp/b.sock" ] && break
		sleep 0.1
	done
	[ -S "$tmp/a.sock" ] && [ -S "$tmp/b.sock" ] || fail "cards did not start"
}

card() { local dev=$1; shift; "$cli" card -d "sim:$tmp/$dev.sock" "$@"; }

# tcp_transfer KB SRC: KB kilobytes from A (source address SRC, or "" for the
# route's) to 198.19.2.1:5001 in B, checked by length and SHA-256.
tcp_transfer() {
	local n=$(($1 * 1024))
	cat >"$tmp/tcp.py" <<'EOF'
import hashlib, socket, sys
mode, n, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
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
                                 source_address=(src, 0) if src else None)
    c.sendall(data); c.shutdown(socket.SHUT_WR); c.recv(1); c.close()
EOF
	ip netns exec "$nsb" timeout 150 python3 "$tmp/tcp.py" server "$n" "" >"$tmp/tcp-server.out" 2>&1 &
	server=$!
	pids+=($server)
	# The client starts once the server listens (it says so), not after a guessed delay.
	for _ in $(seq 600); do
		grep -q "^listening$" "$tmp/tcp-server.out" && break
		kill -0 "$server" 2>/dev/null || fail "tcp server: $(cat "$tmp/tcp-server.out")"
		sleep 0.1
	done
	grep -q "^listening$" "$tmp/tcp-server.out" || fail "tcp server did not listen"
	ip netns exec "$nsa" timeout 150 python3 "$tmp/tcp.py" client "$n" "$2" || fail "tcp client"
	wait "$server" || true
	grep -q "^$n True$" "$tmp/tcp-server.out" || fail "tcp: $(cat "$tmp/tcp-server.out")"
}

# wire_decrypted MIN_ICMP MIN_TCP: tshark decrypts the wire with the keys
# (SPIs 0x1001 A to B, 0x2002 B to A) and finds at least that many pings from
# 198.19.1.1 and TCP data segments to port 5001.
wire_decrypted() {
	sa() { echo "\"IPv4\",\"$1\",\"$2\",\"$3\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$4\",\"NULL\",\"\""; }
	local dec=(-o esp.enable_encryption_decode:TRUE
		-o "uat:esp_sa:$(sa 198.18.0.1 198.18.0.2 0x00001001 $ka)"
		-o "uat:esp_sa:$(sa 198.18.0.2 198.18.0.1 0x00002002 $kb)")
	local icmp tcp
	icmp=$(tshark -n -r "$tmp/wire.pcap" "${dec[@]}" -Y 'icmp && ip.src == 198.19.1.1' 2>/dev/null | wc -l)
	tcp=$(tshark -n -r "$tmp/wire.pcap" "${dec[@]}" -Y 'tcp.dstport == 5001 && tcp.len > 0' 2>/dev/null | wc -l)
	echo "decrypted: $icmp ICMP requests, $tcp TCP data segments"
	[ "$icmp" -ge "$1" ] || fail "tshark did not decrypt the pings"
	[ "$tcp" -ge "$2" ] || fail "tshark did not decrypt the TCP transfer"
}

# two_cards_stop: both cards end cleanly on SIGTERM.
two_cards_stop() {
	kill "${pids[0]}" "${pids[1]}"
	wait "${pids[0]}" "${pids[1]}" || fail "cards did not exit cleanly"
	pids=("$server")
}
