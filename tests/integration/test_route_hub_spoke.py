#!/usr/bin/python3
"""Hub and spoke with route-based sessions and BGP (issue 13; ctest label "integration",
needs root). Four gateways, each espnicd on its own simulated card with FRR (zebra, bgpd,
bfdd) in its namespace: the hub (198.18.0.1, AS 65000) and three spokes (198.18.0.11 to .13,
AS 65001 to 65003), the cards' wires TAPs on one bridge (namespace "wire"). The hub has a
route-based session to each spoke (VLAN 10+i, tunnel 198.18.1i.0/30, hub .1, spoke .2); each
spoke one to the hub and a LAN 198.19.1i.0/24 with a host at .10 that it announces. The hub
passes each spoke's prefix on to the others (eBGP, next hop itself), so spoke to spoke traffic
goes through the hub's card: decrypted from one tunnel, routed by the hub's kernel into the
other tunnel interface, encrypted again.

Checked: the hub's three sessions UP and its three neighbours Established; every spoke learns
the other two spokes' LANs into its tunnel interface; pings between every pair of spoke LANs
are answered; the hub's card decrypted and protected at least as many packets as the pings
crossing it (each crosses it twice, each way); no LAN or tunnel address and no VLAN tag on the
hub's wire.

    test_route_hub_spoke.py ESPNIC ESPNICD ESPNIC_SIM"""
import json
import os
import re
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "demo"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, HERE)
from espnic_demo import Gateway  # noqa: E402
from sitelab import Sites, run, wait_for  # noqa: E402
from lab import need_root, need_tools  # noqa: E402
from route_lab import api_put, bgp_of, start_frr  # noqa: E402
from test_route_based import Args, phase  # noqa: E402
from test_session_toggle import read_pcap  # noqa: E402

HUB = "198.18.0.1"
SPOKES = (1, 2, 3)
PSK = "hub-and-spoke-test-psk-0123456789"


def spoke_addr(i):
    return "198.18.0.1%d" % i


def lan(i):
    return "198.19.1%d.0/24" % i


def lan_host(i):
    return "198.19.1%d.10" % i


def tunnel(i, hub):
    return "198.18.1%d.%d" % (i, 1 if hub else 2)


class HubSites(Sites):
    """The hub's and the spokes' namespaces (gw-hub, gw-s1..3, lan-s1..3, wire), a card per
    gateway (host port espnic0, VLAN TAPs vti1i), the cards' wire TAPs on a bridge."""

    def __init__(self, tag, sim_bin):
        super().__init__(tag, sim_bin, prefix="espnic-hub-spoke-")
        keys = ["wire", "gwhub"] + ["gws%d" % i for i in SPOKES] + ["lans%d" % i for i in SPOKES]
        self.ns = {k: "%s-%s" % (tag, k) for k in keys}
        self.sock_of = {}

    def setup(self):
        self.add_namespaces()
        self.ip("wire", "link", "add", "br0", "type", "bridge")
        self.ip("wire", "link", "set", "br0", "up")
        env = dict(os.environ, ESPNIC_RUN_DIR=self.dir)
        suffix = "%d" % (os.getpid() % 100000)
        sites = [("hub", HUB, [(i, "vti1%d" % i) for i in SPOKES])] + \
            [("s%d" % i, spoke_addr(i), [(i, "vti1%d" % i)]) for i in SPOKES]
        for name, addr, vlans in sites:
            gw = "gw" + name
            self.sysctl(gw, "net.ipv4.ip_forward=1")
            card = name + suffix[-6:]
            sock = self.path(card + ".sock")
            self.sock_of[name] = sock
            argv = [self.sim_bin, "run", "--name", card, "--host", "tap:espnic0", "--wire",
                    "tap:ew" + name, "--socket", sock]
            if name == "hub":
                argv += ["--wire-capture", self.pcap]
            for i, ifname in vlans:
                argv += ["--host-vlan", "%d=%s" % (10 + i, ifname)]
            p = self.spawn(gw, argv, "card-%s.log" % name, env=env)
            self._wait_card(p, sock)
            wait_for("card %s's wire TAP" % name, lambda: run(
                "ip", "-n", self.ns[gw], "link", "show", "ew" + name, check=False)
                .returncode == 0, timeout=10)
            self.ip(gw, "link", "set", "ew" + name, "netns", self.ns["wire"])
            self.ip("wire", "link", "set", "ew" + name, "master", "br0", "up")
            self.ip(gw, "link", "set", "espnic0", "mtu", "1500", "up")
            self.ip(gw, "addr", "add", addr + "/24", "dev", "espnic0")
            for i, ifname in vlans:
                wait_for("%s's %s" % (gw, ifname), lambda: self.exec(
                    gw, "ip", "link", "show", ifname, check=False).returncode == 0, timeout=30)
                hub = name == "hub"
                self.ip(gw, "link", "set", ifname, "address",
                        "02:00:00:00:1%d:%s" % (i, "0a" if hub else "0b"), "mtu", "1400")
                self.ip(gw, "neigh", "replace", tunnel(i, not hub), "lladdr",
                        "02:00:00:00:1%d:%s" % (i, "0b" if hub else "0a"), "dev", ifname,
                        "nud", "permanent")
        for i in SPOKES:
            h, g = "h%s%d" % (suffix, i), "g%s%d" % (suffix, i)
            run("ip", "link", "add", h, "netns", self.ns["lans%d" % i], "type", "veth", "peer",
                "name", g, "netns", self.ns["gws%d" % i])
            self.ip("lans%d" % i, "addr", "add", lan_host(i) + "/24", "dev", h)
            self.ip("lans%d" % i, "link", "set", h, "up")
            self.ip("lans%d" % i, "route", "add", "default", "via", "198.19.1%d.1" % i)
            self.ip("gws%d" % i, "addr", "add", "198.19.1%d.1/24" % i, "dev", g)
            self.ip("gws%d" % i, "link", "set", g, "up")


def body(hub, i):
    b = {"resource_type": "RouteBasedIPSecVpnSession",
         "local_endpoint": "hub" if hub else "spoke",
         "peer_address": spoke_addr(i) if hub else HUB, "psk": PSK, "vlan": 10 + i,
         "tunnel_interface": tunnel(i, hub) + "/30", "tunnel_interface_name": "vti1%d" % i,
         "bgp": {"local_asn": 65000 if hub else 65000 + i, "peer_asn": 65000 + i if hub else 65000,
                 "keepalive_time": 3, "hold_down_time": 9, "announce": [] if hub else [lan(i)],
                 "bfd": True}}
    if hub:
        b["connection_initiation_mode"] = "RESPOND_ONLY"
    return b


def wire_leaks(frames):
    """Tagged frames, and IPv4 headers with a LAN or tunnel address (198.19.0.0/16, the
    tunnels' 198.18.1x.0/30): what should only cross inside ESP. (The gateways' own traffic on
    the wire, such as IGMP reports from 0.0.0.0, is not the tunnels'.)"""
    leaks = []
    for _, fr in frames:
        etype = struct.unpack("!H", fr[12:14])[0] if len(fr) >= 14 else 0
        if etype == 0x8100:
            leaks.append("802.1Q-tagged frame")
        elif etype == 0x0800 and len(fr) >= 34:
            for a in (fr[26:30], fr[30:34]):
                if a[:2] == bytes([198, 19]) or (a[:2] == bytes([198, 18]) and 11 <= a[2] <= 13):
                    leaks.append("IPv4 %s -> %s proto %d" % (
                        ".".join(map(str, fr[26:30])), ".".join(map(str, fr[30:34])), fr[23]))
                    break
    return leaks


def main():
    cli, espnicd, sim = (os.path.abspath(a) for a in sys.argv[1:4])
    need_root()
    need_tools("ping", "vtysh", "/usr/lib/frr/bgpd")
    sites = HubSites("ehs%d" % (os.getpid() % 100000), sim)
    ok = False
    try:
        sites.setup()
        phase("four cards on one wire (a bridge): hub %s, spokes %s" % (
            HUB, ", ".join(spoke_addr(i) for i in SPOKES)))
        args = Args(cli, espnicd)
        gws = {}
        for name in ["hub"] + ["s%d" % i for i in SPOKES]:
            frr = start_frr(sites, "gw" + name)
            gws[name] = Gateway(sites, args, name, "gw" + name,
                                HUB if name == "hub" else spoke_addr(int(name[1])),
                                sites.sock_of[name], extra_config={"frr_vty_socket": frr})
        gws["hub"].espnic("endpoint", "add", "hub", "--address", HUB)
        for i in SPOKES:
            code, resp = api_put(gws["hub"], "/api/v1/ipsec/sessions/spoke%d" % i, body(True, i))
            assert code == 201, (code, resp)
        for i in SPOKES:
            gw = gws["s%d" % i]
            gw.espnic("endpoint", "add", "spoke", "--address", spoke_addr(i))
            code, resp = api_put(gw, "/api/v1/ipsec/sessions/hub", body(False, i))
            assert code == 201, (code, resp)
        phase("hub: three route-based sessions (VLANs 11-13) with BGP; each spoke one")

        def hub_ready():
            for i in SPOKES:
                code, st = gws["hub"].get("/api/v1/ipsec/sessions/spoke%d/status" % i)
                b = ((st or {}).get("tunnel_interface") or {}).get("bgp") or {}
                if code != 200 or st.get("status") != "UP" or b.get("state") != "Established":
                    return False
            return True
        t = time.monotonic()
        wait_for("the hub's three sessions UP, BGP Established", hub_ready, timeout=300,
                 interval=0.5)
        phase("hub: three sessions UP, BGP Established (%.1f s): %s" % (
            time.monotonic() - t,
            "; ".join(json.dumps(bgp_of(gws["hub"], "spoke%d" % i)) for i in SPOKES)))
        for i in SPOKES:
            for j in SPOKES:
                if i == j:
                    continue
                wait_for("spoke %d's route to spoke %d's LAN into vti1%d" % (i, j, i), lambda: (
                    "dev vti1%d" % i) in sites.exec("gws%d" % i, "ip", "route", "show",
                                                    lan(j)).stdout, timeout=120)
            phase("spoke %d's routes: %s" % (i, " | ".join(
                line.strip() for line in sites.exec("gws%d" % i, "ip", "route", "show",
                                                    "proto", "bgp").stdout.splitlines())))
        before = gws["hub"].card_counters()
        pairs = [(1, 2), (2, 3), (3, 1)]
        for i, j in pairs:
            wait_for("a ping spoke %d LAN -> spoke %d LAN answered" % (i, j), lambda: sites.exec(
                "lans%d" % i, "ping", "-c", "1", "-W", "2", lan_host(j), check=False)
                .returncode == 0, timeout=60, interval=0.5)
            r = sites.exec("lans%d" % i, "ping", "-c", "5", "-i", "0.2", "-W", "5", lan_host(j),
                           check=False)
            got = re.search(r"(\d+) received", r.stdout)
            assert got and int(got.group(1)) == 5, r.stdout
            phase("spoke %d LAN -> spoke %d LAN through the hub: 5 of 5 answered (%s)" % (
                i, j, r.stdout.strip().splitlines()[-1]))
        after = gws["hub"].card_counters()
        dec = after.get("in_decrypted", 0) - before.get("in_decrypted", 0)
        prot = after.get("eg_protected", 0) - before.get("eg_protected", 0)
        phase("hub's card over the pings: %d decrypted, %d protected" % (dec, prot))
        # 3 pairs x 5 pings, each request and reply decrypted and re-encrypted once at the hub
        assert dec >= 30 and prot >= 30, (before, after)
        frames = read_pcap(sites.pcap)
        leaks = wire_leaks(frames)
        phase("the hub's wire: %d frames, %d leaks" % (len(frames), len(leaks)))
        assert not leaks, leaks[:5]
        ok = True
    finally:
        if not ok:
            sites.print_logs(4000)
        sites.close()
    print("PASS" if ok else "FAIL", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
