#!/usr/bin/python3
"""Tunnel setup rate (ctest label "bench", prints figures, asserts no times): the same
initiator, espnicd with N peers (distinct identities and /32 selectors, start_window bounding
the setups in flight), sets up N IKE_SA+CHILD_SA against espnicd as responder and then, in the
same run, against strongSwan's charon (kernel-libipsec) as responder with N matching
connections. The rate is N over the time from the initiator's first IKE_SA_INIT to its last
established IKE_SA (its log's timestamps). Memory per tunnel is the responder's VmRSS after
the N setups minus before, over N. Needs root (exit 77, skip, without it); strongSwan missing
is a failure (scripts/setup.sh installs it).
For figures that mean something, run an espnicd built with -DESPNIC_SANITIZE=OFF."""
import argparse
import datetime
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "espnicd"))
from lab import LEFT, RIGHT, RIGHT_NET, Espnicd, Lab, need_root, need_tools, wait_for  # noqa: E402
from test_many_tunnels import initiator_peers, responder_peers, tunnel_net  # noqa: E402
from strongswan import CHARON, Charon, swanctl_conf, swanctl_connection, swanctl_secret  # noqa: E402


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def log_time(line):
    t = datetime.datetime.strptime(line[:12], "%H:%M:%S.%f")
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def many_charon(lab, n):
    """charon with N connections t<i> (identities and selectors as test_many_tunnels.py's
    responder), quiet logging, no COOKIE or blocking thresholds in the way."""
    conns, secrets = [], []
    for p in responder_peers(n):
        i = int(p["name"][1:])
        conns.append(swanctl_connection("t%d" % i, RIGHT, LEFT, RIGHT_NET, tunnel_net(i),
                                        "t%d.right.example" % i, "t%d.left.example" % i))
        secrets.append(swanctl_secret("t%d" % i, "t%d.left.example" % i,
                                      "t%d.right.example" % i, p["psk"]))
    return Charon(lab, 1, swanctl_conf(conns, secrets), options="cookie_threshold = 1000000\n"
                  "block_threshold = 1000000\ninit_limit_half_open = 0")


def measure(binary, responder, n, window):
    with Lab("rate" + responder[:2]) as lab:
        if responder == "espnicd":
            resp = Espnicd(lab, binary, 1, responder_peers(n), log_level="info",
                           dataplane="record:", cookie_threshold=0)
            wait_for("responder running", lambda: resp.sas() is not None)
            pid = resp.proc.pid
        else:
            resp = many_charon(lab, n)
            pid = resp.proc.pid
        before = rss_kb(pid)
        init = Espnicd(lab, binary, 0, initiator_peers(n), log_level="info",
                       dataplane="record:", start_window=window)

        def done():
            return init.log_text().count("IKE_SA established (initiator)") >= n

        wait_for("%d setups against %s" % (n, responder), done, timeout=300, interval=0.2)
        after = rss_kb(pid)
        lines = init.log_text().splitlines()
        first = next(log_time(l) for l in lines if "initiating IKE_SA" in l)
        last = [log_time(l) for l in lines if "IKE_SA established (initiator)" in l][-1]
        if last < first:
            last += 86400  # midnight (UTC) in between
        if responder == "espnicd":
            def up():
                c = sum(1 for s in resp.sas() if s["state"] == "ESTABLISHED" and s["children"])
                return c if c >= n else None

            ok = installed = wait_for("the responder's status file", up, timeout=60)
        else:
            ok, installed = wait_for("charon lists them", lambda: (
                lambda c: c if c[0] >= n else None)(resp.ike_sa_counts()), timeout=60)
        assert ok == n and installed >= n, (ok, installed)
        retransmits = init.log_text().count("retransmit ")
        return n / max(last - first, 1e-3), last - first, (after - before) / n, retransmits


def asan(binary):
    out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, text=True).stdout
    return "libasan" in out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--espnicd", required=True)
    ap.add_argument("--tunnels", type=int, default=200)
    ap.add_argument("--window", type=int, default=16)
    args = ap.parse_args()
    need_root()
    need_tools(CHARON, "swanctl")
    binary = os.path.abspath(args.espnicd)
    if asan(binary):
        print("note: %s is built with AddressSanitizer; its figures are pessimistic "
              "(configure with -DESPNIC_SANITIZE=OFF for real ones)" % binary)
    res = {}
    for responder in ("espnicd", "charon"):
        rate, secs, mem, rtx = measure(binary, responder, args.tunnels, args.window)
        res[responder] = rate
        print("responder %-8s %d IKE_SA+CHILD_SA setups in %.3f s: %.1f setups/s, "
              "%.1f KiB RSS per tunnel, %d initiator retransmissions"
              % (responder, args.tunnels, secs, rate, mem, rtx))
    print("ratio espnicd/charon: %.2f (issue 4 target: >= 2)" % (res["espnicd"] / res["charon"]))


if __name__ == "__main__":
    main()
