#!/usr/bin/python3
"""Redundant route-based tunnels with BGP passwords (issue 13; ctest label "integration",
needs root). The two sites of test_route_based.py, each espnicd on its own simulated card
with FRR (zebra, bgpd, bfdd) in its namespace; site B has two local endpoints (198.18.0.2 and
198.18.0.3), so site A has two sessions to the same remote site with two peer addresses:
"tun1" on VLAN 10 (vti10, 198.18.10.0/30) and "tun2" on VLAN 20 (vti20, 198.18.20.0/30),
BGP with BFD over both, every neighbour with a password (TCP MD5) given through the API.

Checked: a bad bgp.password is refused with 400 naming bgp.password; no GET (session, list)
returns a password (bgp.password_configured says one is set), espnicd's logs do not hold it,
the secrets file holding it is 0600, FRR has it; both tunnels UP and both BGP neighbours Established
(with the passwords: FRR's TCP MD5 in the namespaces), LAN B learned over them, pings cross.
Then the failover, twice: with BFD, and with BGP timers only (bfd switched off through an
update of the sessions): a ping from LAN A to LAN B every 10 ms while the tunnel A's packets
use is cut (gw-b drops everything on that tunnel interface, both ways: the tunnel dies in
the data path while IKE lives on); asserted: traffic recovers over the surviving tunnel
(replies resume, the route to LAN B leaves the cut tunnel); printed: lost pings and the
longest gap (the failover time; not asserted, it is wall-clock). The cut is lifted between
the rounds and both neighbours come back. Last, a mismatched password on one of site A's
sessions keeps that neighbour down (TCP MD5 in effect) while the other stays Established; the
right one brings it back; then the session of the tunnel in use is disabled on site A under
the same ping (a planned failover: espnicd takes the neighbour and the SAs away).

    test_route_redundant.py ESPNIC ESPNICD ESPNIC_SIM"""
import json
import os
import stat
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "demo"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, HERE)
from espnic_demo import Gateway  # noqa: E402
from sitelab import GW_A, GW_B, HOST_B, Sites, wait_for  # noqa: E402
from lab import need_root, need_tools  # noqa: E402
from route_lab import (GW_B2, HOST_VLANS, TUNNELS, api_put, bgp_of, both_established,  # noqa: E402
                       failover, new_passwords, prepare_tunnel_interfaces, route_devs,
                       route_text, session_body, start_frr)
from test_route_based import Args, ip_addresses, phase, ping  # noqa: E402

PSK = "route-redundant-test-psk-0123456789"


def main():
    cli, espnicd, sim = (os.path.abspath(a) for a in sys.argv[1:4])
    need_root()
    need_tools("ping", "vtysh", "nft")
    sites = Sites("err%d" % (os.getpid() % 100000), sim, second_card=True,
                  prefix="espnic-route-redundant-",
                  host_vlans=HOST_VLANS)
    ok = False
    figures = []
    passwords = new_passwords()
    try:
        sites.setup()
        prepare_tunnel_interfaces(sites)
        args = Args(cli, espnicd)
        frr = {ns: start_frr(sites, ns) for ns in ("gwa", "gwb")}
        # Site B answers on both of its addresses.
        gw_b = Gateway(sites, args, "B", "gwb", "0.0.0.0", sites.sock_b,
                       extra_config={"frr_vty_socket": frr["gwb"]})
        gw_a = Gateway(sites, args, "A", "gwa", GW_A, sites.sock,
                       extra_config={"frr_vty_socket": frr["gwa"]})
        gw_b.espnic("endpoint", "add", "site-b", "--address", GW_B)
        gw_b.espnic("endpoint", "add", "site-b2", "--address", GW_B2)
        gw_a.espnic("endpoint", "add", "site-a", "--address", GW_A)

        for bad, why in (("has space", "a space"), ("x" * 81, "81 characters"), ("", "empty")):
            body = session_body("A", "tun1", True, PSK, bad)
            code, resp = api_put(gw_a, "/api/v1/ipsec/sessions/bad", body)
            assert code == 400 and resp.get("field") == "bgp.password", (why, code, resp)
            phase("refused (400, field bgp.password, %s): %s" % (why, resp["error_message"]))

        for gw, side in ((gw_b, "B"), (gw_a, "A")):
            for name in TUNNELS:
                code, resp = api_put(gw, "/api/v1/ipsec/sessions/" + name,
                                     session_body(side, name, True, PSK, passwords[name]))
                assert code == 201, (side, name, code, resp)
        phase("two route-based sessions per site, BGP with BFD and passwords")

        # Write-only: no GET shows a password; the flag does.
        for gw in (gw_a, gw_b):
            code, lst = gw.get("/api/v1/ipsec/sessions")
            texts = [json.dumps(lst)]
            for name in TUNNELS:
                code, one = gw.get("/api/v1/ipsec/sessions/" + name)
                assert code == 200 and one["bgp"].get("password_configured") is True, one
                assert "password" not in one["bgp"], one
                texts.append(json.dumps(one))
            for pw in passwords.values():
                assert all(pw not in t for t in texts), "a GET returned a BGP password"
        secrets = [os.path.join(gw_a.state, f) for f in os.listdir(gw_a.state)
                   if passwords["tun1"] in open(os.path.join(gw_a.state, f), errors="replace")
                   .read()] if os.path.isdir(gw_a.state) else []
        assert secrets, "the BGP password is not in espnicd's state"
        for f in secrets:
            assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, (f, oct(os.stat(f).st_mode))
        phase("GET shows bgp.password_configured, never the password; stored in %s (0600)"
              % ", ".join(os.path.basename(f) for f in secrets))

        for name, (_, ifname, tun_a, *_rest) in TUNNELS.items():
            wait_for("%s/30 on gw-a's %s" % (tun_a, ifname),
                     lambda: tun_a + "/30" in ip_addresses(sites, "gwa", ifname), timeout=60)
        wait_for("both route-based sessions UP", lambda: all(
            (gw_a.get("/api/v1/ipsec/sessions/%s/status" % n)[1] or {}).get("status") == "UP"
            for n in TUNNELS), timeout=180)
        t = time.monotonic()
        wait_for("both BGP neighbours Established (TCP MD5), LAN B received, BFD up",
                 lambda: both_established(gw_a, True), timeout=180, interval=0.2)
        phase("BGP over both tunnels (%.1f s after UP): %s" % (
            time.monotonic() - t, "; ".join(json.dumps(bgp_of(gw_a, n)) for n in TUNNELS)))
        wait_for("a route to LAN B via a tunnel", lambda: route_devs(sites), timeout=60)
        phase("A's route to LAN B: %s" % route_text(sites))
        wait_for("a ping LAN A -> LAN B answered", lambda: ping(sites, "lana", HOST_B),
                 timeout=60, interval=0.5)

        figures.append(("BFD", failover(sites, gw_a, True, phase)))

        # BGP timers only: BFD off through an update of all four sessions.
        for gw, side in ((gw_a, "A"), (gw_b, "B")):
            for name in TUNNELS:
                # No psk, no password: the stored ones stay.
                body = session_body(side, name, False, None)
                del body["psk"]
                code, resp = api_put(gw, "/api/v1/ipsec/sessions/" + name, body)
                assert code == 200, (side, name, code, resp)
        code, one = gw_a.get("/api/v1/ipsec/sessions/tun1")
        assert one["bgp"]["bfd"] is False and one["bgp"]["password_configured"] is True, one
        wait_for("both neighbours Established, BFD off", lambda: both_established(gw_a, False)
                 and all("bfd" not in bgp_of(gw_a, n) for n in TUNNELS), timeout=120)
        figures.append(("BGP timers (keepalive 3 s, hold 9 s)",
                        failover(sites, gw_a, False, phase)))

        # The password is in effect (TCP MD5): a different one on site A's tun2 takes that
        # neighbour down while tun1 stays; the right one again brings it back.
        running = sites.exec("gwa", "vtysh", "--vty_socket", frr["gwa"], "-c",
                             "show running-config").stdout
        assert all(pw in running for pw in passwords.values()), "FRR lacks a password"

        def set_password(pw):
            body = session_body("A", "tun2", False, None, pw)
            del body["psk"]
            code, resp = api_put(gw_a, "/api/v1/ipsec/sessions/tun2", body)
            assert code == 200, (code, resp)
        set_password("md5-wrong-" + passwords["tun2"][-8:])
        t = time.monotonic()
        wait_for("tun2's neighbour down with a mismatched password",
                 lambda: bgp_of(gw_a, "tun2").get("state") not in ("Established", None),
                 timeout=120, interval=0.2)
        wait_for("tun2's neighbour still not Established 15 s on (mismatched TCP MD5)",
                 lambda: time.monotonic() - t > 15, timeout=60)
        assert bgp_of(gw_a, "tun2").get("state") != "Established", bgp_of(gw_a, "tun2")
        assert bgp_of(gw_a, "tun1").get("state") == "Established", bgp_of(gw_a, "tun1")
        phase("a mismatched password on tun2: its neighbour %s, tun1 Established"
              % bgp_of(gw_a, "tun2").get("state"))
        set_password(passwords["tun2"])
        wait_for("tun2's neighbour Established again with the right password",
                 lambda: both_established(gw_a, False), timeout=120, interval=0.2)
        phase("the right password again: both neighbours Established")
        # A planned failover: the session of the tunnel in use disabled on site A.
        figures.append(("disabling the session", failover(sites, gw_a, False, phase,
                                                          disable=True)))

        for gw in (gw_a, gw_b):
            log = open(gw.log, errors="replace").read()
            assert all(pw not in log for pw in passwords.values()), "a password in " + gw.log
        phase("no password in espnicd's logs")
        ok = True
    finally:
        if not ok:
            sites.print_logs()
        sites.close()
    for what, (sent, lost, longest) in figures:
        print("FAILOVER %s: %d of %d pings lost at 10 ms intervals, longest gap %.2f s"
              % (what, lost, sent, longest * 0.01), flush=True)
    print("PASS" if ok else "FAIL", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
