#!/usr/bin/python3
"""Tunnel setup rate and memory per tunnel (ctest label "bench", prints figures, asserts no
times), IKEv2 and IKEv1 side by side: the same initiator, espnicd with N peers (distinct
identities and /32 selectors, start_window bounding the setups in flight), sets up N IKE_SA +
CHILD_SA (IKEv1: main mode + quick mode, one PSK for the gateway pair) against espnicd as
responder and then, in the same run, against strongSwan's charon (kernel-libipsec) as
responder with N matching connections. The rate is N over the time from the initiator's first
initiation to its Nth installed CHILD_SA (its log's timestamps). Memory per established
tunnel is the responder's VmRSS after the N setups minus before, over N; memory per half-open
IKE_SA (IKEv2) is the same for IKE_SA_INIT requests sent afterwards and never followed by
IKE_AUTH. Needs root (exit 77, skip, without it); strongSwan missing is a failure
(scripts/setup.sh installs it). ctest runs a short pass (300 tunnels); --long a longer one:
  tests/bench/bench_ike_setup_rate.py --espnicd build/host/espnicd/espnicd --long
For figures that mean something, run an espnicd built without sanitizers (scripts/build.sh)."""
import argparse
import datetime
import os
import re
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "espnicd"))
sys.path.insert(0, HERE)
from lab import LEFT, RIGHT, RIGHT_NET, Espnicd, Lab, need_root, need_tools, wait_for  # noqa: E402
from test_many_tunnels import initiator_peers, responder_peers, tunnel_net  # noqa: E402
from strongswan import CHARON, Charon, swanctl_conf, swanctl_connection, swanctl_secret  # noqa: E402
from bench_ike_flood import ike_sa_init  # noqa: E402

IKE_V1 = "aes128-sha256-ecp256"
V1 = {"version": 1, "ike_proposals": [IKE_V1], "psk": "one-secret-for-the-gateway-pair"}
RESPONDER_LIMITS = {"cookie_threshold": 0, "half_open_max": 1000000, "half_open_per_source": 0}


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def log_time(line):
    t = datetime.datetime.strptime(line[:12], "%H:%M:%S.%f")
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def many_charon(lab, n, version):
    """charon with N connections t<i> (identities and selectors as test_many_tunnels.py's
    responder), quiet logging, no COOKIE or blocking thresholds in the way."""
    conns, secrets = [], []
    extra = {"version": 1, "ike": IKE_V1} if version == 1 else {}
    for p in responder_peers(n, **(V1 if version == 1 else {})):
        i = int(p["name"][1:])
        conns.append(swanctl_connection("t%d" % i, RIGHT, LEFT, RIGHT_NET, tunnel_net(i),
                                        "t%d.right.example" % i, "t%d.left.example" % i,
                                        **extra))
        secrets.append(swanctl_secret("t%d" % i, "t%d.left.example" % i,
                                      "t%d.right.example" % i, p["psk"]))
    return Charon(lab, 1, swanctl_conf(conns, secrets), options="cookie_threshold = 1000000\n"
                  "cookie_threshold_ip = 1000000\nblock_threshold = 1000000\n"
                  "init_limit_half_open = 0")


def send_inits(count):
    """Sends count IKE_SA_INIT requests (AES-GCM-16-256, PRF-HMAC-SHA2-256, X25519; fresh
    SPIs) from LEFT to RIGHT:500 at a pace the responder's socket buffer takes (run inside
    the left namespace)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((LEFT, 0))
    for i in range(count):
        s.sendto(ike_sa_init(os.urandom(8), os.urandom(32), os.urandom(32)), (RIGHT, 500))
        if i % 50 == 49:
            time.sleep(0.02)
    print("sent %d IKE_SA_INIT" % count, flush=True)


def half_open_count(resp, charon):
    if charon:
        out = resp.swanctl("--stats", check=False).stdout
        m = re.search(r"IKE_SAs: \d+ total, (\d+) half-open", out)
        return int(m.group(1)) if m else 0
    return sum(1 for s in resp.sas() or [] if s["state"] != "ESTABLISHED")


def measure_half_open(lab, resp, pid, charon, count):
    """KiB of RSS per half-open IKE_SA: count IKE_SA_INIT requests that stay unanswered by an
    IKE_AUTH (within the responder's 30 s half-open timeout)."""
    before = rss_kb(pid)
    sender = lab.spawn(0, [sys.executable, os.path.abspath(__file__), "--send-inits",
                           str(count)], "send-inits-%d.log" % pid)
    sender.wait(timeout=60)
    # Those the socket buffer dropped are not counted: the figure is per half-open SA seen.
    seen = [0]

    def settled():
        c = half_open_count(resp, charon)
        if c >= count or (c == seen[0] and c > 0):
            return c
        seen[0] = c
        return None

    n = wait_for("half-open IKE_SAs on the responder", settled, timeout=30, interval=0.5)
    return (rss_kb(pid) - before) / n, n


def measure(binary, version, responder, n, window):
    extra = V1 if version == 1 else {}
    with Lab("rate%s%d" % (responder[:2], version)) as lab:
        charon = responder == "charon"
        if charon:
            resp = many_charon(lab, n, version)
        else:
            resp = Espnicd(lab, binary, 1, responder_peers(n, **extra), log_level="info",
                           dataplane="record:", **RESPONDER_LIMITS)
            wait_for("responder running", lambda: resp.sas() is not None)
        pid = resp.proc.pid
        before = rss_kb(pid)
        init = Espnicd(lab, binary, 0, initiator_peers(n, **extra), log_level="info",
                       dataplane="record:", start_window=window)

        def done():
            return init.log_text().count("CHILD_SA installed") >= n

        wait_for("%d IKEv%d setups against %s" % (n, version, responder), done, timeout=600,
                 interval=0.2)
        lines = init.log_text().splitlines()
        first = next(log_time(l) for l in lines if re.search(r"initiating (IKE_SA|IKEv1)", l))
        last = [log_time(l) for l in lines if "CHILD_SA installed" in l][n - 1]
        if last < first:
            last += 86400  # midnight (UTC) in between
        if charon:
            ok, installed = wait_for("charon lists them", lambda: (
                lambda c: c if c[0] >= n else None)(resp.ike_sa_counts()), timeout=60)
        else:
            def up():
                c = sum(1 for s in resp.sas() if s["state"] == "ESTABLISHED" and s["children"])
                return c if c >= n else None

            ok = installed = wait_for("the responder's status file", up, timeout=60)
        after = rss_kb(pid)
        assert ok == n and installed >= n, (ok, installed)
        retransmits = init.log_text().count("retransmit ")
        # Killed, not stopped: its IKE_SAs stay up on the responder (no Deletes), and no more
        # IKE comes from it while the half-open figure is taken.
        lab.stop(init.proc, sig=signal.SIGKILL)
        half = measure_half_open(lab, resp, pid, charon, n) if version == 2 else None
        return {"rate": n / max(last - first, 1e-3), "secs": last - first,
                "mem": (after - before) / n, "half": half, "rtx": retransmits}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--espnicd")
    ap.add_argument("--tunnels", type=int, default=300)
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--versions", default="2,1", help="IKE versions to run, in this order")
    ap.add_argument("--long", action="store_true", help="2000 tunnels, window 64")
    ap.add_argument("--send-inits", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.send_inits is not None:
        send_inits(args.send_inits)
        return
    if args.long:
        args.tunnels, args.window = 2000, 64
    need_root()
    need_tools(CHARON, "swanctl")
    binary = os.path.abspath(args.espnicd)
    if "libasan" in subprocess.run(["ldd", binary], stdout=subprocess.PIPE, text=True).stdout:
        print("note: %s is built with AddressSanitizer; its figures are pessimistic "
              "(scripts/build.sh makes a build without it)" % binary)
    for version in (int(v) for v in args.versions.split(",")):
        res = {}
        for responder in ("espnicd", "charon"):
            r = res[responder] = measure(binary, version, responder, args.tunnels, args.window)
            half = (", %.1f KiB per half-open IKE_SA (%d)" % r["half"]) if r["half"] else ""
            print("IKEv%d responder %-8s %d tunnels in %.3f s: %.1f setups/s, %.1f KiB RSS per "
                  "tunnel%s, %d initiator retransmissions"
                  % (version, responder, args.tunnels, r["secs"], r["rate"], r["mem"], half,
                     r["rtx"]), flush=True)
        print("IKEv%d ratio espnicd/charon: %.2f setups/s, %.2f memory per tunnel"
              % (version, res["espnicd"]["rate"] / res["charon"]["rate"],
                 res["espnicd"]["mem"] / max(res["charon"]["mem"], 0.1)), flush=True)


if __name__ == "__main__":
    main()
