#!/usr/bin/python3
"""espnicd on a simulated espnic card against strongSwan (charon, kernel-libipsec), with ESP
through the card (ctest label "interop", needs root).

    lan-a (198.19.1.10)          gw-a                               gw-b            lan-b
      veth ---- 198.19.1.1 [espnicd]  espnic0 = card host port      charon          (198.19.2.10)
                           198.18.0.1 |                              198.19.2.1 ---- veth
                                      card (espnic-sim run) wire --- ewire 198.18.0.2

The card's wire port is a TAP moved into gw-b, so charon's ESP-in-UDP goes straight into it.
espnicd programs the card ("dataplane": "card:sim:...") and the route to 198.19.2.0/24 via
espnic0 ("card_host_if"). The scenarios bring the tunnel up (espnicd initiating, responding,
or on demand from an ACQUIRE), ping and move 200 KB over TCP between the two LAN hosts, and
check the card's wire capture: only ESP in UDP 4500 (and IKE) between the gateways, never the
LAN traffic in the clear. They print the figures measured (setup time, RTT, throughput)."""
import json
import os
import re
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "demo"))
from lab import need_root, need_tools, run, status_sas, wait_for  # noqa: E402
from sitelab import CHARON, EXC_IF, GW_A, GW_B, HOST_A, HOST_B, NET_A, NET_B, Sites  # noqa: E402
from strongswan import PSK, site_charon  # noqa: E402
sys.path.insert(0, HERE)
from conftest import failed, program  # noqa: E402
from test_strongswan_lifecycle import FAST, kill_charon, restart_charon  # noqa: E402

TRAFFIC = os.path.join(HERE, "..", "..", "host", "demo", "traffic.py")
TCP_BYTES = 200 * 1024

class CardLab(Sites):
    """The sites of host/demo/sitelab.py (card A's wire TAP in gw-b) as a test fixture: skip
    without root, logs printed and files kept on failure."""

    def __init__(self, name, sim_bin):
        super().__init__("esc-%s%d" % (name[:4], os.getpid() % 100000), sim_bin,
                         prefix="espnic-sscard-%s-" % name)

    def __enter__(self):
        need_root()
        try:
            self.setup()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    failed = False  # set by the test runner that saw the test fail

    def __exit__(self, *exc):
        failed = exc[0] is not None or self.failed
        if failed:
            for p in reversed(self.procs):  # stopped first: their logs are complete
                if p.poll() is None:
                    self.stop(p, timeout=10)
        self.close(keep_dir=failed)
        if failed:
            for path in self.logs:
                print("==== " + path)
                sys.stdout.write(self.log_tail(path))
            print("(files kept in %s)" % self.dir)
        return False


class Espnicd:
    def __init__(self, lab, binary, top=None, **peer_extra):
        self.lab = lab
        self.config, self.psk = lab.path("espnicd.json"), lab.path("espnicd.psk")
        self.status = lab.path("espnicd.status.json")
        fd = os.open(self.psk, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("gw %s\n" % PSK)
        peer = {"name": "gw", "remote_addr": GW_B, "remote_id": GW_B, "local_ts": [NET_A],
                "remote_ts": [NET_B]}
        peer.update(peer_extra)
        cfg = {"listen": GW_A, "dataplane": "card:sim:" + lab.sock, "card_host_if": "espnic0",
               "card_exception_if": EXC_IF,
               "psk_file": self.psk, "log_level": "debug", "peers": [peer]}
        cfg.update(top or {})
        with open(self.config, "w") as f:
            json.dump(cfg, f, indent=1)
        self.started = time.monotonic()
        self.proc = lab.spawn("gwa", [binary, "-c", self.config, "-s", self.status],
                              "espnicd.log")

    def sas(self):
        return status_sas(self.status)

    def established(self, children=1):
        sas = self.sas() or []
        good = [s for s in sas if s["state"] == "ESTABLISHED" and len(s["children"]) == children]
        return good[0] if len(good) == 1 else None

    def log_text(self):
        with open(self.lab.path("espnicd.log")) as f:
            return f.read()


T0 = time.monotonic()


def phase(what):
    print("[%6.2f s] %s" % (time.monotonic() - T0, what), flush=True)


def card_cli(lab, *args):
    """`espnic card ... ARGS` on card A; a failing CLI fails the test (an empty answer
    from a CLI that failed must not read as an empty card)."""
    # Room for a loaded machine: reading every SPD or SA slot of the simulated card.
    r = run(lab.cli_bin, "card", "-d", "sim:" + lab.sock, *args, check=False, timeout=500)
    assert r.returncode == 0, "espnic card %s exited %d: %s" % (" ".join(args), r.returncode,
                                                               r.stderr.strip())
    return r.stdout


def ping(lab, count=5, check=True):
    r = lab.exec("lana", "ping", "-c", str(count), "-i", "0.2", "-W", "5", HOST_B, check=False)
    if check:
        assert r.returncode == 0, r.stdout
    m = re.search(r"rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)", r.stdout)
    return r, (float(m.group(2)) if m else None)


def tcp_transfer(lab, sender="lana", receiver="lanb", host=HOST_B):
    server = lab.spawn(receiver, ["python3", TRAFFIC, "tcp-server", host, "5001",
                                  str(TCP_BYTES)], None, stdout=subprocess.PIPE)
    assert server.stdout.readline().strip() == "listening"
    client = lab.exec(sender, "python3", TRAFFIC, "tcp-client", host, "5001", str(TCP_BYTES),
                      timeout=55)
    out, _ = server.communicate(timeout=20)
    assert out.strip() == "%d True" % TCP_BYTES, out
    seconds = float(client.stdout.strip().splitlines()[-1])
    return seconds


def check_wire(lab, minimum=100):
    """Only ESP-in-UDP (and IKE, ARP) between the gateways; never LAN traffic in the clear."""
    def count(flt):
        r = run("tshark", "-n", "-r", lab.pcap, "-Y", flt, check=False)
        return len([line for line in r.stdout.splitlines() if line.strip()])

    esp = count("udp.port == 4500 && esp")
    clear = count("ip.addr == 198.19.0.0/16")
    plain_esp = count("ip.proto == 50")
    print("wire: %d ESP-in-UDP frames, %d LAN frames in the clear, %d plain ESP"
          % (esp, clear, plain_esp))
    assert esp >= minimum, "too few ESP-in-UDP frames on the wire"
    assert clear == 0, "LAN traffic on the wire in the clear"
    return esp


def card_counters(lab):
    out = {}
    for line in card_cli(lab, "counters").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def clear_lan_frames(lab):
    r = run("tshark", "-n", "-r", lab.pcap, "-Y", "ip.addr == 198.19.0.0/16", check=False)
    return [line for line in r.stdout.splitlines() if line.strip()]


def traffic_discarded(lab, what):
    """With no CHILD_SA (what: why), LAN A's pings to LAN B are routed into card A (a route
    via the card's port, as a gateway whose uplink is the wire has): the card discards them
    and counts them, and none leaves in the clear (the card fails closed)."""
    phase("pings with no CHILD_SA: " + what)
    c0 = card_counters(lab)
    lab.exec("gwa", "ip", "route", "replace", NET_B, "via", GW_B, "dev", "espnic0")
    try:
        r, _ = ping(lab, count=3, check=False)
    finally:
        lab.exec("gwa", "ip", "route", "del", NET_B, "via", GW_B, "dev", "espnic0",
                 check=False)
    discarded = card_counters(lab).get("eg_discarded", 0) - c0.get("eg_discarded", 0)
    clear = clear_lan_frames(lab)
    print("%s: 3 pings into the card, %d discarded, %d LAN frames in the clear on the wire"
          % (what, discarded, len(clear)))
    assert " 0 received" in r.stdout, r.stdout
    assert not clear, "LAN traffic on the wire in the clear: %s" % clear[:5]
    assert discarded >= 3, "card A discarded %d of 3 pings" % discarded


def exercise(lab, ours):
    phase("ping")
    _, rtt = ping(lab)
    phase("tcp")
    seconds = tcp_transfer(lab)
    phase("wire")
    print("ping RTT through the card: %.2f ms avg; TCP %d KB in %.2f s (%.0f kbit/s)"
          % (rtt, TCP_BYTES // 1024, seconds, TCP_BYTES * 8 / seconds / 1000))
    check_wire(lab)
    phase("card")
    # The SPD (1024 queries, a few seconds on the simulator; `sa list` scans 2 x 1024 SAs
    # and takes about 15 s, so only the initiator scenario runs it, at the end).
    rules = card_cli(lab, "spd", "list")
    print(rules.strip())
    assert re.search(r"198\.19\.1\.0/24 +198\.19\.2\.0/24 .*protect", rules), rules
    assert len(re.findall(r"bypass", rules)) == 2, rules  # UDP 500, 4500 from gw-a only
    routes = lab.exec("gwa", "ip", "route", "show", NET_B).stdout
    assert "espnic0" in routes, routes
    path_mtu(lab, routes)


BIG_UDP = 3000


def path_mtu(lab, routes):
    """1500-byte LANs (sitelab.MTU): espnicd's route to LAN B carries the tunnel's inner MTU
    (the card's 1500 less ESP in UDP with AES-GCM: 1438), so a DF packet too big for the
    tunnel gets "fragmentation needed" with that MTU from gw-a, and a 3000-byte UDP datagram
    without DF crosses (fragmented by the kernel before the card encrypts, reassembled by
    host B). TCP's full-size segments (tcp_transfer, 1500-byte LANs) rely on the former."""
    phase("path MTU")
    assert "mtu 1438" in routes, routes
    r = lab.exec("lana", "ping", "-c", "1", "-W", "5", "-M", "do", "-s", "1472", HOST_B,
                 check=False)
    # gw-a's "fragmentation needed" (mtu = 1438), or host A's path MTU cache that one of
    # them (the TCP transfer's full-size segments) filled already (local error, mtu=1438).
    assert re.search(r"mtu ?= ?1438", r.stdout), r.stdout
    udp_datagram(lab, "lana", "lanb", HOST_B, BIG_UDP)
    print("route MTU 1438; a 1500-byte DF ping refused with mtu 1438; "
          "a %d-byte UDP datagram without DF crossed" % BIG_UDP)


def udp_datagram(lab, src_ns, dst_ns, host, size, port=5009):
    """One size-byte UDP datagram without DF from src_ns to host (in dst_ns), sent again
    every half second until the sink has it."""
    log = "udp%d.log" % port
    sink = lab.spawn(dst_ns, [sys.executable, "-c", (
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.bind(('%s', %d)); print('ready', flush=True)\n"
        "d = s.recv(65536); print('got', len(d), flush=True)\n") % (host, port)], log)
    wait_for("the UDP sink", lambda: "ready" in lab.log_tail(lab.path(log)))

    def crossed():
        # IP_MTU_DISCOVER (10) = IP_PMTUDISC_DONT (0): no DF.
        lab.exec(src_ns, sys.executable, "-c", (
            "import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            "s.setsockopt(socket.IPPROTO_IP, 10, 0)\n"
            "s.sendto(b'u' * %d, ('%s', %d))\n") % (size, host, port))
        return sink.poll() is not None
    wait_for("a %d-byte UDP datagram without DF at %s" % (size, host), crossed, timeout=30,
             interval=0.5)
    got = lab.log_tail(lab.path(log))
    assert "got %d" % size in got, got


def protect_rules(lab):
    """The card's PROTECT rules: a CHILD_SA's and a trap's look alike (a trap's outbound SA
    stays empty), so the tests count them."""
    return [line for line in card_cli(lab, "spd", "list").splitlines() if "protect" in line]


def ping_through_trap(lab):
    """Pings that hit a trap: the first ones raise the ACQUIRE and are lost while the
    CHILD_SA is negotiated."""
    first = subprocess.Popen(["ip", "netns", "exec", lab.ns["lana"], "ping", "-c", "3", "-i",
                              "0.3", "-W", "1", HOST_B], stdout=subprocess.DEVNULL)
    lab.procs.append(first)
    return first


def back_through_trap(lab, ours, charon, what):
    """Pings hit the trap: its ACQUIRE brings a CHILD_SA up on both sides. Returns espnicd's
    log."""
    phase("pings hit the " + what)
    t = time.monotonic()
    first = ping_through_trap(lab)
    wait_for("espnicd CHILD_SA up again", ours.established)
    print("CHILD_SA up %.0f ms after the first ping hit the %s"
          % (1000 * (time.monotonic() - t), what))
    first.wait(timeout=15)
    wait_for("charon CHILD_SA again", charon.child)
    return ours.log_text()


def log_line_index(text, needle, after=0):
    """Index of the first line at or after line after holding needle (-1 if none)."""
    lines = text.splitlines()
    for i in range(after, len(lines)):
        if needle in lines[i]:
            return i
    return -1


def wait_empty_card(lab, sas=False):
    def empty():
        rules = card_cli(lab, "spd", "list")
        return "protect" not in rules and "bypass" not in rules
    wait_for("the card's SPD emptied", empty, timeout=20)
    if sas:
        sa = card_cli(lab, "sa", "list")
        assert not re.search(r"0x[0-9a-f]{8}", sa), sa


def test_initiator(lab, binary):
    charon = site_charon(lab)
    ours = Espnicd(lab, binary, start=True)
    wait_for("espnicd CHILD_SA up", ours.established)
    setup = time.monotonic() - ours.started
    wait_for("charon CHILD_SA", charon.child)
    print("tunnel up %.2f s after espnicd started (card cleared and programmed)" % setup)
    assert ours.established()["encap"]
    exercise(lab, ours)
    # SIGTERM: the IKE_SA is deleted and the card emptied; the route goes.
    assert lab.stop(ours.proc) == 0
    wait_for("charon cleared", lambda: charon.child() is None)
    wait_empty_card(lab, sas=True)
    assert NET_B.split("/")[0] not in lab.exec("gwa", "ip", "route").stdout
    assert "CHILD_SA" in ours.log_text() and "closed" in ours.log_text()
    traffic_discarded(lab, "espnicd exited")


def test_fragmented_esp(lab, binary):
    """ESP that reaches the card in fragments: gw-b's route to gw-a gets a path MTU of 1280
    (a smaller link in front of the peer), so charon's ESP in UDP of up to 1464 bytes (its
    TUN carries 1400) leaves gw-b in fragments. Card A hands the fragments to its host (ethertype 0x88B5), espnicd
    reassembles them and gives the whole packet back, and the card decrypts it: a 3000-byte
    UDP datagram, 1400-byte pings and a TCP transfer with full-size segments from B to A all
    cross, and the counters of both halves show the path was taken."""
    charon = site_charon(lab)
    ours = Espnicd(lab, binary, start=True)
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    lab.ip("gwb", "route", "replace", GW_A, "dev", "ewire", "mtu", "lock", "1280")
    before = card_counters(lab)
    phase("B -> A: a %d-byte UDP datagram without DF" % BIG_UDP)
    udp_datagram(lab, "lanb", "lana", HOST_A, BIG_UDP)
    phase("B -> A: 1400-byte pings")
    r = lab.exec("lanb", "ping", "-c", "3", "-i", "0.2", "-W", "5", "-s", "1372", HOST_A,
                 check=False)
    assert r.returncode == 0, r.stdout
    phase("B -> A: TCP with full-size segments")
    seconds = tcp_transfer(lab, "lanb", "lana", HOST_A)
    after = card_counters(lab)
    punted = after.get("in_reasm_punted", 0) - before.get("in_reasm_punted", 0)
    reinjected = after.get("in_reinjected", 0) - before.get("in_reinjected", 0)
    print("fragmented ESP: %d fragments handed to the host, %d whole packets back; TCP %d KB "
          "in %.2f s" % (punted, reinjected, TCP_BYTES // 1024, seconds))
    # The datagram's pieces of 1400 bytes (2), the 3 pings and the transfer's full-size
    # segments (about 150) each arrive in two pieces.
    assert reinjected >= 2 + 3 + TCP_BYTES // 2000, after
    assert punted >= 2 * reinjected, after
    assert after.get("in_malformed", 0) == before.get("in_malformed", 0), after
    check_wire(lab)


def test_responder(lab, binary):
    charon = site_charon(lab)
    ours = Espnicd(lab, binary)
    wait_for("espnicd running", lambda: ours.sas() is not None)
    traffic_discarded(lab, "tunnel not up yet")
    t = time.monotonic()
    phase("initiate")
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "20")
    wait_for("espnicd CHILD_SA up", ours.established)
    print("tunnel up %.2f s after swanctl --initiate" % (time.monotonic() - t))
    assert not ours.established()["initiator"]
    exercise(lab, ours)
    phase("stopping espnicd")
    assert lab.stop(ours.proc) == 0
    phase("espnicd stopped")
    wait_for("charon cleared", lambda: charon.child() is None)
    wait_empty_card(lab)
    phase("card empty")


def test_restart(lab, binary):
    """espnicd dies (SIGKILL) with a tunnel on the card; the next espnicd clears the card
    (logging what it found), negotiates again, and traffic flows."""
    charon = site_charon(lab)
    ours = Espnicd(lab, binary, start=True)
    wait_for("espnicd CHILD_SA up", ours.established)
    ping(lab, count=2)
    ours.proc.kill()
    ours.proc.wait()
    rules = card_cli(lab, "spd", "list")
    assert "protect" in rules, "the killed espnicd left nothing on the card?"
    os.rename(lab.path("espnicd.log"), lab.path("espnicd-first.log"))
    os.unlink(ours.status)
    ours.proc = lab.spawn("gwa", [binary, "-c", ours.config, "-s", ours.status], "espnicd.log")
    wait_for("espnicd CHILD_SA up again", ours.established)
    log = ours.log_text()
    m = re.search(r"cleared what a previous run left: (\d+) SPD rules, (\d+) outbound "
                  r"and (\d+) inbound SAs", log)
    assert m, log
    print("restart: " + m.group(0))
    # 2 IKE bypass rules + 1 PROTECT; the CHILD_SA's two SAs
    assert tuple(int(g) for g in m.groups()) == (3, 1, 1)
    wait_for("charon CHILD_SA", charon.child)
    _, rtt = ping(lab)
    print("pings pass after the restart, RTT %.2f ms" % rtt)
    rules = card_cli(lab, "spd", "list")
    assert len(re.findall(r"protect", rules)) == 1, rules
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


def test_rekey(lab, binary):
    """CHILD_SA rekeys every few seconds under a steady ping: the card gets the new SA pair
    and its rule before the old pair goes (make-before-break); no ping is lost."""
    charon = site_charon(lab)
    ours = Espnicd(lab, binary, start=True, child_rekey_time=3)
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    r = lab.exec("lana", "ping", "-c", "50", "-i", "0.2", "-W", "5", HOST_B, check=False)
    installs = ours.log_text().count("CHILD_SA installed")
    m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
    print("%d CHILD_SAs installed (%d rekeys) during 50 pings over 10 s: %s received"
          % (installs, installs - 1, m.group(2) if m else "?"))
    assert installs >= 3, ours.log_text()
    assert m and m.group(1) == m.group(2), r.stdout
    # A rekey every 3 s: a list read while one swaps the rule may show it mid-swap; the card
    # settles on one PROTECT rule (the pair of the moment) between rekeys.
    wait_for("one PROTECT rule on the card",
             lambda: len(re.findall(r"protect", card_cli(lab, "spd", "list"))) == 1,
             timeout=120, interval=0.5)
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


def test_peer_rekey(lab, binary):
    """strongSwan starts the CHILD_SA rekeys (its rekey_time 3 s) under a steady ping: as
    the responder espnicd installs the new inbound SA at once and moves the card's outbound
    rule to the new SA only when charon shows it has it (its first packet on the new SA, or
    its Delete of the old one), so no ping is lost (RFC 7296 2.8)."""
    charon = site_charon(lab, child_rekey="3s", child_life="60s")
    ours = Espnicd(lab, binary, start=True)
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    r = lab.exec("lana", "ping", "-c", "100", "-i", "0.2", "-W", "5", HOST_B, check=False)
    log = ours.log_text()
    rekeys = log.count("rekeyed by the peer")
    m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
    print("%d CHILD_SA rekeys started by charon during 100 pings over 20 s: %s received"
          % (rekeys, m.group(2) if m else "?"))
    assert rekeys >= 2, log
    assert "rekeying CHILD_SA" not in log, "espnicd started a rekey itself"
    # Each new pair took outbound traffic (the last one may still wait for charon).
    on_packet = log.count("carries outbound traffic now (the peer sends on it)")
    on_delete = log.count("carries outbound traffic now (the old pair goes)")
    switched = on_packet + on_delete
    print("outbound moved to the new pair %d times (%d on charon's first packet, %d on its "
          "Delete of the old pair)" % (switched, on_packet, on_delete))
    assert switched >= rekeys - 1 >= 1, log
    assert m and m.group(1) == m.group(2), r.stdout
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


def test_ike_rekey(lab, binary):
    """IKE_SA rekeys every few seconds under a steady ping: the CHILD_SA moves to the new
    IKE_SA and the card keeps carrying it; no ping is lost."""
    charon = site_charon(lab)
    ours = Espnicd(lab, binary, start=True, ike_rekey_time=3)
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    r = lab.exec("lana", "ping", "-c", "50", "-i", "0.2", "-W", "5", HOST_B, check=False)
    rekeys = ours.log_text().count("IKE_SA rekeyed")
    m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
    print("%d IKE_SA rekeys during 50 pings over 10 s: %s received"
          % (rekeys, m.group(2) if m else "?"))
    assert rekeys >= 2, ours.log_text()
    assert m and m.group(1) == m.group(2), r.stdout
    wait_for("espnicd still established", ours.established)
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


def test_on_demand(lab, binary):
    charon = site_charon(lab)
    ours = Espnicd(lab, binary, start="on-demand")
    wait_for("trap installed", lambda: "trap policy installed" in ours.log_text())
    assert ours.sas() == []
    routes = lab.exec("gwa", "ip", "route", "show", NET_B).stdout
    assert "espnic0" in routes, routes
    # The first pings hit the trap: ACQUIRE, espnicd initiates.
    first = subprocess.Popen(["ip", "netns", "exec", lab.ns["lana"], "ping", "-c", "2", "-i",
                              "0.2", "-W", "1", HOST_B], stdout=subprocess.DEVNULL)
    lab.procs.append(first)
    wait_for("espnicd CHILD_SA up", ours.established)
    first.wait(timeout=10)
    stamps = {}
    for line in ours.log_text().splitlines():
        for key in ("ACQUIRE (traffic", "CHILD_SA installed"):
            if key in line and key not in stamps:
                h, m, sec = line.split()[0].split(":")
                stamps[key] = int(h) * 3600 + int(m) * 60 + float(sec)
    print("tunnel up %.0f ms after the ACQUIRE (espnicd's log)"
          % (1000 * (stamps["CHILD_SA installed"] - stamps["ACQUIRE (traffic"])))
    assert ours.established()["initiator"]
    assert "ACQUIRE" in ours.log_text()
    assert ours.log_text().count("ACQUIRE (traffic for the on-demand policy)") == 1
    wait_for("charon CHILD_SA", charon.child)
    _, rtt = ping(lab)
    print("later pings pass, RTT %.2f ms" % rtt)
    check_wire(lab, minimum=10)
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


def test_child_acquire(lab, binary):
    """charon deletes only the CHILD_SA (swanctl --terminate --child); the IKE_SA stays. The
    card loses the pair, the on-demand trap catches the next packets, and its ACQUIRE makes
    espnicd ask for a new CHILD_SA inside the same IKE_SA (CREATE_CHILD_SA with PFS: KE)."""
    esp = "aes256gcm16-x25519"
    charon = site_charon(lab, esp=esp)
    ours = Espnicd(lab, binary, start="on-demand", esp_proposals=[esp])
    wait_for("trap installed", lambda: "trap policy installed" in ours.log_text())
    ping_through_trap(lab).wait(timeout=15)
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    ping(lab, count=3)
    sa = ours.established()
    spis = charon.ike_spis()
    assert len(spis) == 1 and spis[0] == (sa["spi_i"], sa["spi_r"]), (spis, sa)
    assert len(protect_rules(lab)) == 2  # the CHILD_SA's in front of the trap's
    phase("charon deletes the CHILD_SA")
    charon.swanctl("--terminate", "--child", "net", "--timeout", "10")
    wait_for("espnicd took the Delete", lambda: ours.established(children=0))
    assert "peer deleted CHILD_SA" in ours.log_text()
    wait_for("the card lost the pair", lambda: len(protect_rules(lab)) == 1)
    assert charon.child() is None
    log = back_through_trap(lab, ours, charon, "on-demand trap")
    assert "ACQUIRE (traffic for the on-demand policy): the IKE_SA has no CHILD_SA" in log, log
    assert "requesting a new CHILD_SA (CREATE_CHILD_SA)" in log, log
    assert log.count("initiating IKE_SA") <= 1, log
    again = ours.established()
    assert (again["spi_i"], again["spi_r"]) == (sa["spi_i"], sa["spi_r"]), (again, sa)
    assert again["children"] != sa["children"]
    assert charon.ike_spis() == spis, charon.list_sas()
    assert re.search(r"dh-group=CURVE_25519", charon.list_sas().split("child-sas", 1)[1]), \
        charon.list_sas()  # PFS: the CHILD_SA came with its own key exchange
    _, rtt = ping(lab)
    print("pings pass again, RTT %.2f ms, same IKE_SA %s_i %s_r"
          % (rtt, sa["spi_i"], sa["spi_r"]))
    assert len(protect_rules(lab)) == 2
    check_wire(lab, minimum=10)
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


def test_dpd_hold(lab, binary):
    """dpd_action hold on the card: charon dies (SIGKILL); espnicd declares it dead, installs a
    trap before the dead CHILD_SA's rules leave, and initiates again only when traffic hits
    the trap (ACQUIRE); once the new CHILD_SA is installed, the hold's trap goes."""
    charon = site_charon(lab)
    ours = Espnicd(lab, binary, top=FAST, start=True, dpd_delay=1, dpd_timeout=2,
                   dpd_action="hold")
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    ping(lab, count=3)
    phase("SIGKILL charon")
    kill_charon(lab, charon)
    wait_for("held", lambda: "held: initiating again on traffic" in ours.log_text(), timeout=20)
    wait_for("espnicd SAs cleared", lambda: ours.sas() == [])
    log = ours.log_text()
    trap = log_line_index(log, "held: trap policy installed")
    assert 0 <= trap < log_line_index(log, "CHILD_SA", trap + 1), log
    assert re.search(r"CHILD_SA [0-9a-f]{8}/[0-9a-f]{8} removed", log), log
    assert len(protect_rules(lab)) == 1  # the trap's; the pair is gone (espnicd is idle)
    charon = restart_charon(lab, make=site_charon)
    phase("charon restarted; nothing initiates without traffic")
    time.sleep(4)
    assert ours.sas() == [] and charon.ike_spis() == [], charon.list_sas()
    assert "initiating IKE_SA" not in ours.log_text().split("held: initiating again", 1)[1]
    log = back_through_trap(lab, ours, charon, "hold trap")
    assert "ACQUIRE (traffic for the held peer), initiating" in log, log
    assert "no longer held (CHILD_SA installed): hold trap policy removed" in log, log
    m = re.search(r"held: trap policy installed \(reqid (\d+)\)", log)
    assert "trap for reqid %s removed" % m.group(1) in log, log  # from the card backend
    assert ours.established()["initiator"]
    _, rtt = ping(lab)
    print("pings pass again, RTT %.2f ms" % rtt)
    check_wire(lab, minimum=10)
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


@pytest.fixture
def lab(request):
    """The demo's two sites with card A (CardLab), strongSwan, tshark and ping checked."""
    need_root()
    need_tools(CHARON, "swanctl", "tshark", "ping")
    name = request.node.name.replace("test_", "", 1)
    lab = CardLab(name, program(request, "sim"))
    lab.cli_bin = program(request, "cli")
    with lab:
        phase("lab up")
        yield lab
        lab.failed = failed(request)
        phase("scenario done")
    phase("lab down")
