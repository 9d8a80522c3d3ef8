#!/usr/bin/python3
"""Transport mode end to end (ctest integration_transport_mode, needs root): two simulated
cards cabled wire to wire (host/demo/sitelab.py, second_card), espnicd on each gateway.

  gw-a: the session through the API (`espnic profile tunnel add --mode transport`, networks
        the two IKE addresses), initiating;
  gw-b: a peer of espnicd's configuration file ("mode": "transport"), responding.

Checked: the API refuses LAN selectors in transport mode (400 naming the list); the session
comes UP with its tunnel's "mode" TRANSPORT; ping and a TCP exchange between the gateways'
own addresses (198.18.0.1, 198.18.0.2) work, full-size TCP segments included (1500-byte
card ports: the route to the peer carries the transport-mode MTU, 1466, on both gateways); card A's wire capture carries that traffic only
as ESP (protocol 50; IKE on UDP 500 and ARP besides, nothing else between the gateways), and
the ESP packets are transport mode: their IP header is the gateways' own, with no inner IPv4
header behind the ESP header's length (checked by size: a 1000-byte ping gives an ESP packet
shorter than tunnel mode's). No fixed sleeps: every step waits for a state.

    test_transport_mode.py ESPNIC ESPNICD ESPNIC_SIM"""
import json
import os
import socket
import struct
import sys
import types

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "demo"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from espnic_demo import Failure, Gateway  # noqa: E402
from sitelab import GW_A, GW_B, Sites, UnixHTTP, wait_for  # noqa: E402
from lab import need_root  # noqa: E402

SESSION = "tr"
PSK = "transport-mode-test-psk-0123456789"
TCP_PORT = 5001
TCP_BYTES = 200000


def fail(msg):
    print("FAIL: " + msg, flush=True)
    raise SystemExit(1)


def api(gw, method, path, body=None):
    c = UnixHTTP(gw.api_sock)
    try:
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        text = r.read().decode()
        return r.status, (json.loads(text) if text else None)
    finally:
        c.close()


def read_pcap(path):
    """The frames of a classic pcap file (the card's --wire-capture)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    end = "<" if struct.unpack("<I", data[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "IIII", data[off:off + 16])[2]
        off += 16
        if off + incl > len(data):
            break
        frames.append(data[off:off + incl])
        off += incl
    return frames


def classify(frames):
    """Counts of the IPv4 frames between the gateways by kind, and the ESP packets' lengths."""
    gws = {socket.inet_aton(GW_A), socket.inet_aton(GW_B)}
    kinds, esp_lengths = {}, []
    for fr in frames:
        if len(fr) < 34 or fr[12:14] != b"\x08\x00":
            continue
        l3 = fr[14:]
        if l3[12:16] not in gws or l3[16:20] not in gws:
            continue
        proto = l3[9]
        hl = (l3[0] & 0x0f) * 4
        if proto == 50:
            kind = "esp"
            esp_lengths.append(struct.unpack("!H", l3[2:4])[0])
        elif proto == 17 and struct.unpack("!HH", l3[hl:hl + 4])[1] in (500, 4500):
            kind = "ike"
        else:
            kind = "clear-%d" % proto
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds, esp_lengths


def tcp_exchange(sites):
    """TCP_BYTES from gw-a to a server in gw-b that answers with their count."""
    server = sites.spawn("gwb", [sys.executable, "-c", (
        "import socket\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('%s', %d)); s.listen(1); print('listening', flush=True)\n"
        "c, _ = s.accept(); n = 0\n"
        "while True:\n"
        "    b = c.recv(65536)\n"
        "    if not b: break\n"
        "    n += len(b)\n"
        "c.sendall(str(n).encode()); c.close()\n") % (GW_B, TCP_PORT)], "tcp-server.log")
    wait_for("the TCP server", lambda: "listening" in sites.log_tail(sites.path("tcp-server.log")),
             timeout=30)
    out = sites.exec("gwa", sys.executable, "-c", (
        "import socket\n"
        "c = socket.create_connection(('%s', %d), timeout=30)\n"
        "c.sendall(b'x' * %d); c.shutdown(socket.SHUT_WR)\n"
        "print(c.recv(100).decode())\n") % (GW_B, TCP_PORT, TCP_BYTES), timeout=90)
    server.wait(timeout=30)
    return out.stdout.strip()


def main():
    if len(sys.argv) != 4:
        fail("usage: test_transport_mode.py ESPNIC ESPNICD ESPNIC_SIM")
    need_root()
    args = types.SimpleNamespace(cli=sys.argv[1], espnicd=sys.argv[2], sim=sys.argv[3])
    sites = Sites("esptr-%d" % (os.getpid() % 100000), args.sim, second_card=True,
                  prefix="espnic-transport-")
    ok = False
    try:
        sites.setup()
        # gw-b: espnicd with a peer of its configuration file, transport mode, responding.
        psk_file = sites.path("psk-b")
        fd = os.open(psk_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("gw-a %s\n" % PSK)
        conf_b = sites.path("espnicd-b.json")
        with open(conf_b, "w") as f:
            json.dump({"listen": GW_B, "dataplane": "card:sim:" + sites.sock_b,
                       "psk_file": psk_file, "log_level": "info", "card_host_if": "espnic0",
                       "peers": [{"name": "gw-a", "remote_addr": GW_A, "mode": "transport",
                                  "start": False,
                                  # the API's default IKE and tunnel profiles
                                  "ike_proposals": ["aes128-sha256-modp2048"],
                                  "esp_proposals": ["aes128gcm16-modp2048"]}]}, f, indent=1)
        log_b = sites.path("espnicd-b.log")
        proc_b = sites.spawn("gwb", [args.espnicd, "-c", conf_b], "espnicd-b.log")
        wait_for("espnicd B listening", lambda: proc_b.poll() is not None or
                 "espnicd started" in sites.log_tail(log_b),
                 timeout=60)
        if proc_b.poll() is not None:
            fail("espnicd B exited: " + sites.log_tail(log_b, 3000))

        # gw-a: the session through the API and the CLI.
        gw_a = Gateway(sites, args, "A", "gwa", GW_A, sites.sock)
        with open(sites.path("psk-a"), "w") as f:
            f.write(PSK)
        os.chmod(sites.path("psk-a"), 0o600)
        gw_a.espnic("endpoint", "add", "site-a", "--address", GW_A)
        gw_a.espnic("profile", "tunnel", "add", "transport", "--mode", "transport")
        # LAN selectors in transport mode: refused, naming the list.
        code, err = api(gw_a, "POST", "/api/v1/ipsec/sessions", {
            "name": SESSION, "local_endpoint": "site-a", "peer_address": GW_B,
            "psk": PSK, "tunnel_profile": "transport",
            "local_networks": [GW_A + "/32"], "remote_networks": ["198.19.2.0/24"]})
        if code != 400 or (err or {}).get("field") != "remote_networks":
            fail("LAN selectors in transport mode: expected 400 on remote_networks, got %d %s"
                 % (code, err))
        print("refused as expected: %s" % err["error_message"], flush=True)
        gw_a.espnic("session", "add", SESSION, "--endpoint", "site-a", "--peer", GW_B,
                    "--local-networks", GW_A + "/32", "--remote-networks", GW_B + "/32",
                    "--tunnel-profile", "transport", "--psk-file", sites.path("psk-a"))
        code, prof = api(gw_a, "GET", "/api/v1/ipsec/tunnel-profiles/transport")
        if prof.get("encapsulation_mode") != "TRANSPORT_MODE":
            fail("the profile: %s" % prof)

        def up():
            if gw_a.proc.poll() is not None or proc_b.poll() is not None:
                fail("an espnicd exited:\n%s\n%s" % (sites.log_tail(gw_a.log, 3000),
                                                       sites.log_tail(log_b, 3000)))
            st = api(gw_a, "GET", "/api/v1/ipsec/sessions/%s/status" % SESSION)[1]
            return st if st and st.get("status") == "UP" else None
        try:
            st = wait_for("the transport-mode session UP", up, timeout=90)
        except TimeoutError as e:
            fail("%s\nA:\n%s\nB:\n%s" % (e, sites.log_tail(gw_a.log, 4000),
                                         sites.log_tail(log_b, 4000)))
        tun = st["tunnels"][0]
        print("UP: tunnel %s/%s mode %s, %s === %s" % (tun["spi_in"], tun["spi_out"],
              tun["mode"], tun["local_networks"], tun["remote_networks"]), flush=True)
        if tun["mode"] != "TRANSPORT":
            fail("tunnel mode %s, expected TRANSPORT" % tun["mode"])
        if "transport" not in gw_a.espnic("session", "status", SESSION, show=False,
                                          capture=True):
            fail("espnic session status does not say transport mode")

        # The route to the peer carries the transport-mode MTU on both gateways (the card's
        # 1500 less (packet + 37) & ~3: 1466), so full-size TCP segments fit the card.
        for ns, peer in (("gwa", GW_B), ("gwb", GW_A)):
            wait_for("the route to %s with its MTU in %s" % (peer, ns), lambda: "mtu 1466" in
                     sites.exec(ns, "ip", "route", "show", peer + "/32").stdout, timeout=30)
        # Traffic between the gateways' own addresses.
        ping = sites.exec("gwa", "ping", "-c", "5", "-i", "0.2", "-W", "5", "-s", "1000", GW_B,
                          check=False, timeout=60)
        if " 0% packet loss" not in ping.stdout:
            fail("ping between the gateways:\n" + ping.stdout)
        got = tcp_exchange(sites)
        if got != str(TCP_BYTES):
            fail("TCP between the gateways: the server counted %r, expected %d"
                 % (got, TCP_BYTES))
        print("ping and TCP (%d bytes) between %s and %s" % (TCP_BYTES, GW_A, GW_B), flush=True)

        st = api(gw_a, "GET", "/api/v1/ipsec/sessions/%s/status" % SESSION)[1]
        c = st["counters"]
        if c["packets_in"] < 5 or c["packets_out"] < 5:
            fail("card A's SA counters: %s" % c)
        kinds, lengths = classify(read_pcap(sites.pcap))
        print("on the wire between the gateways: %s" % kinds, flush=True)
        leaks = {k: v for k, v in kinds.items() if k.startswith("clear")}
        if leaks:
            fail("traffic between the gateways in the clear: %s" % leaks)
        if kinds.get("esp", 0) < 10:
            fail("too few ESP packets on the wire: %s" % kinds)
        # A 1000-byte ping is an IPv4 packet of 1028 bytes; in transport mode its ESP packet
        # is 20 + 8 + 8 + (1008 + 2 padded to 4) + 16 = 1064; tunnel mode would add 20.
        if 1064 not in lengths:
            fail("no transport-mode ESP packet of 1064 bytes for the 1000-byte pings "
                 "(lengths seen: %s)" % sorted(set(lengths))[:20])
        ok = True
        print("PASS", flush=True)
    except (Failure, TimeoutError) as e:
        fail(str(e))
    finally:
        sites.close(keep_dir=not ok)
        if not ok:
            print("files kept in " + sites.dir, flush=True)


if __name__ == "__main__":
    main()
