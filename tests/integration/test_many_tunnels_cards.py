#!/usr/bin/python3
"""Many tunnels between two espnicd gateways, each on its own simulated card (ctest label
"integration", needs root). The two sites of host/demo/sitelab.py with a second card: gw-a's
espnicd initiates N tunnels (1000 by default) to gw-b's espnicd, all between the same two
gateway addresses, told apart by their identities and by one /32 per tunnel on site A's side
(198.19.16.0/22) against LAN B (198.19.2.0/24). Both daemons program their card.

Checked: every IKE_SA and CHILD_SA comes up on both sides and each CHILD_SA's SPIs mirror the
other side's; each card carries N PROTECT rules (one per tunnel, plus the IKE bypass rules);
gw-b has a host route per tunnel towards its card; pings from LAN A sourced from a sample of
the tunnels' addresses (first, last and some between) reach LAN B and come back, each through
its own tunnel (the sample's SAs on card A count the packets); and SIGTERM on gw-a deletes
everything politely: both cards end up without a PROTECT rule. Printed: the time to bring the
tunnels up, the SPD rule moves the daemons needed (from their logs), the pings' RTT.

    test_many_tunnels_cards.py --espnicd ESPNICD --sim ESPNIC_SIM --cli ESPNIC [--tunnels N]"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "demo"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "espnicd"))
from sitelab import GW_A, GW_B, HOST_A, HOST_B, LAN_GW_A, NET_B, Sites, run, wait_for  # noqa: E402
from lab import need_root, need_tools, status_sas, wait_progress  # noqa: E402
from test_many_tunnels import initiator_peers, responder_peers, tunnel_net  # noqa: E402

BASE = (198, 19, 16)  # site A's tunnel addresses: 198.19.16.0/22
T0 = time.monotonic()


def phase(what):
    print("[%6.1f s] %s" % (time.monotonic() - T0, what), flush=True)


class Gateway:
    """One espnicd on one card, configured from a file (PSKs in a mode-0600 file)."""

    def __init__(self, sites, ns, binary, sock, listen, peers, **top):
        self.sites, self.ns, self.name = sites, ns, "espnicd-" + ns
        self.status = sites.path(self.name + ".status.json")
        psk = sites.path(self.name + ".psk")
        fd = os.open(psk, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            for p in peers:
                f.write("%s %s\n" % (p["name"], p.pop("psk")))
        cfg = {"listen": listen, "dataplane": "card:sim:" + sock, "card_host_if": "espnic0",
               "psk_file": psk, "log_level": "debug", "peers": peers}
        cfg.update(top)
        config = sites.path(self.name + ".json")
        with open(config, "w") as f:
            json.dump(cfg, f)
        self.proc = sites.spawn(ns, [binary, "-c", config, "-s", self.status],
                                self.name + ".log")

    def sas(self):
        return status_sas(self.status)

    def established(self):
        return [s for s in self.sas() or []
                if s["state"] == "ESTABLISHED" and len(s["children"]) == 1]

    def log_text(self):
        with open(self.sites.path(self.name + ".log")) as f:
            return f.read()


def card_cli(cli, sock, *args):
    """`espnic card ... ARGS`; a failing CLI fails the test (its empty output must not read
    as an empty card)."""
    r = run(cli, "card", "-d", "sim:" + sock, *args, check=False, timeout=300)
    assert r.returncode == 0, "espnic card %s exited %d: %s" % (" ".join(args), r.returncode,
                                                               r.stderr.strip())
    return r.stdout


def rule_moves(gw):
    """SPD rules the daemon moved to make room (debug lines of the card backend)."""
    return sum(int(m) for m in re.findall(r"spread out again \(\d+ rules, (\d+) moved\)",
                                          gw.log_text()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--espnicd", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--cli", required=True)
    ap.add_argument("--tunnels", type=int, default=1000)
    ap.add_argument("--window", type=int, default=32)
    args = ap.parse_args()
    need_root()
    need_tools("ping")
    n, binary, cli = args.tunnels, os.path.abspath(args.espnicd), os.path.abspath(args.cli)
    sites = Sites("emt%d" % (os.getpid() % 100000), os.path.abspath(args.sim),
                  second_card=True, prefix="espnic-many-cards-")
    ok = False
    try:
        sites.setup()
        # LAN A's host owns the sample's tunnel addresses; gw-a routes the /22 to it.
        sample = sorted({0, 1, n // 3, n // 2, n - 2, n - 1})
        for i in sample:
            sites.ip("lana", "addr", "add", tunnel_net(i, BASE), "dev", sites.lan_if["lana"])
        sites.ip("gwa", "route", "add", "198.19.16.0/22", "via", HOST_A)
        phase("sites up, starting gw-b (responder) and gw-a (initiator, window %d)"
              % args.window)
        right = Gateway(sites, "gwb", binary, sites.sock_b, GW_B,
                        responder_peers(n, remote_addr=GW_A, local_net=NET_B, base=BASE),
                        cookie_threshold=4 * args.window)
        wait_for("gw-b's espnicd running", lambda: right.sas() is not None, timeout=60)
        t_start = time.monotonic()
        left = Gateway(sites, "gwa", binary, sites.sock, GW_A,
                       initiator_peers(n, remote_addr=GW_B, remote_net=NET_B, base=BASE),
                       start_window=args.window)
        # However loaded the machine: the count must keep growing, whatever the total time.
        wait_progress("%d tunnels up on both sides" % n,
                      lambda: (len(left.established()), len(right.established())),
                      lambda v: v == (n, n), stall=120, interval=1.0)
        seconds = time.monotonic() - t_start
        phase("%d tunnels up in %.1f s (%.0f per second), both cards programmed"
              % (n, seconds, n / seconds))

        # Each CHILD_SA has its mirror image on the other side.
        lsa = {s["peer"]: s["children"][0] for s in left.established()}
        rsa = {s["peer"]: s["children"][0] for s in right.established()}
        assert sorted(lsa) == sorted(rsa) == sorted("t%d" % i for i in range(n))
        for peer, c in lsa.items():
            assert (c["in"], c["out"]) == (rsa[peer]["out"], rsa[peer]["in"]), peer
        assert "TS_UNACCEPTABLE" not in left.log_text() + right.log_text()

        # The cards: one PROTECT rule per tunnel, and the IKE bypass rules (UDP 500 and 4500)
        # for the gateway's own address only.
        for name, sock, own in (("A", sites.sock, GW_A), ("B", sites.sock_b, GW_B)):
            rules = card_cli(cli, sock, "spd", "list")
            protect = len(re.findall(r"\bprotect\b", rules))
            bypass = [line for line in rules.splitlines() if re.search(r"\bbypass\b", line)]
            print("card %s: %d PROTECT rules, %d BYPASS rules" % (name, protect, len(bypass)))
            assert protect == n and len(bypass) == 2, rules[-2000:]
            assert all(own + "/32" in line for line in bypass), bypass
        routes = sites.exec("gwb", "ip", "route", "show", "dev", "espnic0").stdout
        assert len(re.findall(r"^198\.19\.(1[6-9])\.\d+ ", routes, re.M)) == n, routes[-2000:]
        moves = (rule_moves(left), rule_moves(right))
        print("SPD rules moved to make room: %d on gw-a, %d on gw-b" % moves)
        # Tunnel rules overlap no other tunnel's: each takes a free slot, none moves.
        assert moves == (0, 0), moves

        # Traffic through a sample of the tunnels, each from its own address.
        phase("pings through tunnels %s" % sample)
        for i in sample:
            src = tunnel_net(i, BASE).split("/")[0]
            r = sites.exec("lana", "ping", "-c", "3", "-i", "0.2", "-W", "5", "-I", src,
                           HOST_B, check=False)
            assert r.returncode == 0, "tunnel %d: %s" % (i, r.stdout)
            rtt = re.search(r"= [\d.]+/([\d.]+)/", r.stdout)
            print("tunnel t%d (%s): 3/3 pings, RTT %s ms" % (i, src, rtt.group(1) if rtt else "?"))
        # The pings went through their own SAs: card A counted them on those SAs only.
        sa_text = card_cli(cli, sites.sock, "sa", "list", "--dir", "out")
        counted = {}
        for line in sa_text.splitlines():  # index dir spi mode encap algorithm packets ...
            m = re.match(r"\s*\d+\s+out\s+0x([0-9a-f]{8})\s+\S+\s+\S+\s+\S+\s+(\d+)\s", line)
            if m:
                counted[m.group(1)] = int(m.group(2))
        busy = sorted(spi for spi, pkts in counted.items() if pkts > 0)
        want = sorted(lsa["t%d" % i]["out"] for i in sample)
        print("card A: %d outbound SAs listed, %d with packets" % (len(counted), len(busy)))
        assert busy == want, (busy, want)

        # SIGTERM: both daemons delete everything, both cards end up empty.
        phase("SIGTERM to gw-a's espnicd")
        # Waited for while gw-b's IKE_SA count goes down (each Delete crosses both simulated
        # cards), then for gw-a's exit and the cards' rules, each emptied as the SAs go.
        left.proc.send_signal(signal.SIGTERM)
        wait_progress("gw-b cleared", lambda: len(right.sas() or []),
                      lambda v: v == 0 and right.sas() == [], stall=120, interval=1.0)
        assert left.proc.wait(timeout=300) == 0
        assert "deletes were not answered" not in left.log_text()
        for sock in (sites.sock, sites.sock_b):
            wait_progress("card without PROTECT rules",
                          lambda: len(re.findall(r"\bprotect\b", card_cli(cli, sock, "spd", "list"))),
                          lambda v: v == 0, stall=120, interval=2.0)
        phase("both cards empty")
        ok = True
    finally:
        if not ok:
            for p in reversed(sites.procs):
                if p.poll() is None:
                    sites.stop(p, timeout=10)
            for path in sites.logs:
                print("==== " + path)
                sys.stdout.write(sites.log_tail(path))
            print("(files kept in %s)" % sites.dir)
        sites.close(keep_dir=not ok)
    print("PASS %d tunnels between two cards" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
