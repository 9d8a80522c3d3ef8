#!/usr/bin/python3
"""espnic-dp in network namespaces (root): forwarding between a LAN port and a
card port (net_tap ports moved into the namespaces lan and card), the
exception path to the kernel (ARP, ping to the gateway), software ESP
cross-checked with scapy in both directions (scapy decrypts what espnic-dp
encrypts and answers with ESP espnic-dp decrypts), DPDK telemetry, and bad
input (truncated and bad IPv4 headers, no route, an unknown SPI, a replay, a
forged ICV, truncated ESP, an inner source outside the SA's selectors)
counted as drops without a crash.

  lan 198.18.1.2 --[dl]-- espnic-dp (ns gw; kernel on the exception TAPs:
  198.18.1.1, 198.18.2.1) --[dc]-- card 198.18.2.2 (scapy: ESP peer for
  198.18.3.0/24)

usage: test_espnic_dp.py ESPNIC_DP            (the test)
       test_espnic_dp.py --peer ARGS...       (the scapy ESP peer, in ns card)
"""
import json
import os
import select
import socket
import subprocess
import sys
import time

K_OUT = bytes(range(1, 17))  # espnic-dp -> peer (SPI 0x1001)
S_OUT = bytes.fromhex("0a0b0c0d")
K_IN = bytes(range(0x21, 0x21 + 32))  # peer -> espnic-dp (SPI 0x2001), AES-GCM-256
S_IN = bytes.fromhex("01020304")


def peer_main(args):
    """The ESP peer in ns card: decrypts echo requests espnic-dp encrypted,
    answers with echo replies through the other SA. Prints one JSON line per
    event."""
    from scapy.all import AsyncSniffer, Ether, IP, ICMP, ESP, sendp, conf
    from scapy.layers.ipsec import SecurityAssociation
    conf.verb = 0
    iface, gwmac, mymac = args
    sa_rx = SecurityAssociation(ESP, spi=0x1001, crypt_algo="AES-GCM", crypt_key=K_OUT + S_OUT,
                                tunnel_header=IP(src="198.18.2.1", dst="198.18.2.2"))
    sa_tx = SecurityAssociation(ESP, spi=0x2001, crypt_algo="AES-GCM", crypt_key=K_IN + S_IN,
                                tunnel_header=IP(src="198.18.2.2", dst="198.18.2.1"))

    def on_pkt(p):
        if not p.haslayer(ESP) or p[IP].dst != "198.18.2.2":
            return
        spi = p[ESP].spi
        try:
            inner = sa_rx.decrypt(p[IP])
        except Exception as e:  # an ICV failure is a test failure, reported
            print(json.dumps({"event": "decrypt_failed", "error": str(e)}), flush=True)
            return
        ok = inner.haslayer(ICMP) and inner[ICMP].type == 8
        print(json.dumps({"event": "decrypted", "spi": spi, "src": inner[IP].src,
                          "dst": inner[IP].dst, "echo_request": bool(ok)}), flush=True)
        if ok:
            rep = IP(src=inner[IP].dst, dst=inner[IP].src, ttl=64) / ICMP(
                type=0, id=inner[ICMP].id, seq=inner[ICMP].seq) / inner[ICMP].payload
            enc = sa_tx.encrypt(rep)
            sendp(Ether(src=mymac, dst=gwmac) / enc, iface=iface)

    # Ready once the capture socket is open (scapy calls started_callback then).
    sn = AsyncSniffer(iface=iface, prn=on_pkt, store=False, filter="ip proto 50",
                      started_callback=lambda: print(json.dumps({"event": "ready"}), flush=True))
    sn.start()
    sys.stdin.read()  # until the test closes our stdin
    sn.stop()
    return 0


def sh(*cmd, ns=None, check=True):
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    r = subprocess.run(full, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(full)}: {r.returncode} {r.stderr.strip()}")
    return r


def mac_of(ns, ifname):
    return open(f"/sys/class/net/{ifname}/address").read().strip() if ns is None else \
        sh("cat", f"/sys/class/net/{ifname}/address", ns=ns).stdout.strip()


class Ctl:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(path)
        self.f = self.s.makefile("rw")

    def __call__(self, **cmd):
        self.f.write(json.dumps(cmd) + "\n")
        self.f.flush()
        return json.loads(self.f.readline())

    def ok(self, **cmd):
        r = self(**cmd)
        if not r.get("ok"):
            raise RuntimeError(f"{cmd.get('cmd')}: {r}")
        return r


def wait_for(pred, what, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


def main():
    if sys.argv[1] == "--peer":
        return peer_main(sys.argv[2:])
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    dp = sys.argv[1]
    tag = str(os.getpid() % 100000)
    ns = {n: f"dp{n}{tag}" for n in ("gw", "lan", "card")}
    ifs = {n: f"d{n}{tag}" for n in ("l", "c", "xl", "xc")}
    sock = f"/tmp/espnic-dp-{tag}.sock"
    procs = []
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            failures.append(what)

    try:
        for n in ns.values():
            sh("ip", "netns", "add", n)
        for n in ns.values():
            sh("ip", "link", "set", "lo", "up", ns=n)
        eal = ["--no-huge", "--no-pci", "--no-shconf", "-m", "512", "-l", "0",
               "--file-prefix", f"espnicdp{tag}", "--log-level", "pmd.net.tap:error"]
        for i, k in enumerate(("l", "c", "xl", "xc")):
            eal += ["--vdev", f"net_tap{i},iface={ifs[k]}"]
        eal += ["--vdev", "crypto_aesni_gcm0"]
        log = open(f"/tmp/espnic-dp-{tag}.log", "w+")
        p = subprocess.Popen(["ip", "netns", "exec", ns["gw"], dp] + eal +
                             ["--", "-p", "0:2", "-p", "1:3", "-c", "crypto_aesni_gcm0",
                              "-i", "100", "-s", sock],
                             stdout=subprocess.PIPE, stderr=log, text=True)
        procs.append(p)
        # Readiness: the "ready" line on stdout.
        while True:
            r, _, _ = select.select([p.stdout], [], [], 30)
            line = p.stdout.readline() if r else ""
            if not line:
                raise RuntimeError("espnic-dp did not start; log in " + log.name)
            if "ready" in line:
                break
        # Port taps into lan and card; the exception taps stay in gw with
        # the gateway's addresses.
        sh("ip", "link", "set", ifs["l"], "netns", ns["lan"], ns=ns["gw"])
        sh("ip", "link", "set", ifs["c"], "netns", ns["card"], ns=ns["gw"])
        sh("ip", "addr", "add", "198.18.1.2/24", "dev", ifs["l"], ns=ns["lan"])
        sh("ip", "link", "set", ifs["l"], "up", ns=ns["lan"])
        sh("ip", "route", "add", "default", "via", "198.18.1.1", ns=ns["lan"])
        sh("ip", "addr", "add", "198.18.2.2/24", "dev", ifs["c"], ns=ns["card"])
        sh("ip", "link", "set", ifs["c"], "up", ns=ns["card"])
        sh("ip", "route", "add", "198.18.1.0/24", "via", "198.18.2.1", ns=ns["card"])
        sh("ip", "addr", "add", "198.18.1.1/24", "dev", ifs["xl"], ns=ns["gw"])
        sh("ip", "addr", "add", "198.18.2.1/24", "dev", ifs["xc"], ns=ns["gw"])
        lan_mac = mac_of(ns["lan"], ifs["l"])
        card_mac = mac_of(ns["card"], ifs["c"])
        gw_card_mac = mac_of(ns["gw"], ifs["xc"])

        ctl = Ctl(sock)
        ctl.ok(cmd="route_add", prefix="198.18.1.1/32", local=True)
        ctl.ok(cmd="route_add", prefix="198.18.2.1/32", local=True)
        ctl.ok(cmd="route_add", prefix="198.18.1.0/24", port=0, mac=lan_mac)
        ctl.ok(cmd="route_add", prefix="198.18.2.0/24", port=1, mac=card_mac)
        check(not ctl(cmd="route_add", prefix="198.18.9.0/33", port=0, mac=lan_mac)["ok"],
              "a bad prefix refused")

        # 1. Exception path: ARP and a ping to the gateway itself.
        r = sh("ping", "-c", "2", "-i", "0.2", "-W", "2", "198.18.1.1", ns=ns["lan"], check=False)
        check(r.returncode == 0, "ping lan -> gateway (exception path to the kernel)")
        # 2. Forwarding lan <-> card.
        r = sh("ping", "-c", "3", "-i", "0.2", "-W", "2", "198.18.2.2", ns=ns["lan"], check=False)
        check(r.returncode == 0, "ping lan -> card host through the fast path")
        st = ctl.ok(cmd="stats")["ports"]
        check(st["0"]["fwd"] >= 3 and st["1"]["fwd"] >= 3,
              f"forwarded counted (port0 {st['0']['fwd']}, port1 {st['1']['fwd']})")
        check(st["0"]["to_exc"] > 0 and st["0"]["from_exc"] > 0, "exception path counted")

        # The same counters through DPDK telemetry (the v2 socket in the
        # instance's runtime directory).
        tel_path = f"/var/run/dpdk/espnicdp{tag}/dpdk_telemetry.v2"
        try:
            t = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            t.settimeout(5)
            t.connect(tel_path)
            json.loads(t.recv(4096))  # the greeting
            t.send(b"/espnic_dp/ports,0")
            tel = json.loads(t.recv(16384))["/espnic_dp/ports"]
            t.close()
            check(tel["fwd"] >= st["0"]["fwd"] and tel["rx"] >= st["0"]["rx"],
                  f"telemetry /espnic_dp/ports,0: fwd {tel['fwd']}, rx {tel['rx']}")
        except (OSError, ValueError, KeyError) as e:
            check(False, f"telemetry at {tel_path}: {e}")

        # 3. Software ESP: out SA 0x1001 (AES-GCM-128), in SA 0x2001 (AES-GCM-256).
        ctl.ok(cmd="sa_add", dir="out", spi=0x1001, alg="aes-gcm-128", key=K_OUT.hex(),
               salt=S_OUT.hex(), local="198.18.2.1", remote="198.18.2.2")
        ctl.ok(cmd="sa_add", dir="in", spi=0x2001, alg="aes-gcm-256", key=K_IN.hex(),
               salt=S_IN.hex(), local="198.18.2.1", remote="198.18.2.2", replay_window=64,
               inner_src="198.18.3.0/24", inner_dst="198.18.1.0/24")
        check(not ctl(cmd="sa_add", dir="in", spi=0x2001, alg="aes-gcm-256", key=K_IN.hex(),
                      salt=S_IN.hex(), local="198.18.2.1", remote="198.18.2.2")["ok"],
              "a duplicate SA refused")
        ctl.ok(cmd="route_add", prefix="198.18.3.0/24", sa=0x1001)
        peer = subprocess.Popen(["ip", "netns", "exec", ns["card"], "/usr/bin/python3",
                                 os.path.abspath(__file__), "--peer", ifs["c"], gw_card_mac,
                                 card_mac], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True)
        procs.append(peer)
        first = json.loads(peer.stdout.readline())
        check(first.get("event") == "ready", "scapy peer ready")
        r = sh("ping", "-c", "3", "-i", "0.3", "-W", "3", "198.18.3.5", ns=ns["lan"], check=False)
        check(r.returncode == 0 and " 0% packet loss" in r.stdout,
              "ping lan -> 198.18.3.5 through espnic-dp ESP, answered by scapy ESP")
        st = ctl.ok(cmd="stats")
        sas = {(s["dir"], s["spi"]): s for s in st["sas"]}
        check(sas[("out", 0x1001)]["packets"] >= 3 and sas[("in", 0x2001)]["packets"] >= 3,
              f"SA counters {st['sas']}")

        # 4. Bad input from the card side.
        bad = f"""
from scapy.all import *
from scapy.layers.ipsec import SecurityAssociation
import time
conf.verb = 0
eth = Ether(src="{card_mac}", dst="{gw_card_mac}")
s = conf.L2socket(iface="{ifs['c']}")
sa = SecurityAssociation(ESP, spi=0x2001, crypt_algo="AES-GCM", crypt_key=bytes.fromhex("{(K_IN + S_IN).hex()}"), tunnel_header=IP(src="198.18.2.2", dst="198.18.2.1"))
b1 = bytearray(bytes(eth / IP(src="198.18.2.2", dst="198.18.1.2") / ICMP())); b1[14 + 10] ^= 0xff
b2 = bytearray(bytes(eth / IP(src="198.18.2.2", dst="198.18.1.2") / ICMP())); b2[14] = 0x65
good = bytes(eth / sa.encrypt(IP(src="198.18.3.5", dst="198.18.1.2") / ICMP(), seq_num=40))
policy = bytes(eth / sa.encrypt(IP(src="198.18.99.1", dst="198.18.1.2") / ICMP(), seq_num=42))
forged = bytearray(bytes(eth / sa.encrypt(IP(src="198.18.3.5", dst="198.18.1.2") / ICMP(), seq_num=41))); forged[-1] ^= 1
s.send(Raw(bytes(Ether(src="{card_mac}", dst="{gw_card_mac}", type=0x800)) + bytes(10)))  # truncated IPv4 header
s.send(Raw(bytes(b1)))  # bad IPv4 header checksum
s.send(Raw(bytes(b2)))  # version 6 in an IPv4 frame
s.send(eth / IP(src="198.18.2.2", dst="198.18.1.2", len=400) / ICMP())  # length past the frame
s.send(eth / IP(src="198.18.2.2", dst="198.18.77.1") / ICMP())  # no route
s.send(eth / IP(src="198.18.2.2", dst="198.18.2.1") / ESP(spi=0xdead, seq=1) / Raw(b"x" * 40))  # unknown SPI
s.send(Raw(good))  # a good one
s.send(Raw(good))  # its replay
s.send(Raw(bytes(forged)))  # bad ICV
s.send(Raw(policy))  # authentic, but an inner source the SA does not carry
s.send(eth / IP(src="198.18.2.2", dst="198.18.2.1") / ESP(spi=0x2001, seq=5))  # truncated ESP
"""
        if os.environ.get("ESPNIC_DP_DEBUG"):
            lines = bad.strip().splitlines()
            head = [x for x in lines if not x.startswith("s.send")]
            for x in lines:
                if x.startswith("s.send"):
                    before = ctl.ok(cmd="stats")["ports"]["1"]
                    sh("/usr/bin/python3", "-c", "\n".join(head + [x]), ns=ns["card"])
                    time.sleep(1)
                    after = ctl.ok(cmd="stats")["ports"]["1"]
                    print(x[:60], {k: after[k] - before[k] for k in after if after[k] != before[k]})
        else:
            sh("/usr/bin/python3", "-c", bad, ns=ns["card"])

        def counted():
            s = ctl.ok(cmd="stats")["ports"]["1"]
            return s if (s["drop_bad_ip"] >= 4 and
                         s["drop_no_route"] >= 1 and s["drop_esp_no_sa"] >= 1 and
                         s["drop_esp_auth"] >= 3 and s["esp_in"] >= 5 and
                         s["drop_esp_policy"] >= 1) else None
        try:
            s1 = wait_for(counted, "bad input counted", 10)
            check(True, f"bad input counted: {json.dumps(s1)}")
        except RuntimeError:
            check(False, f"bad input counted: {ctl.ok(cmd='stats')['ports']['1']}")
        check(p.poll() is None, "espnic-dp still running")
        r = sh("ping", "-c", "1", "-W", "3", "198.18.3.5", ns=ns["lan"], check=False)
        check(r.returncode == 0, "ESP ping still answered after the bad input")

        # SA delete: the route stays but leads nowhere (counted).
        ctl.ok(cmd="sa_del", dir="out", spi=0x1001)
        r = sh("ping", "-c", "1", "-W", "1", "198.18.3.5", ns=ns["lan"], check=False)
        check(r.returncode != 0, "no answer once the outbound SA is deleted")
        check(ctl.ok(cmd="stats")["ports"]["0"]["drop_esp_no_sa"] >= 1, "counted as no SA")
        # A client that sends many requests before it reads: every reply comes, whole and in
        # order (a reply the socket does not take at once waits for the next poll).
        burst = socket.socket(socket.AF_UNIX)
        burst.settimeout(30)
        burst.connect(sock)
        n_req = 300
        burst.sendall(b"".join(b'{"cmd": "stats"}\n' for _ in range(n_req)))
        got = burst.makefile("r")
        replies = [json.loads(got.readline()) for _ in range(n_req)]
        burst.close()
        check(all(r.get("ok") for r in replies), f"{n_req} stats replies to one unread burst")

        peer.stdin.close()
        events = [json.loads(line) for line in peer.stdout]
        peer.wait(timeout=20)
        dec = [e for e in events if e.get("event") == "decrypted"]
        failed = [e for e in events if e.get("event") == "decrypt_failed"]
        req = [e for e in dec if e["echo_request"]]
        check(not failed and len(req) >= 4 and len(dec) == len(req) + 1 and
              all(e["spi"] == 0x1001 and e["src"] == "198.18.1.2" for e in dec),
              f"scapy decrypted every ESP packet from espnic-dp: {len(req)} echo requests and "
              f"the echo reply to the injected packet ({len(dec)} in all, {len(failed)} failed)")

        p.terminate()
        p.wait(timeout=20)
        check(p.returncode == 0, f"espnic-dp exits 0 on SIGTERM ({p.returncode})")
        log.seek(0)
        text = log.read()
        check(all(k.hex() not in text for k in (K_OUT, K_IN)), "no key in espnic-dp's log")
        check("AddressSanitizer" not in text and "runtime error" not in text,
              "no sanitizer report")
    finally:
        for pr in procs:
            if pr.poll() is None:
                pr.kill()
                pr.wait()
        for n in ns.values():
            subprocess.run(["ip", "netns", "del", n], capture_output=True)
        if os.path.exists(sock):
            os.unlink(sock)
    print("FAILED: " + "; ".join(failures) if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
