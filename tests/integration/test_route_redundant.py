#!/usr/bin/python3
"""Redundant route-based tunnels with BGP passwords (issue 13; ctest label "integration",
needs root). The two sites of test_route_based.py, each espnicd on its own simulated card
with FRR (zebra, bgpd, bfdd) in its namespace; site B has two local endpoints (198.18.0.2 and
198.18.0.3), so site A has two sessions to the same remote site with two peer addresses:
"tun1" on VLAN 10 (vti10, 198.18.10.0/30) and "tun2" on VLAN 20 (vti20, 198.18.20.0/30),
BGP with BFD over both, every neighbour with a password (TCP MD5) given through the API.

Checked: a bad bgp.password is refused with 400 naming bgp.password; no GET (session, list)
returns a password (bgp.password_configured says one is set), espnicd's logs do not hold it,
the secrets file holding it is 0600; both tunnels UP and both BGP neighbours Established
(with the passwords: FRR's TCP MD5 in the namespaces), LAN B learned over them, pings cross.
Then the failover, twice: with BFD, and with BGP timers only (bfd switched off through an
update of the sessions): a ping from LAN A to LAN B every 10 ms while the tunnel A's packets
use is cut (gw-b drops everything on that tunnel interface, both ways: the tunnel dies in
the data path while IKE lives on); asserted: traffic recovers over the surviving tunnel
(replies resume, the route to LAN B leaves the cut tunnel); printed: lost pings and the
longest gap (the failover time; not asserted, it is wall-clock). The cut is lifted between
the rounds and both neighbours come back.

    test_route_redundant.py ESPNIC ESPNICD ESPNIC_SIM"""
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "demo"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, HERE)
from espnic_demo import Gateway  # noqa: E402
from sitelab import GW_A, GW_B, HOST_B, NET_A, NET_B, Sites, wait_for  # noqa: E402
from lab import need_root, need_tools  # noqa: E402
from test_route_based import Args, api_put, ip_addresses, phase, ping, start_frr  # noqa: E402

GW_B2 = "198.18.0.3"
# name: (VLAN, interface, A's tunnel address, B's, A's MAC, B's MAC, B's endpoint, B's address)
TUNNELS = {
    "tun1": (10, "vti10", "198.18.10.1", "198.18.10.2", "02:00:00:00:10:0a",
             "02:00:00:00:10:0b", "site-b", GW_B),
    "tun2": (20, "vti20", "198.18.20.1", "198.18.20.2", "02:00:00:00:20:0a",
             "02:00:00:00:20:0b", "site-b2", GW_B2),
}
PASSWORDS = {"tun1": "md5-Tunnel1-9f3a7c", "tun2": "md5-Tunnel2-41d0be"}
PSK = "route-redundant-test-psk-0123456789"


def session_body(side, name, bfd):
    vid, ifname, tun_a, tun_b, _, _, ep_b, addr_b = TUNNELS[name]
    a = side == "A"
    body = {"resource_type": "RouteBasedIPSecVpnSession",
            "local_endpoint": "site-a" if a else ep_b,
            "peer_address": addr_b if a else GW_A, "psk": PSK, "vlan": vid,
            "tunnel_interface": (tun_a if a else tun_b) + "/30",
            "tunnel_interface_name": ifname,
            "bgp": {"local_asn": 65001 if a else 65002, "peer_asn": 65002 if a else 65001,
                    "keepalive_time": 3, "hold_down_time": 9, "announce": [NET_A if a else NET_B],
                    "bfd": bfd, "password": PASSWORDS[name]}}
    if not a:
        body["connection_initiation_mode"] = "RESPOND_ONLY"
    return body


def bgp_of(gw, name):
    code, st = gw.get("/api/v1/ipsec/sessions/%s/status" % name)
    return ((st or {}).get("tunnel_interface") or {}).get("bgp") or {} if code == 200 else {}


def both_established(gw, bfd):
    for name in TUNNELS:
        b = bgp_of(gw, name)
        if b.get("state") != "Established" or not b.get("prefixes_received"):
            return False
        if bfd and b.get("bfd") != "Up":
            return False
    return True


class Pinger:
    """ping -i 0.01 from LAN A to LAN B; the sequence numbers answered, as they come."""

    def __init__(self, sites):
        self.p = subprocess.Popen(["ip", "netns", "exec", sites.ns["lana"], "ping", "-i", "0.01",
                                   "-W", "1", HOST_B], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.answered, self.last = set(), 0
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            m = re.search(r"icmp_seq=(\d+) ttl=", line)
            if m:
                with self.lock:
                    self.answered.add(int(m.group(1)))
                    self.last = max(self.last, int(m.group(1)))

    def latest(self):
        with self.lock:
            return self.last

    def answered_after(self, seq):
        with self.lock:
            return sum(1 for s in self.answered if s > seq)

    def stop(self):
        """(sent, lost, longest run of consecutive losses) over the whole run."""
        self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.t.join(timeout=5)
        with self.lock:
            got = sorted(self.answered)
        if not got:
            return 0, 0, 0
        first, last = got[0], got[-1]
        gap, longest, lost = 0, 0, 0
        for s in range(first, last + 1):
            if s in self.answered:
                gap = 0
            else:
                lost += 1
                gap += 1
                longest = max(longest, gap)
        return last - first + 1, lost, longest


def route_devs(sites):
    return set(re.findall(r"dev (vti\d+)", sites.exec("gwa", "ip", "route", "show", NET_B).stdout))


def failover(sites, gw_a, lan_if, bfd):
    """Cuts the tunnel that carries LAN A -> LAN B; returns (sent, lost, longest gap)."""
    out = sites.exec("gwa", "ip", "route", "get", HOST_B, "from", "198.19.1.10", "iif",
                     lan_if).stdout
    cut = re.search(r"dev (vti\d+)", out).group(1)
    other = "vti20" if cut == "vti10" else "vti10"
    pinger = Pinger(sites)
    try:
        wait_for("pings answered before the cut", lambda: pinger.answered_after(0) >= 50,
                 timeout=60)
        phase("cutting %s (A's route to LAN B: %s); ping every 10 ms running"
              % (cut, sites.exec("gwa", "ip", "route", "show", NET_B).stdout.strip()
                 .replace("\n", " | ")))
        rules = ("table inet cut {\n"
                 " chain i { type filter hook input priority 0; iifname \"%s\" drop; }\n"
                 " chain f { type filter hook forward priority 0; iifname \"%s\" drop; "
                 "oifname \"%s\" drop; }\n"
                 " chain o { type filter hook output priority 0; oifname \"%s\" drop; }\n"
                 "}\n" % ((cut,) * 4))
        subprocess.run(["ip", "netns", "exec", sites.ns["gwb"], "nft", "-f", "-"],
                       input=rules, text=True, check=True)
        at_cut = pinger.latest()
        wait_for("the route to LAN B off %s" % cut,
                 lambda: route_devs(sites) == {other}, timeout=60, interval=0.05)
        wait_for("pings answered again over %s" % other,
                 lambda: pinger.answered_after(at_cut) >= 100, timeout=60, interval=0.05)
    finally:
        sent, lost, longest = pinger.stop()
    phase("failover (%s): %d pings sent, %d lost, longest gap %d pings = %.2f s; traffic "
          "recovered over %s" % ("BFD" if bfd else "BGP timers 3/9 s only", sent, lost,
                                 longest, longest * 0.01, other))
    subprocess.run(["ip", "netns", "exec", sites.ns["gwb"], "nft", "delete", "table", "inet",
                    "cut"], check=True)
    wait_for("both neighbours Established again", lambda: both_established(gw_a, bfd),
             timeout=120, interval=0.2)
    wait_for("a route to LAN B again", lambda: route_devs(sites), timeout=60)
    return sent, lost, longest


def main():
    cli, espnicd, sim = (os.path.abspath(a) for a in sys.argv[1:4])
    need_root()
    need_tools("ping", "vtysh", "nft")
    sites = Sites("err%d" % (os.getpid() % 100000), sim, second_card=True,
                  prefix="espnic-route-redundant-",
                  host_vlans={t[0]: t[1] for t in TUNNELS.values()})
    ok = False
    figures = []
    try:
        sites.setup()
        sites.ip("gwb", "addr", "add", GW_B2 + "/24", "dev", "espnic0")
        for name, (vid, ifname, tun_a, tun_b, mac_a, mac_b, _, _) in TUNNELS.items():
            for ns, mac, peer, peer_mac in (("gwa", mac_a, tun_b, mac_b),
                                            ("gwb", mac_b, tun_a, mac_a)):
                wait_for("%s's %s" % (ns, ifname), lambda: sites.exec(
                    ns, "ip", "link", "show", ifname, check=False).returncode == 0, timeout=30)
                sites.ip(ns, "link", "set", ifname, "address", mac, "mtu", "1400")
                sites.ip(ns, "neigh", "replace", peer, "lladdr", peer_mac, "dev", ifname,
                         "nud", "permanent")
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
            body = session_body("A", "tun1", True)
            body["bgp"]["password"] = bad
            code, resp = api_put(gw_a, "/api/v1/ipsec/sessions/bad", body)
            assert code == 400 and resp.get("field") == "bgp.password", (why, code, resp)
            phase("refused (400, field bgp.password, %s): %s" % (why, resp["error_message"]))

        for gw, side in ((gw_b, "B"), (gw_a, "A")):
            for name in TUNNELS:
                code, resp = api_put(gw, "/api/v1/ipsec/sessions/" + name,
                                     session_body(side, name, True))
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
            for pw in PASSWORDS.values():
                assert all(pw not in t for t in texts), "a GET returned a BGP password"
        secrets = [os.path.join(gw_a.state, f) for f in os.listdir(gw_a.state)
                   if PASSWORDS["tun1"] in open(os.path.join(gw_a.state, f), errors="replace")
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
        phase("A's route to LAN B: %s" % sites.exec("gwa", "ip", "route", "show", NET_B)
              .stdout.strip().replace("\n", " | "))
        wait_for("a ping LAN A -> LAN B answered", lambda: ping(sites, "lana", HOST_B),
                 timeout=60, interval=0.5)

        lan_if = "g" + sites.lan_if["lana"][1:]
        figures.append(("BFD", failover(sites, gw_a, lan_if, True)))

        # BGP timers only: BFD off through an update of all four sessions.
        for gw, side in ((gw_a, "A"), (gw_b, "B")):
            for name in TUNNELS:
                body = session_body(side, name, False)
                del body["psk"]
                del body["bgp"]["password"]  # absent: the stored one stays
                code, resp = api_put(gw, "/api/v1/ipsec/sessions/" + name, body)
                assert code == 200, (side, name, code, resp)
        code, one = gw_a.get("/api/v1/ipsec/sessions/tun1")
        assert one["bgp"]["bfd"] is False and one["bgp"]["password_configured"] is True, one
        wait_for("both neighbours Established, BFD off", lambda: both_established(gw_a, False)
                 and all("bfd" not in bgp_of(gw_a, n) for n in TUNNELS), timeout=120)
        figures.append(("BGP timers (keepalive 3 s, hold 9 s)",
                        failover(sites, gw_a, lan_if, False)))

        for gw in (gw_a, gw_b):
            log = open(gw.log, errors="replace").read()
            assert all(pw not in log for pw in PASSWORDS.values()), "a password in " + gw.log
        phase("no password in espnicd's logs")
        ok = True
    finally:
        if not ok:
            for log in sites.logs:
                print("== %s\n%s" % (log, sites.log_tail(log, 6000)))
        sites.close()
    for what, (sent, lost, longest) in figures:
        print("FAILOVER %s: %d of %d pings lost at 10 ms intervals, longest gap %.2f s"
              % (what, lost, sent, longest * 0.01), flush=True)
    print("PASS" if ok else "FAIL", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
