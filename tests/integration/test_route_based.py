#!/usr/bin/python3
"""A route-based session between two espnicd gateways, each on its own simulated card
(issue 13; ctest label "integration", needs root). The sites of host/demo/sitelab.py with a
second card; each card's host port VLAN 10 is the tunnel interface `vti10` in its gateway's
namespace (espnic-sim --host-vlan: this kernel has no 8021q module for espnic0.10).

Through the API: a RouteBasedIPSecVpnSession on each side, VLAN 10, tunnel addresses
198.18.10.1/30 and 198.18.10.2/30; site A initiates. Mode "static" (the `espnic` CLI): each
site's static route to the other's LAN into the tunnel interface. Mode "bgp": FRR (zebra,
bgpd) in each gateway's namespace, each session's "bgp" object (AS 65001 and 65002, each
announcing its LAN): BGP comes up over the tunnel interfaces and each site learns the other's
LAN (the session status shows the neighbour Established and the prefix received; zebra's
route is in the kernel). Checked in both: espnicd puts the address (and the static route)
on vti10; the session comes UP with selectors 0.0.0.0/0; pings from LAN A to LAN B and
between the tunnel addresses are answered; the card's SA counts them; the wire (card A's
capture) carries only ESP and IKE: no frame with a LAN or tunnel address in its IPv4 header,
no 802.1Q tag. Refused with 400 naming the field: a tunnel address that is a /30's network
address, a /24, networks on a route-based session, and a second session on VLAN 10.

The tunnel interfaces' neighbour entries for the peer's end are static (the test's, see
docs/api.md): ARP on the VLAN would cross the wire tagged and in the clear.

    test_route_based.py ESPNIC ESPNICD ESPNIC_SIM static|bgp"""
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
from espnic_demo import SESSION, Gateway  # noqa: E402
from sitelab import GW_A, GW_B, HOST_B, NET_A, NET_B, Sites, wait_for  # noqa: E402
from lab import need_root, need_tools  # noqa: E402
from test_session_toggle import read_pcap  # noqa: E402
from route_lab import api_put, start_frr  # noqa: E402

VID, VTI = 10, "vti10"
TUN_A, TUN_B = "198.18.10.1", "198.18.10.2"
MAC_A, MAC_B = "02:00:00:00:10:0a", "02:00:00:00:10:0b"
T0 = time.monotonic()


def phase(what):
    print("[%6.1f s] %s" % (time.monotonic() - T0, what), flush=True)


class Args:
    def __init__(self, cli, espnicd):
        self.cli, self.espnicd = cli, espnicd


def refused(gw, body, field):
    """A session body espnicd must refuse with 400 naming field."""
    code, resp = api_put(gw, "/api/v1/ipsec/sessions/bad", body)
    assert code == 400 and resp.get("field") == field, (body, code, resp)
    phase("refused (400, field %s): %s" % (field, resp["error_message"]))


def bgp_session(gw, endpoint, peer, tunnel, my_as, peer_as, lan, respond):
    body = {"resource_type": "RouteBasedIPSecVpnSession", "local_endpoint": endpoint,
            "peer_address": peer, "psk": open(gw.psk).read(), "vlan": VID,
            "tunnel_interface": tunnel, "tunnel_interface_name": VTI,
            "bgp": {"local_asn": my_as, "peer_asn": peer_as, "keepalive_time": 3,
                    "hold_down_time": 9, "announce": [lan], "bfd": True}}
    if respond:
        body["connection_initiation_mode"] = "RESPOND_ONLY"
    code, resp = api_put(gw, "/api/v1/ipsec/sessions/" + SESSION, body)
    assert code == 201, (code, resp)


def ip_addresses(sites, ns, dev):
    return sites.exec(ns, "ip", "-4", "-o", "addr", "show", "dev", dev, check=False).stdout


def ping(sites, ns, *args):
    return sites.exec(ns, "ping", "-c", "1", "-W", "2", *args, check=False).returncode == 0


def full_size(sites):
    """The tunnel interfaces carry the MTU espnicd gives them (the card's 1500 less ESP in
    UDP: 1438), so full-size packets from a 1500-byte LAN never meet the card's MTU drop: a
    1438-byte ping crosses, a 1500-byte one with DF gets "fragmentation needed" with that
    MTU from gateway A, and one without DF crosses in fragments."""
    for ns in ("gwa", "gwb"):
        wait_for("%s's %s at MTU 1438" % (ns, VTI),
                 lambda: re.search(r"\bmtu 1438\b", sites.exec(ns, "ip", "link", "show",
                                                               VTI).stdout), timeout=60)
    assert ping(sites, "lana", "-M", "do", "-s", "1410", HOST_B), "1438-byte ping with DF lost"
    r = sites.exec("lana", "ping", "-c", "1", "-W", "5", "-M", "do", "-s", "1472", HOST_B,
                   check=False)
    out = (r.stdout or "") + (r.stderr or "")
    assert re.search(r"mtu ?= ?1438", out), out
    assert ping(sites, "lana", "-M", "dont", "-s", "1472", HOST_B), "1500-byte ping lost"
    phase("full size: 1438 B with DF crosses, 1500 B with DF told mtu 1438, without DF "
          "crosses in fragments")


def wire_leaks(frames):
    """Frames on the wire that are neither ESP nor IKE between the gateways: tagged frames,
    and IPv4 headers with any other address (LANs, tunnel addresses)."""
    gws = {bytes(map(int, a.split("."))) for a in (GW_A, GW_B)}
    leaks = []
    for _, fr in frames:
        etype = struct.unpack("!H", fr[12:14])[0] if len(fr) >= 14 else 0
        if etype == 0x8100:
            leaks.append("802.1Q-tagged frame")
        elif etype == 0x0800 and len(fr) >= 34:
            src, dst, proto = fr[26:30], fr[30:34], fr[23]
            if src not in gws or dst not in gws or proto not in (17, 50):
                leaks.append("IPv4 %s -> %s proto %d" % (".".join(map(str, src)),
                                                         ".".join(map(str, dst)), proto))
    return leaks


def main():
    cli, espnicd, sim = (os.path.abspath(a) for a in sys.argv[1:4])
    mode = sys.argv[4]
    need_root()
    need_tools("ping")
    if mode == "bgp":
        need_tools("vtysh")
    sites = Sites("erb%d" % (os.getpid() % 100000), sim, second_card=True,
                  prefix="espnic-route-based-", host_vlans={VID: VTI})
    ok = False
    try:
        sites.setup()
        for ns, mac, peer, peer_mac in (("gwa", MAC_A, TUN_B, MAC_B), ("gwb", MAC_B, TUN_A, MAC_A)):
            wait_for("%s's tunnel interface TAP" % ns,
                     lambda: sites.exec(ns, "ip", "link", "show", VTI, check=False).returncode == 0,
                     timeout=30)
            sites.ip(ns, "link", "set", VTI, "address", mac)
            sites.ip(ns, "neigh", "replace", peer, "lladdr", peer_mac, "dev", VTI, "nud",
                     "permanent")
        args = Args(cli, espnicd)
        psk = sites.path("psk")
        fd = os.open(psk, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("route-based-test-psk-0123456789")
        frr = {ns: start_frr(sites, ns) for ns in ("gwa", "gwb")} if mode == "bgp" else {}
        gw_b = Gateway(sites, args, "B", "gwb", GW_B, sites.sock_b,
                       extra_config={"frr_vty_socket": frr["gwb"]} if frr else None)
        gw_a = Gateway(sites, args, "A", "gwa", GW_A, sites.sock,
                       extra_config={"frr_vty_socket": frr["gwa"]} if frr else None)
        gw_a.psk = gw_b.psk = psk
        common = ["--type", "RouteBasedIPSecVpnSession", "--vlan", str(VID),
                  "--tunnel-interface-name", VTI, "--psk-file", psk]
        gw_b.espnic("endpoint", "add", "site-b", "--address", GW_B)
        gw_a.espnic("endpoint", "add", "site-a", "--address", GW_A)
        if mode == "bgp":
            bgp_session(gw_b, "site-b", GW_A, TUN_B + "/30", 65002, 65001, NET_B, True)
            bgp_session(gw_a, "site-a", GW_B, TUN_A + "/30", 65001, 65002, NET_A, False)
        else:
            gw_b.espnic("session", "add", SESSION, "--endpoint", "site-b", "--peer", GW_A,
                        "--tunnel-interface", TUN_B + "/30", "--static-routes", NET_A,
                        "--initiation", "RESPOND_ONLY", *common)
            gw_a.espnic("session", "add", SESSION, "--endpoint", "site-a", "--peer", GW_B,
                        "--tunnel-interface", TUN_A + "/30", "--static-routes", NET_B,
                        *common)
        phase("sessions added; waiting for espnicd's address and route on %s" % VTI)
        wait_for("198.18.10.1/30 on gw-a's vti10",
                 lambda: TUN_A + "/30" in ip_addresses(sites, "gwa", VTI), timeout=60)

        def up():
            st = gw_a.status()
            return st if st and st.get("status") == "UP" else None
        st = wait_for("the route-based session UP", up, timeout=120)
        phase("UP: %s" % json.dumps(st)[:300])
        if mode == "bgp":
            def learned():
                st = gw_a.status() or {}
                b = st.get("tunnel_interface", {}).get("bgp") or {}
                return b if (b.get("state") == "Established" and b.get("prefixes_received")
                             and b.get("bfd") == "Up") else None
            t = time.monotonic()
            b = wait_for("BGP Established over vti10 with LAN B received, BFD up", learned,
                         timeout=120)
            phase("BGP over the tunnel interface: %s (%.1f s after UP)"
                  % (json.dumps(b), time.monotonic() - t))
        wait_for("the route to LAN B into vti10",
                 lambda: "via " + TUN_B in sites.exec("gwa", "ip", "route", "show", NET_B).stdout,
                 timeout=60)
        wait_for("the route to LAN A into gw-b's vti10",
                 lambda: "via " + TUN_A in sites.exec("gwb", "ip", "route", "show", NET_A).stdout,
                 timeout=60)
        phase("routes: A %s; B %s" % (sites.exec("gwa", "ip", "route", "show", NET_B).stdout.strip(),
                                      sites.exec("gwb", "ip", "route", "show", NET_A).stdout.strip()))

        wait_for("a ping LAN A -> LAN B answered", lambda: ping(sites, "lana", HOST_B),
                 timeout=60, interval=0.5)
        wait_for("a ping between the tunnel addresses answered",
                 lambda: ping(sites, "gwb", "-I", TUN_B, TUN_A), timeout=60, interval=0.5)
        r = sites.exec("lana", "ping", "-c", "5", "-i", "0.2", "-W", "5", HOST_B, check=False)
        got = re.search(r"(\d+) received", r.stdout)
        assert got and int(got.group(1)) == 5, r.stdout
        phase("pings through the tunnel interfaces: 5 of 5 answered")
        full_size(sites)
        stats = gw_a.card_counters()
        assert stats.get("eg_protected", 0) >= 5 and stats.get("in_decrypted", 0) >= 5, stats

        frames = read_pcap(sites.pcap)
        leaks = wire_leaks(frames)
        esp = sum(1 for _, fr in frames if len(fr) >= 34 and fr[12:14] == b"\x08\x00"
                  and fr[23] == 50)
        phase("the wire: %d frames, %d ESP, %d leaks" % (len(frames), esp, len(leaks)))
        assert esp >= 10 and not leaks, leaks[:5]

        base = {"resource_type": "RouteBasedIPSecVpnSession", "local_endpoint": "site-a",
                "peer_address": "198.18.0.9", "psk": "another-psk-0123456789abcdef",
                "vlan": 11, "tunnel_interface": "198.18.11.1/30"}
        refused(gw_a, dict(base, tunnel_interface="198.18.11.0/30"), "tunnel_interface")
        refused(gw_a, dict(base, tunnel_interface="198.18.11.1/24"), "tunnel_interface")
        refused(gw_a, dict(base, local_networks=[NET_A]), "local_networks")
        refused(gw_a, dict(base, vlan=VID), "vlan")
        refused(gw_a, dict(base, vlan=4095), "vlan")

        gw_a.espnic("session", "delete", SESSION)
        wait_for("vti10's address taken away with the session",
                 lambda: TUN_A not in ip_addresses(sites, "gwa", VTI), timeout=60)
        wait_for("the route to LAN B withdrawn with the session",
                 lambda: NET_B not in sites.exec("gwa", "ip", "route", "show", NET_B).stdout,
                 timeout=60)
        phase("session deleted: address and route gone")
        ok = True
    finally:
        if not ok:
            sites.print_logs()
        sites.close()
    print("PASS" if ok else "FAIL", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
