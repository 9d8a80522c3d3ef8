"""route_lab.py: two sites with redundant route-based tunnels and BGP (issue 13), shared by
`espnic demo --route-based` (espnic_demo.py) and tests/integration/test_route_redundant.py.

The sites of sitelab.py with two cards. Site B has two local endpoints (198.18.0.2 and
198.18.0.3), so site A has two route-based sessions to the one remote site, with two peer
addresses: "tun1" on VLAN 10 (interface vti10, 198.18.10.0/30) and "tun2" on VLAN 20 (vti20,
198.18.20.0/30). FRR (zebra, bgpd, bfdd) runs in each gateway's namespace; every session has
a "bgp" object (AS 65001 and 65002, each site announcing its LAN, keepalive 3 s, hold 9 s,
BFD, a password: TCP MD5). failover() cuts the tunnel that carries LAN A -> LAN B in the data
path (gw-b drops everything on that tunnel interface, both ways, with nftables: IKE lives on)
while a ping runs every 10 ms, waits for the traffic to come back over the other tunnel and
returns the lost pings; the cut is lifted again."""
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time

from sitelab import GW_A, GW_B, HOST_A, HOST_B, NET_A, NET_B, UnixHTTP, wait_for

GW_B2 = "198.18.0.3"
# name: (VLAN, interface, A's tunnel address, B's, A's MAC, B's MAC, B's endpoint, B's address)
TUNNELS = {
    "tun1": (10, "vti10", "198.18.10.1", "198.18.10.2", "02:00:00:00:10:0a",
             "02:00:00:00:10:0b", "site-b", GW_B),
    "tun2": (20, "vti20", "198.18.20.1", "198.18.20.2", "02:00:00:00:20:0a",
             "02:00:00:00:20:0b", "site-b2", GW_B2),
}
HOST_VLANS = {t[0]: t[1] for t in TUNNELS.values()}


def api_put(gw, path, body):
    c = UnixHTTP(gw.api_sock)
    try:
        c.request("PUT", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        r = c.getresponse()
        text = r.read().decode()
        return r.status, (json.loads(text) if text else None)
    finally:
        c.close()


def start_frr(sites, ns):
    """zebra, bgpd and bfdd in namespace ns, their vty sockets in their own directory (run as
    the frr user: FRR's vty group must own the sockets); returns the directory."""
    d = sites.path("frr-" + ns)
    os.mkdir(d)
    shutil.chown(d, "frr", "frr")
    os.chmod(d, 0o755)
    conf = os.path.join(d, "empty.conf")
    open(conf, "w").close()
    common = ["-u", "frr", "-g", "frr", "--vty_socket", d, "-z", os.path.join(d, "zserv.api"),
              "-f", conf]
    sites.spawn(ns, ["/usr/lib/frr/zebra", "-i", os.path.join(d, "zebra.pid")] + common,
                "zebra-%s.log" % ns)
    wait_for("zebra in " + ns, lambda: os.path.exists(os.path.join(d, "zserv.api")), timeout=60)
    sites.spawn(ns, ["/usr/lib/frr/bgpd", "-i", os.path.join(d, "bgpd.pid")] + common,
                "bgpd-%s.log" % ns)
    sites.spawn(ns, ["/usr/lib/frr/bfdd", "-i", os.path.join(d, "bfdd.pid"), "--bfdctl",
                     os.path.join(d, "bfdd.sock")] + common, "bfdd-%s.log" % ns)
    for daemon in ("bgpd", "bfdd"):
        wait_for(daemon + " in " + ns,
                 lambda: os.path.exists(os.path.join(d, daemon + ".vty")), timeout=60)
    return d


def prepare_tunnel_interfaces(sites):
    """Site B's second address; each tunnel interface's MAC, MTU and its static neighbour
    entry for the peer's end (ARP on the VLAN would cross the wire tagged, in the clear)."""
    sites.ip("gwb", "addr", "add", GW_B2 + "/24", "dev", "espnic0")
    for vid, ifname, tun_a, tun_b, mac_a, mac_b, _, _ in TUNNELS.values():
        for ns, mac, peer, peer_mac in (("gwa", mac_a, tun_b, mac_b),
                                        ("gwb", mac_b, tun_a, mac_a)):
            wait_for("%s's %s" % (ns, ifname), lambda: sites.exec(
                ns, "ip", "link", "show", ifname, check=False).returncode == 0, timeout=30)
            sites.ip(ns, "link", "set", ifname, "address", mac, "mtu", "1400")
            sites.ip(ns, "neigh", "replace", peer, "lladdr", peer_mac, "dev", ifname, "nud",
                     "permanent")


def new_passwords():
    return {name: "md5-%s-%s" % (name, secrets.token_hex(8)) for name in TUNNELS}


def session_body(side, name, bfd, psk, password=None):
    """Site side's (A or B) session name; B only responds."""
    vid, ifname, tun_a, tun_b, _, _, ep_b, addr_b = TUNNELS[name]
    a = side == "A"
    body = {"resource_type": "RouteBasedIPSecVpnSession",
            "local_endpoint": "site-a" if a else ep_b,
            "peer_address": addr_b if a else GW_A, "psk": psk, "vlan": vid,
            "tunnel_interface": (tun_a if a else tun_b) + "/30",
            "tunnel_interface_name": ifname,
            "bgp": {"local_asn": 65001 if a else 65002, "peer_asn": 65002 if a else 65001,
                    "keepalive_time": 3, "hold_down_time": 9, "announce": [NET_A if a else NET_B],
                    "bfd": bfd}}
    if password is not None:
        body["bgp"]["password"] = password
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


def route_devs(sites):
    return set(re.findall(r"dev (vti\d+)", sites.exec("gwa", "ip", "route", "show", NET_B).stdout))


def route_text(sites):
    return " | ".join(line.strip() for line in
                      sites.exec("gwa", "ip", "route", "show", NET_B).stdout.splitlines())


class Pinger:
    """ping -i 0.01 from LAN A to LAN B; the sequence numbers answered, as they come."""

    def __init__(self, sites):
        self.p = subprocess.Popen(["ip", "netns", "exec", sites.ns["lana"], "ping", "-i", "0.01",
                                   "-W", "1", HOST_B], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, start_new_session=True)
        sites.procs.append(self.p)
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
        """(sent, lost, longest run of consecutive losses), first to last answered."""
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
        gap, longest, lost = 0, 0, 0
        for s in range(got[0], got[-1] + 1):
            if s in self.answered:
                gap = 0
            else:
                lost += 1
                gap += 1
                longest = max(longest, gap)
        return got[-1] - got[0] + 1, lost, longest


def failover(sites, gw_a, bfd, say, disable=False):
    """Cuts the tunnel that carries LAN A -> LAN B while a ping runs every 10 ms (or, with
    disable, disables its session on site A: espnicd deletes the SAs and the neighbour, a
    planned failover); waits for the route to leave it and the replies to come back over the
    other; lifts the cut and waits for both neighbours again (not after disable). Returns
    (sent, lost, longest gap in pings)."""
    lan_if = "g" + sites.lan_if["lana"][1:]
    out = sites.exec("gwa", "ip", "route", "get", HOST_B, "from", HOST_A, "iif", lan_if).stdout
    cut = re.search(r"dev (vti\d+)", out).group(1)
    other = "vti20" if cut == "vti10" else "vti10"
    pinger = Pinger(sites)
    try:
        wait_for("pings answered before the cut", lambda: pinger.answered_after(0) >= 50,
                 timeout=60)
        session = [n for n, t in TUNNELS.items() if t[1] == cut][0]
        if disable:
            say("disabling session %s on site A (%s, the tunnel LAN A -> LAN B uses); a ping "
                "every 10 ms is running" % (session, cut))
            at_cut = pinger.latest()
            gw_a.espnic("session", "set", session, "--enabled", "no", show=False)
        else:
            say("cutting %s, the tunnel LAN A -> LAN B uses, at gw-b (nftables drops all on "
                "it); a ping every 10 ms is running" % cut)
            at_cut = cut_tunnel(sites, cut, pinger)
        wait_for("the route to LAN B off %s" % cut, lambda: route_devs(sites) == {other},
                 timeout=60, interval=0.05)
        say("site A's route to LAN B now: %s" % route_text(sites))
        wait_for("pings answered again over %s" % other,
                 lambda: pinger.answered_after(at_cut) >= 100, timeout=60, interval=0.05)
    finally:
        sent, lost, longest = pinger.stop()
    how = "disabling the session" if disable else (
        "BFD" if bfd else "BGP timers only (keepalive 3 s, hold 9 s)")
    say("failover with %s: %d pings sent, %d lost, longest gap %d pings = %.2f s; traffic "
        "recovered over %s" % (how, sent, lost, longest, longest * 0.01, other))
    if disable:
        return sent, lost, longest
    subprocess.run(["ip", "netns", "exec", sites.ns["gwb"], "nft", "delete", "table", "inet",
                    "cut"], check=True)
    t = time.monotonic()
    wait_for("both neighbours Established again", lambda: both_established(gw_a, bfd),
             timeout=120, interval=0.2)
    wait_for("a route to LAN B again", lambda: route_devs(sites), timeout=60)
    say("cut lifted: both neighbours Established again after %.1f s; route: %s"
        % (time.monotonic() - t, route_text(sites)))
    return sent, lost, longest


def cut_tunnel(sites, cut, pinger):
    """nftables at gw-b drops everything on tunnel interface cut, both ways; returns the
    last sequence number answered before."""
    rules = ("table inet cut {\n"
             " chain i { type filter hook input priority 0; iifname \"%s\" drop; }\n"
             " chain f { type filter hook forward priority 0; iifname \"%s\" drop; "
             "oifname \"%s\" drop; }\n"
             " chain o { type filter hook output priority 0; oifname \"%s\" drop; }\n"
             "}\n" % ((cut,) * 4))
    at = pinger.latest()
    subprocess.run(["ip", "netns", "exec", sites.ns["gwb"], "nft", "-f", "-"],
                   input=rules, text=True, check=True)
    return at
