#!/usr/bin/python3
"""A session disabled and enabled under traffic (ctest label "integration", needs root and
strongSwan). The two sites of `espnic demo` (host/demo/sitelab.py, built and configured by
the demo's own functions in host/demo/espnic_demo.py): site A espnicd on a simulated card,
site B strongSwan. With `ping -i 0.2` running from LAN A to LAN B:

  1. the tunnel is UP and the pings are answered;
  2. `espnic session disable demo`: the session goes DOWN with the reason "session
     disabled", card A holds no SA and no PROTECT rule any more, espnicd's route to LAN B
     is gone, the pings stop being answered, and nothing from or to a LAN address crosses
     the wire in the clear (the card's wire capture, read frame by frame);
  3. `espnic session enable demo`: UP again with fresh SPIs, the pings answered again and
     card A's ESP counters growing;
  4. `espnic session set demo --tunnel-profile` naming an AES-CBC profile: refused (the card
     carries AES-GCM only), nothing changed, the pings still answered.

Between 2 and 3 a probe: gw-a gets a default route over the card's port until card A has
taken 5 frames on it (a gateway whose uplink is the wire), so LAN A's pings reach card A again with no CHILD_SA for
them. The card must fail closed: its discard counter rises and none of them leaves in the
clear (espnicd sets the card's default discard when it opens it).

The wire capture is checked over the whole run, the probe included: every frame with a LAN
address (198.19.1.0/24, 198.19.2.0/24) in its IPv4 header is a clear-text leak (ESP and IKE
carry only the gateways' 198.18.0.x). Figures printed: time to DOWN, time to UP, time to the
first answered ping, pings lost, frames discarded during the probe. No step waits a fixed
time: each waits for a state (an answer, ping's own count of what it sent, a counter).

    test_session_toggle.py ESPNIC ESPNICD ESPNIC_SIM"""
import os
import re
import signal
import struct
import sys
import time

sys.dont_write_bytecode = True
DEMO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "host", "demo")
sys.path.insert(0, DEMO_DIR)
import espnic_demo  # noqa: E402
from espnic_demo import SESSION, Demo  # noqa: E402
from sitelab import CHARON, GW_B, HOST_A, HOST_B, NET_B, wait_for  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from lab import need_root, need_tools  # noqa: E402

LANS = ((0xc6130100, 0xffffff00), (0xc6130200, 0xffffff00))  # 198.19.1.0/24, 198.19.2.0/24
PING_INTERVAL = 0.2


def fail(msg):
    print("FAIL: " + msg, flush=True)
    raise SystemExit(1)


def log(text):
    print("[%6.2f s] %s" % (time.monotonic() - T0, text), flush=True)


T0 = time.monotonic()


# -- the wire capture ----------------------------------------------------------------------

def read_pcap(path):
    """[(wall-clock time, frame bytes)] of a classic pcap file (the card's --wire-capture)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            break  # a frame being written
        frames.append((sec + frac / (1e9 if nano else 1e6), data[off:off + incl]))
        off += incl
    return frames


def in_lan(addr):
    return any(addr & mask == net for net, mask in LANS)


def clear_frames(frames):
    """The frames whose IPv4 header carries a LAN address: (time, proto, src, dst)."""
    out = []
    for t, fr in frames:
        if len(fr) < 34:
            continue
        etype, l3 = struct.unpack("!H", fr[12:14])[0], 14
        if etype == 0x8100 and len(fr) >= 38:
            etype, l3 = struct.unpack("!H", fr[16:18])[0], 18
        if etype != 0x0800:
            continue
        proto = fr[l3 + 9]
        src, dst = struct.unpack("!II", fr[l3 + 12:l3 + 20])
        if in_lan(src) or in_lan(dst):
            out.append((t, proto, ".".join(str(b) for b in fr[l3 + 12:l3 + 16]),
                        ".".join(str(b) for b in fr[l3 + 16:l3 + 20])))
    return out


def esp_frames(frames):
    """ESP frames on the wire: IP protocol 50, or UDP port 4500 without the non-ESP marker."""
    n = 0
    for _, fr in frames:
        if len(fr) < 34 or fr[12:14] != b"\x08\x00":
            continue
        l4 = 14 + (fr[14] & 0x0f) * 4
        if fr[23] == 50:
            n += 1
        elif fr[23] == 17 and len(fr) >= l4 + 12 and 4500 in struct.unpack(
                "!HH", fr[l4:l4 + 4]) and fr[l4 + 8:l4 + 12] != b"\0\0\0\0":
            n += 1
    return n


# -- ping's output -------------------------------------------------------------------------

PING_REPLY = re.compile(r"^\[(\d+\.\d+)\] \d+ bytes from [\d.]+: icmp_seq=(\d+)", re.M)
PING_ERROR = re.compile(r"^\[(\d+\.\d+)\] From ([\d.]+) icmp_seq=(\d+) (.*)$", re.M)


def ping_log(sites):
    return sites.log_tail(sites.path("toggle-ping.log"), 10 ** 7)


def replies(sites):
    """[(wall-clock time, icmp_seq)] of the answered pings so far."""
    return [(float(t), int(s)) for t, s in PING_REPLY.findall(ping_log(sites))]


PING_STATUS = re.compile(r"^(\d+)/(\d+) packets, ", re.M)


def ping_sent(sites, ping):
    """How many echo requests ping has sent: SIGQUIT makes it print "received/sent packets"."""
    before = len(PING_STATUS.findall(ping_log(sites)))
    ping.send_signal(signal.SIGQUIT)

    def status():
        m = PING_STATUS.findall(ping_log(sites))
        return int(m[-1][1]) if len(m) > before else None
    return wait_for("ping's status line", status, timeout=30, interval=0.05)


def replies_after(sites, wall):
    return [r for r in replies(sites) if r[0] >= wall]


# -- the card ------------------------------------------------------------------------------

def card(demo, *argv):
    # Room for a loaded machine: `sa list` reads every SA slot through the simulated card.
    p = espnic_demo.run(demo.args.cli, "card", "-d", "sim:" + demo.sites.sock, *argv,
                        check=False, timeout=900)
    if p.returncode != 0:
        fail("espnic card %s: exit %d: %s" % (" ".join(argv), p.returncode, p.stderr))
    return p.stdout


def card_sas(demo):
    """{(dir, spi)} of the SAs on card A."""
    out = set()
    for line in card(demo, "sa", "list").splitlines()[1:]:
        f = line.split()
        if len(f) >= 3:
            out.add((f[1], f[2]))
    return out


def card_protect_rules(demo):
    return [line for line in card(demo, "spd", "list").splitlines()[1:]
            if " protect " in line]


def gwa_routes(demo):
    return demo.sites.exec("gwa", "ip", "-4", "route", "show", NET_B).stdout.strip()


def tunnel_spis(st):
    t = [x for x in st.get("tunnels", []) if x.get("state") == "INSTALLED"]
    return (t[0]["spi_in"], t[0]["spi_out"]) if t else None


def check_up(demo, what):
    """The session UP, a PROTECT rule on card A and gw-a's route to LAN B; the SPIs. (The
    card's SA table is read only while the session is disabled: `sa list` reads every slot,
    some 10 s on the simulated card.)"""
    st = demo.gw_a.status()
    spis = tunnel_spis(st)
    rules = card_protect_rules(demo)
    route = gwa_routes(demo)
    log("%s: session %s, SPIs in %s out %s; card A PROTECT rules %s; route %r"
        % (what, st["status"], spis[0], spis[1], rules, route))
    if not rules:
        fail("%s: card A has no PROTECT rule" % what)
    if not route:
        fail("%s: gw-a has no route to %s" % (what, NET_B))
    return spis


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    espnic, espnicd, sim = (os.path.abspath(a) for a in sys.argv[1:])
    need_root()
    need_tools(CHARON, "swanctl")
    args = espnic_demo.parse(["--cli", espnic, "--espnicd", espnicd, "--sim", sim,
                              "--peer", "strongswan", "--setup-timeout", "30"])
    espnic_demo.preflight(args)
    demo = Demo(args)
    rc = 1
    try:
        rc = scenario(demo)
    except espnic_demo.Failure as e:
        print("FAIL: %s" % e, flush=True)
    except SystemExit as e:
        rc = e.code
    finally:
        if rc != 0:
            for p in demo.sites.logs:
                tail = demo.sites.log_tail(p, 4000)
                if tail:
                    print("---- %s (last lines)\n%s" % (p, tail))
        demo.close()
    return rc


def scenario(demo):
    s = demo.sites
    demo.build()
    demo.configure()
    demo.bring_up()  # `espnic session enable demo`, then waits for UP
    spis1 = check_up(demo, "(1) tunnel up")

    ping = s.spawn("lana", ["ping", "-D", "-n", "-i", str(PING_INTERVAL), "-W", "1", HOST_B],
                   "toggle-ping.log")
    try:
        wait_for("3 answered pings", lambda: len(replies(s)) >= 3, timeout=15)
    except TimeoutError:
        fail("(1) the pings through the tunnel are not answered:\n" + ping_log(s))
    n1 = len(replies(s))
    log("(1) %d pings answered through the tunnel" % n1)
    counters0 = demo.gw_a.card_counters()

    # (2) disable under traffic.
    wall_disable, t = time.time(), time.monotonic()
    demo.gw_a.espnic("session", "disable", SESSION)
    last = {}

    def down():
        st = demo.gw_a.status() or {}
        last.update(st)
        return st.get("status") == "DOWN"
    try:
        wait_for("the session DOWN", down, timeout=15, interval=0.02)
    except TimeoutError:
        fail("(2) the session is still %s (%s) 15 s after disable"
             % (last.get("status"), last.get("reason")))
    time_to_down = time.monotonic() - t
    if "disabled" not in last.get("reason", ""):
        fail("(2) DOWN with reason %r, expected 'session disabled'" % last.get("reason"))
    early = last.get("tunnels") or []
    if early:  # DOWN at once (admin status), the SAs go with the Delete exchange
        log("(2) note: DOWN reported while the CHILD_SA is still listed (%s, IKE_SA %s)"
            % ([x.get("state") for x in early], last.get("ike_sa_state")))

    def gone():
        st = demo.gw_a.status() or {}
        last.update(st)
        return st.get("status") == "DOWN" and not st.get("tunnels") and not st.get("ike_sa")
    try:
        wait_for("the session's SAs gone", gone, timeout=15, interval=0.02)
    except TimeoutError:
        fail("(2) 15 s after disable the session still lists IKE_SA %s, tunnels %s"
             % (last.get("ike_sa"), last.get("tunnels")))
    time_to_gone = time.monotonic() - t
    tc = time.monotonic()
    sas, rules = card_sas(demo), card_protect_rules(demo)
    log("(2) card A read in %.2f s: SAs %s, PROTECT rules %s"
        % (time.monotonic() - tc, sorted(sas), rules))
    if sas or rules:
        fail("(2) card A still holds SAs %s / PROTECT rules %s after the session's SAs are "
             "gone" % (sorted(sas), rules))
    route = gwa_routes(demo)
    log("(2) DOWN (reason %r) %.3f s after `session disable`, IKE_SA and CHILD_SA gone after "
        "%.3f s; card A holds no SA and no PROTECT rule; gw-a route to %s: %r"
        % (last.get("reason"), time_to_down, time_to_gone, NET_B, route))
    if route:
        fail("(2) gw-a still routes %s after disable: %r" % (NET_B, route))
    if charon_child := demo.charon.child():
        log("(2) note: strongSwan still has a CHILD_SA %s" % (charon_child,))
    # Under traffic: ping's own count of what it sent (SIGQUIT) marks the pings sent once the
    # card was seen empty; when 5 more have gone out, none of them may have been answered (a
    # reply already in flight for an earlier one may still come).
    sent_at_gone = ping_sent(s, ping)
    try:
        wait_for("5 more pings sent", lambda: ping_sent(s, ping) >= sent_at_gone + 5,
                 timeout=120, interval=0.5)
    except TimeoutError:
        fail("(2) ping stopped sending:\n" + ping_log(s)[-3000:])
    during = [r for r in replies(s) if r[1] > sent_at_gone]
    errors = [e for e in PING_ERROR.findall(ping_log(s)) if float(e[0]) >= wall_disable]
    counters1 = demo.gw_a.card_counters()
    log("(2) disabled for %.1f s: %d pings answered of those sent after the card was empty "
        "(icmp_seq > %d), %d ICMP errors (e.g. %s); card A meanwhile: egress %d bypassed, "
        "%d protected, %d discarded"
        % (time.time() - wall_disable, len(during), sent_at_gone, len(errors),
           ("From %s: %s" % errors[0][1:4:2]) if errors else "none",
           delta(counters0, counters1, "eg_bypassed"), delta(counters0, counters1, "eg_protected"),
           delta(counters0, counters1, "eg_discarded")))
    if during:
        fail("(2) pings answered while the session is disabled: %s" % during)
    leaks = clear_frames(read_pcap(s.pcap))
    if leaks:
        fail("(2) CLEAR-TEXT LEAK: %d frames with LAN addresses on the wire, first %s"
             % (len(leaks), leaks[:5]))
    probe_discarded = default_route_probe(demo)

    # (3) enable again.
    wall_enable, t = time.time(), time.monotonic()
    demo.bring_up()  # `espnic session enable demo`, waits for UP (and strongSwan's CHILD_SA)
    time_to_up = time.monotonic() - t
    try:
        first = wait_for("an answered ping after enable",
                         lambda: replies_after(s, wall_enable), timeout=15, interval=0.05)
    except TimeoutError:
        fail("(3) the session is UP again but no ping is answered:\n" + ping_log(s)[-3000:])
    time_to_traffic = first[0][0] - wall_enable
    counters2 = demo.gw_a.card_counters()
    spis2 = check_up(demo, "(3) tunnel up again")
    if set(spis2) & set(spis1):
        fail("(3) SPIs not fresh: before %s, after %s" % (spis1, spis2))
    try:
        after = wait_for("5 pings answered after enable",
                         lambda: (lambda r: r if len(r) >= 5 else None)(
                             replies_after(s, wall_enable)), timeout=60, interval=0.1)
    except TimeoutError:
        fail("(3) fewer than 5 pings answered after enable:\n" + ping_log(s)[-3000:])
    counters3 = {}

    def esp_grew():
        counters3.update(demo.gw_a.card_counters())
        return delta(counters2, counters3, "eg_protected") > 0 and \
            delta(counters2, counters3, "in_decrypted") > 0
    try:
        wait_for("card A's ESP counters growing", esp_grew, timeout=60, interval=0.2)
    except TimeoutError:
        fail("(3) card A's ESP counters did not grow after enable (%d pings answered)"
             % len(after))
    log("(3) %d pings answered since enable; card A encrypted %d and decrypted %d frames "
        "meanwhile" % (len(after), delta(counters2, counters3, "eg_protected"),
                       delta(counters2, counters3, "in_decrypted")))

    # (4) a tunnel profile the card cannot carry (AES-CBC with HMAC, not yet in the card's
    # ESP path) refused when the live session names it: the reason names what the card
    # carries, and the session goes on as it was (same SAs, the pings still answered).
    demo.gw_a.espnic("profile", "tunnel", "add", "cbc-only", "--encryption", "AES_128",
                     "--digest", "SHA2_256")
    p = espnic_demo.run(demo.args.cli, "session", "set", SESSION, "--tunnel-profile",
                        "cbc-only", "--socket", demo.gw_a.api_sock, check=False)
    if p.returncode != 3 or "AES-GCM-16" not in p.stderr:
        fail("(4) a CBC-only tunnel profile on the card: exit %d, %r (expected 3, the card's "
             "algorithms named)" % (p.returncode, p.stderr.strip()))
    code, sess = demo.gw_a.get("/api/v1/ipsec/sessions/%s" % SESSION)
    if code != 200 or sess.get("tunnel_profile") == "cbc-only":
        fail("(4) the refused change was stored: %s %s" % (code, sess))
    n4 = len(replies(s))
    wait_for("a ping answered after the refusal", lambda: len(replies(s)) > n4, timeout=15)
    if tunnel_spis(demo.gw_a.status()) != spis2:
        fail("(4) the SAs changed after a refused change")
    log("(4) CBC-only tunnel profile refused: %s" % p.stderr.strip())

    s.stop(ping, signal.SIGINT, timeout=5)  # ping prints its summary on SIGINT
    m = re.search(r"(\d+) packets transmitted, (\d+) received", ping_log(s))
    sent, got = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    answered = replies(s)
    seqs = set(q for _, q in answered)
    before = max(q for w, q in answered if w < wall_disable)
    again = min(q for w, q in answered if w >= wall_enable)
    lost_window = [q for q in range(before + 1, again) if q not in seqs]
    lost_outside = [q for q in range(1, max(seqs) + 1) if q not in seqs and not before < q < again]
    frames = read_pcap(s.pcap)
    leaks = clear_frames(frames)
    log("wire capture: %d frames, %d ESP, %d with a LAN address in the clear"
        % (len(frames), esp_frames(frames), len(leaks)))
    if leaks:
        fail("CLEAR-TEXT LEAK: %d frames with LAN addresses on the wire, first %s"
             % (len(leaks), leaks[:5]))
    if lost_outside:
        fail("pings lost outside the disabled period: seq %s" % lost_outside)
    print("figures: DOWN %.3f s after `session disable` (IKE_SA and CHILD_SA gone after %.3f "
          "s); disabled %.1f s; UP %.3f s after `session enable`, first answered ping %.3f s "
          "after it; pings %d sent, %d answered, %d lost (seq %d-%d, all while disabled, none "
          "outside); SPIs in/out %s/%s -> %s/%s; clear-text frames on the wire: none; with a "
          "default route on gw-a while disabled, card A discarded %d frames"
          % (time_to_down, time_to_gone, wall_enable - wall_disable, time_to_up,
             time_to_traffic, sent, got, sent - got, before + 1, again - 1, spis1[0],
             spis1[1], spis2[0], spis2[1], probe_discarded), flush=True)
    print("PASS", flush=True)
    return 0


def delta(a, b, key):
    return b.get(key, 0) - a.get(key, 0)


def default_route_probe(demo, frames=5):
    """While the session is disabled: gw-a gets a default route over the wire (as a gateway
    whose uplink is the card's port would have) until card A has taken that many frames on
    it (discarded or bypassed), so LAN A's pings to LAN B
    reach card A with no CHILD_SA for them. The card must discard them (its counter rises)
    and none may leave in the clear. Returns the frames card A discarded meanwhile."""
    s = demo.sites
    wall0 = time.time()
    c0 = demo.gw_a.card_counters()
    c1 = {}

    def taken():
        c1.update(demo.gw_a.card_counters())
        return delta(c0, c1, "eg_bypassed") + delta(c0, c1, "eg_discarded") >= frames
    s.ip("gwa", "route", "add", "default", "via", GW_B, "dev", "espnic0")
    try:
        wait_for("%d frames through card A on gw-a's default route" % frames, taken,
                 timeout=120, interval=0.1)
    except TimeoutError:
        fail("(2) probe: card A took %d frames on gw-a's default route, expected %d: %s"
             % (delta(c0, c1, "eg_bypassed") + delta(c0, c1, "eg_discarded"), frames, c1))
    finally:
        s.ip("gwa", "route", "del", "default", "via", GW_B, "dev", "espnic0")
    seconds = time.time() - wall0
    leaks = [x for x in clear_frames(read_pcap(s.pcap)) if x[2] == HOST_A]
    discarded = delta(c0, c1, "eg_discarded")
    log("(2) probe: a default route via %s on gw-a for %.1f s while disabled: card A "
        "discarded %d frames, bypassed %d; %d frames from %s in the clear on the wire"
        % (GW_B, seconds, discarded, delta(c0, c1, "eg_bypassed"), len(leaks), HOST_A))
    if leaks:
        fail("(2) CLEAR-TEXT LEAK with session %s disabled and a default route on gw-a over "
             "the card's port: %d frames from LAN A on the wire, first %s (the card must "
             "discard traffic that has no CHILD_SA)" % (SESSION, len(leaks), leaks[:5]))
    if discarded <= 0:
        fail("(2) card A discarded nothing while LAN A's pings had a route over its port "
             "and no CHILD_SA")
    return discarded


if __name__ == "__main__":
    sys.exit(main())
