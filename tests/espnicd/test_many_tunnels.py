#!/usr/bin/python3
"""espnicd against espnicd with many tunnels between the same two gateways (ctest label
"integration", needs root): N peers on each side sharing the two addresses, told apart by
their identities (the responder picks the peer by IDi) and their traffic selectors (one /32
per tunnel on the initiator's side); the initiator starts them all with start_window
bounding the setups in flight. Every IKE_SA and CHILD_SA must come up, counted from the
status files, and every CHILD_SA must have its mirror image (SPIs, keys) on the other side;
SIGTERM on the initiator deletes them all, on both sides. --version 1: the same with IKEv1
main mode and quick mode.
Also used by tests/bench/bench_ike_setup_rate.py for its configurations."""
import argparse
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from lab import (LEFT, RIGHT, RIGHT_NET, Espnicd, Lab, assert_pairs_match, wait_for,  # noqa: E402
                 wait_progress)


def tunnel_net(i, base=(198, 19, 0)):
    """The initiator's protected address of tunnel i, one /32 each from base.0.0 (198.19.0.0
    by default, a /16; 1024 tunnels take a /22)."""
    a, b, c = base
    return "%d.%d.%d.%d/32" % (a, b, c + i // 256, i % 256)


def initiator_peers(n, remote_addr=RIGHT, remote_net=RIGHT_NET, base=(198, 19, 0), **extra):
    return [dict({"name": "t%d" % i, "psk": "tunnel-%d-secret-key" % i, "remote_addr": remote_addr,
                  "local_id": "fqdn:t%d.left.example" % i,
                  "remote_id": "fqdn:t%d.right.example" % i,
                  "local_ts": [tunnel_net(i, base)], "remote_ts": [remote_net], "start": True},
                 **extra) for i in range(n)]


def responder_peers(n, remote_addr=LEFT, local_net=RIGHT_NET, base=(198, 19, 0), **extra):
    return [dict({"name": "t%d" % i, "psk": "tunnel-%d-secret-key" % i, "remote_addr": remote_addr,
                  "local_id": "fqdn:t%d.right.example" % i,
                  "remote_id": "fqdn:t%d.left.example" % i,
                  "local_ts": [local_net], "remote_ts": [tunnel_net(i, base)]}, **extra)
            for i in range(n)]


def established_count(daemon):
    return sum(1 for s in daemon.sas() or []
               if s["state"] == "ESTABLISHED" and len(s["children"]) == 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--espnicd", required=True)
    ap.add_argument("--tunnels", type=int, default=1000)
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--version", type=int, default=2,
                    help="1: IKEv1 main mode (one PSK for the gateway pair: main mode keys "
                    "the exchange with the PSK before the identities are seen)")
    args = ap.parse_args()
    n, binary = args.tunnels, os.path.abspath(args.espnicd)
    extra = {}
    if args.version == 1:
        extra = {"version": 1, "ike_proposals": ["aes128-sha256-ecp256"],
                 "psk": "one-secret-for-the-gateway-pair"}
    with Lab("many") as lab:
        right = Espnicd(lab, binary, 1, responder_peers(n, **extra), log_level="info",
                        cookie_threshold=4 * args.window)
        wait_for("responder running", lambda: right.sas() is not None)
        t0 = time.monotonic()
        left = Espnicd(lab, binary, 0, initiator_peers(n, **extra), log_level="info",
                       start_window=args.window)
        # However slow the machine (ASan, other jobs): the count must keep growing.
        wait_progress("%d tunnels up on both sides" % n,
                      lambda: (established_count(left), established_count(right)),
                      lambda v: v == (n, n))
        setup = time.monotonic() - t0
        print("%d IKEv%d tunnels up in %.2f s (%.0f per second, window %d)"
              % (n, args.version, setup, n / setup, args.window))
        assert len(left.sas()) == n and len(right.sas()) == n
        # Each responder SA runs the configuration its initiator asked for.
        peers_l = sorted(s["peer"] for s in left.sas())
        assert peers_l == sorted(s["peer"] for s in right.sas()) == sorted(
            "t%d" % i for i in range(n))
        assert len(left.installed()) == n
        assert_pairs_match(left, right)
        by_spi = right.installed()
        for rec in left.installed().values():
            assert by_spi[rec["out"]["spi"]]["remote_ts"] == rec["local_ts"]
        assert "TS_UNACCEPTABLE" not in right.log_text() + left.log_text()
        # SIGTERM deletes every IKE_SA, start_window at a time: all of them answered, so the
        # responder ends up with none (waited for while the count goes down).
        left.proc.send_signal(signal.SIGTERM)
        wait_progress("the responder's IKE_SAs deleted", lambda: len(right.sas() or []),
                      lambda v: v == 0 and right.sas() == [])
        assert left.proc.wait(timeout=60) == 0
        assert "deletes were not answered" not in left.log_text()
    print("PASS %d tunnels (IKEv%d)" % (n, args.version))


if __name__ == "__main__":
    main()
