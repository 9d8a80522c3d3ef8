"""espnic_demo.py: `espnic demo`, an IPsec tunnel between two sites in network namespaces,
site A being espnicd on a simulated espnic card (espnic-sim run) and site B strongSwan or a
second espnicd on a second card. The session is configured through espnicd's API with the
`espnic` CLI, traffic crosses the tunnel (ping, a TCP transfer, a UDP stream) and a status
table shows the card's own counters until ^C or --duration. Everything made is removed again,
also on ^C, SIGTERM or a failure. Started by `espnic demo` (host/cli/demo_cmd.c), which passes
--cli; espnicd's and espnic-sim's paths come from espnic-demo.paths next to this file."""
import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from sitelab import (CHARON, EXC_IF, GW_A, GW_B, HOST_A, HOST_B, NET_A, NET_B, Charon,  # noqa: E402
                     Forwarder, Sites, UnixHTTP, ping_stats, run, wait_for)
import route_lab  # noqa: E402

TRAFFIC = os.path.join(HERE, "traffic.py")
SESSION = "demo"
TCP_BYTES = 200 * 1024
UDP_SIZE, UDP_PPS = 1000, 20
WEB_PORT = 8443  # the console's port inside gw-a's namespace
EXIT_FAIL, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class Failure(Exception):
    """The demo cannot go on: the message says why."""


class Interrupted(Exception):
    """SIGINT or SIGTERM."""


T0 = time.monotonic()


def say(text):
    quiet_print("[%5.1f s] %s" % (time.monotonic() - T0, text))


def quiet_print(text, file=None):
    """print that never fails: a reader gone away (a closed pipe) must not stop the cleaning."""
    try:
        print(text, file=file or sys.stdout, flush=True)
    except (OSError, ValueError):
        pass


class Gateway:
    """One espnicd with a state directory, its API socket and a card."""

    def __init__(self, sites, args, side, ns, listen, card_sock, web_password=None,
                 extra_config=None):
        """web_password: the web console on (127.0.0.1:WEB_PORT in the namespace) with
        this password, set through `espnic web passwd` before espnicd starts; extra_config:
        more keys of espnicd's configuration."""
        self.sites, self.args, self.side = sites, args, side
        self.state = sites.path("espnicd-%s-state" % side)
        self.api_sock = sites.path("espnicd-%s.api" % side)
        self.card_sock = card_sock
        self.log = sites.path("espnicd-%s.log" % side)
        config = sites.path("espnicd-%s.json" % side)
        settings = {"listen": listen, "dataplane": "card:sim:" + card_sock,
                    "card_host_if": "espnic0", "log_level": "info",
                    "card_exception_if": EXC_IF}
        settings.update(extra_config or {})
        if web_password is not None:
            settings["web"] = {"address": "127.0.0.1", "port": WEB_PORT}
            os.mkdir(self.state, 0o700)
            p = run(args.cli, "web", "passwd", "--state-dir", self.state,
                    input=web_password + "\n", check=False)
            if p.returncode != 0:
                raise Failure("espnic web passwd failed: %s" % p.stderr.strip())
        with open(config, "w") as f:
            json.dump(settings, f, indent=1)
        self.proc = sites.spawn(ns, [args.espnicd, "-c", config, "-S", self.state, "-a",
                                     self.api_sock], os.path.basename(self.log))

        def ready():
            if self.proc.poll() is not None:
                raise Failure("espnicd (site %s) exited with status %d:\n%s"
                              % (side, self.proc.returncode, sites.log_tail(self.log, 3000)))
            return os.path.exists(self.api_sock) and self.get("/api")[0] == 200
        wait_for("espnicd's API (site %s)" % side, ready, timeout=60)

    def get(self, path):
        c = UnixHTTP(self.api_sock)
        try:
            c.request("GET", path)
            r = c.getresponse()
            text = r.read().decode()
            return r.status, (json.loads(text) if text else None)
        except (OSError, ValueError):
            return 0, None
        finally:
            c.close()

    def status(self):
        code, st = self.get("/api/v1/ipsec/sessions/%s/status" % SESSION)
        return st if code == 200 else None

    def espnic(self, *argv, show=True, capture=False):
        """Runs the CLI against this espnicd; the command is shown as a user would type it.
        Secrets only ever go through files (--psk-file), never on a command line."""
        if show:
            print("    $ espnic %s" % " ".join(argv), flush=True)
        p = run(self.args.cli, *argv, "--socket", self.api_sock, check=False)
        if p.returncode != 0:
            raise Failure("espnic %s failed (exit %d): %s"
                          % (" ".join(argv), p.returncode, p.stderr.strip()))
        return p.stdout if capture else None

    def card_counters(self):
        p = run(self.args.cli, "card", "-d", "sim:" + self.card_sock, "counters", check=False)
        out = {}
        for line in p.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                out[parts[0]] = int(parts[1])
        return out


def card_drops(c):
    return sum(c.get(k, 0) for k in ("eg_discarded", "eg_malformed", "eg_no_sa", "in_malformed",
                                     "in_no_sa"))


def charon_counters(charon):
    """Site B's row when it is strongSwan: its CHILD_SA and counters from `swanctl
    --list-sas` (charon's own userspace ESP)."""
    text = charon.list_sas()
    m = re.search(r"child-sas \{.*?state=(\w+).*?spi-in=([0-9a-f]+) spi-out=([0-9a-f]+)"
                  r".*?bytes-in=(\d+) packets-in=(\d+).*?bytes-out=(\d+) packets-out=(\d+)",
                  text, re.S)
    ike = re.search(r"\bstate=(\w+)", text)
    if not m:
        return {"status": "DOWN", "ike": ike.group(1) if ike else "NONE"}
    return {"status": "UP" if m.group(1) == "INSTALLED" else m.group(1),
            "ike": ike.group(1) if ike else "-", "spi_in": m.group(2), "spi_out": m.group(3),
            "bytes_in": int(m.group(4)), "packets_in": int(m.group(5)),
            "bytes_out": int(m.group(6)), "packets_out": int(m.group(7)), "errors_in": None}


def espnicd_row(st):
    if not st:
        return {"status": "?", "ike": "?"}
    row = {"status": st.get("status", "?"), "ike": st.get("ike_sa_state", "?")}
    tunnels = [t for t in st.get("tunnels", []) if t.get("state") == "INSTALLED"]
    if tunnels:
        t = tunnels[0]
        row.update(spi_in=t["spi_in"], spi_out=t["spi_out"])
        c = t.get("counters") or {}
        for k in ("packets_in", "bytes_in", "packets_out", "bytes_out", "errors_in"):
            row[k] = c.get(k)
    return row


def read_tally(path):
    try:
        with open(path) as f:
            n, b = f.read().split()
            return int(n), int(b)
    except (OSError, ValueError):
        return 0, 0


HEADER = ("%6s  %-4s %-11s %-11s %-8s %-8s %9s %10s %9s %10s %7s | %9s %9s %6s"
          % ("TIME", "SITE", "TUNNEL", "IKE_SA", "SPI-IN", "SPI-OUT", "PKTS-OUT", "BYTES-OUT",
             "PKTS-IN", "BYTES-IN", "SA-DROP", "CARD-ENC", "CARD-DEC", "C-DROP"))


def fmt(v):
    return "-" if v is None else str(v)


def table_row(elapsed, site, row, card):
    return ("%5.1fs  %-4s %-11s %-11s %-8s %-8s %9s %10s %9s %10s %7s | %9s %9s %6s"
            % (elapsed, site, row.get("status", "?"), row.get("ike", "?"),
               row.get("spi_in", "-"), row.get("spi_out", "-"), fmt(row.get("packets_out")),
               fmt(row.get("bytes_out")), fmt(row.get("packets_in")),
               fmt(row.get("bytes_in")), fmt(row.get("errors_in")),
               fmt(card.get("eg_protected") if card else None),
               fmt(card.get("in_decrypted") if card else None),
               fmt(card_drops(card) if card else None)))


class Demo:
    def __init__(self, args):
        self.args = args
        self.sites = Sites("espnic-demo-%d" % os.getpid(), args.sim,
                           second_card=args.peer == "espnic", prefix="espnic-demo-")
        self.gw_a = self.gw_b = self.charon = None
        self.ping = self.udp_sink = self.udp_source = None
        self.forwarder = None
        self.figures = {}

    # -- set-up --------------------------------------------------------------------------

    def build(self):
        s = self.sites
        say("building the sites: namespaces %s-{lana,gwa,gwb,lanb}, files in %s"
            % (s.tag, s.dir))
        s.setup()
        say("card A (espnic-sim run, socket %s) between gw-a's espnic0 (%s) and the wire"
            % (s.sock, GW_A))
        if self.args.peer == "espnic":
            say("card B (socket %s) cabled wire to wire, its host port espnic0 (%s) in gw-b"
                % (s.sock_b, GW_B))
        else:
            say("card A's wire is a TAP in gw-b (%s), where strongSwan runs" % GW_B)

    def write_psk(self):
        """A fresh random PSK in a 0600 file of the 0700 secrets directory: never shown."""
        d = self.sites.path("secrets")
        os.mkdir(d, 0o700)
        self.psk_file = os.path.join(d, "psk")
        fd = os.open(self.psk_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(24))

    def configure(self):
        self.write_psk()
        say("starting espnicd on site A (API socket %s)" % os.path.basename(
            self.sites.path("espnicd-A.api")))
        web_password = self.web_password() if self.args.web else None
        self.gw_a = Gateway(self.sites, self.args, "A", "gwa", GW_A, self.sites.sock,
                            web_password)
        if self.args.web:
            self.open_console()
        say("site A: the session through the API (the PSK from a 0600 file)")
        self.gw_a.espnic("endpoint", "add", "site-a", "--address", GW_A)
        self.gw_a.espnic("session", "add", SESSION, "--endpoint", "site-a", "--peer", GW_B,
                         "--local-networks", NET_A, "--remote-networks", NET_B, "--psk-file",
                         self.psk_file, "--enabled", "no")
        if self.args.peer == "strongswan":
            say("site B: strongSwan (charon, kernel-libipsec) with the swanctl.conf that "
                "`espnic session peer-config` writes")
            # espnicd never hands out the PSK: the CLI fills in our copy, into a 0600 file
            path = os.path.join(os.path.dirname(self.psk_file), "swanctl.conf")
            self.gw_a.espnic("session", "peer-config", SESSION, "--format", "swanctl",
                             "--psk-file", self.psk_file, "--output", path)
            with open(path) as f:
                conf = f.read()
            self.charon = Charon(self.sites, "gwb", conf)
        else:
            say("site B: a second espnicd on card B, responding")
            self.gw_b = Gateway(self.sites, self.args, "B", "gwb", GW_B, self.sites.sock_b)
            self.gw_b.espnic("endpoint", "add", "site-b", "--address", GW_B)
            self.gw_b.espnic("session", "add", SESSION, "--endpoint", "site-b", "--peer", GW_A,
                             "--local-networks", NET_B, "--remote-networks", NET_A,
                             "--psk-file", self.psk_file, "--initiation", "RESPOND_ONLY")

    def web_password(self):
        """The console's password: the user's file (--web-password-file) or a random one in a
        0600 file of the secrets directory, whose path is printed (never the password)."""
        if self.args.web_password_file:
            with open(self.args.web_password_file) as f:
                return f.readline().rstrip("\n")
        self.web_password_path = os.path.join(os.path.dirname(self.psk_file), "web-password")
        password = secrets.token_urlsafe(12)
        fd = os.open(self.web_password_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")
        return password

    def open_console(self):
        """The console listens on 127.0.0.1 inside gw-a's namespace; a relay brings it to the
        host's 127.0.0.1:--web-port, where a browser can reach it."""
        self.forwarder = Forwarder("/run/netns/" + self.sites.ns["gwa"], WEB_PORT,
                                   self.args.web_port)
        self.web_url = "https://127.0.0.1:%d/" % self.forwarder.port
        wait_for("the web console", lambda: "web console on" in self.sites.log_tail(
            self.gw_a.log), timeout=30)
        cert = os.path.join(self.gw_a.state, "web-cert.pem")
        fp = run("openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256",
                 check=False).stdout.strip().split("=")[-1]
        say("web console: %s (self-signed certificate, SHA-256 %s); password %s"
            % (self.web_url, fp, "from " + self.args.web_password_file
               if self.args.web_password_file else "in " + self.web_password_path))

    def bring_up(self):
        say("bringing the tunnel up")
        t = time.monotonic()
        self.gw_a.espnic("session", "enable", SESSION)
        last = {}

        def up():
            st = self.gw_a.status()
            if st:
                last.update(st)
            if self.gw_a.proc.poll() is not None:
                raise Failure("espnicd (site A) exited with status %d"
                              % self.gw_a.proc.returncode)
            return st and st.get("status") == "UP"
        try:
            wait_for("the tunnel", up, timeout=self.args.setup_timeout, interval=0.05)
        except TimeoutError:
            raise Failure("the tunnel did not come up within %.0f s: session %s is %s (%s)\n"
                          "espnicd's log (site A), last lines:\n%s"
                          % (self.args.setup_timeout, SESSION, last.get("status", "unknown"),
                             last.get("reason", "no reason given"),
                             self.sites.log_tail(self.gw_a.log, 3000)))
        self.figures["setup"] = time.monotonic() - t
        st = self.gw_a.status()
        tun = st["tunnels"][0]
        say("tunnel UP in %.2f s: IKE_SA %s (%s, %s, %s), CHILD_SA SPIs in %s / out %s (%s%s)"
            % (self.figures["setup"], st["ike_sa"]["spis"],
               st["ike_sa"].get("encryption_algorithm"),
               st["ike_sa"].get("digest_algorithm"), st["ike_sa"].get("dh_group"),
               tun["spi_in"], tun["spi_out"], tun["encryption_algorithm"],
               ", ESP in UDP" if st["ike_sa"].get("udp_encapsulation") else ""))
        if self.charon:
            wait_for("strongSwan's CHILD_SA", self.charon.child, timeout=10)
        elif self.gw_b:
            wait_for("site B's session", lambda: (self.gw_b.status() or {})
                     .get("status") == "UP", timeout=10)

    # -- traffic -------------------------------------------------------------------------

    def first_traffic(self):
        s = self.sites
        say("ping %s -> %s through the tunnel" % (HOST_A, HOST_B))
        r = s.exec("lana", "ping", "-c", "5", "-i", "0.2", "-W", "5", HOST_B, check=False)
        sent, got, rtt = ping_stats(r.stdout)
        if got == 0:
            raise Failure("traffic does not flow: no answer to %d pings from %s to %s "
                          "through the tunnel" % (sent, HOST_A, HOST_B))
        self.figures["rtt"] = rtt
        say("    %d/%d answered, RTT %.2f ms average" % (got, sent, rtt))
        say("TCP: %d KB from %s to %s (content checked)" % (TCP_BYTES // 1024, HOST_A, HOST_B))
        server = s.spawn("lanb", ["python3", TRAFFIC, "tcp-server", HOST_B, "5001",
                                  str(TCP_BYTES)], None, stdout=subprocess.PIPE)
        if server.stdout.readline().strip() != "listening":
            raise Failure("the TCP receiver in lan-b did not start")
        client = s.exec("lana", "python3", TRAFFIC, "tcp-client", HOST_B, "5001",
                        str(TCP_BYTES), check=False, timeout=60)
        try:
            out, _ = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            out = ""
        if client.returncode != 0 or out.strip() != "%d True" % TCP_BYTES:
            raise Failure("traffic does not flow: the TCP transfer failed (%s)"
                          % (client.stdout.strip().splitlines() or ["no output"])[-1])
        seconds = float(client.stdout.split()[-1])
        self.figures["tcp_kbit"] = TCP_BYTES * 8 / seconds / 1000
        say("    %d bytes in %.2f s (%.0f kbit/s through the simulated card)"
            % (TCP_BYTES, seconds, self.figures["tcp_kbit"]))

    def start_background(self):
        s = self.sites
        self.ping_log = s.path("ping.log")
        self.ping = s.spawn("lana", ["ping", "-i", "0.5", "-W", "2", HOST_B], "ping.log")
        self.sink_file, self.source_file = s.path("udp-sink"), s.path("udp-source")
        self.udp_sink = s.spawn("lanb", ["python3", TRAFFIC, "udp-sink", HOST_B, "5002",
                                         self.sink_file], "udp-sink.log")
        wait_for("the UDP receiver", lambda: os.path.exists(self.sink_file), timeout=10)
        self.udp_source = s.spawn("lana", ["python3", TRAFFIC, "udp-source", HOST_B, "5002",
                                           str(UDP_SIZE), str(UDP_PPS), self.source_file],
                                  "udp-source.log")

    def ping_replies(self):
        """(replies so far, the last RTT in ms) from the running ping's output."""
        try:
            with open(self.ping_log) as f:
                text = f.read()
        except OSError:
            return 0, None
        rtts = re.findall(r"bytes from .* time=([\d.]+) ms", text)
        return len(rtts), (float(rtts[-1]) if rtts else None)

    def stop_background(self):
        """Stops the traffic and returns (pings sent, answered, UDP sent, received)."""
        s = self.sites
        s.stop(self.ping, signal.SIGINT, timeout=5)  # ping prints its summary on SIGINT
        sent, got, _ = ping_stats(s.log_tail(self.ping_log))
        s.stop(self.udp_source, timeout=5)
        udp_sent = read_tally(self.source_file)[0]
        try:  # the last datagrams are in flight through the simulated cards
            wait_for("the last UDP datagrams", lambda: read_tally(self.sink_file)[0] >= udp_sent,
                     timeout=2)
        except TimeoutError:
            pass
        s.stop(self.udp_sink, timeout=5)
        return sent, got, udp_sent, read_tally(self.sink_file)[0]

    # -- the live table ------------------------------------------------------------------

    def snapshot(self):
        rows = [("A", espnicd_row(self.gw_a.status()), self.gw_a.card_counters())]
        if self.gw_b:
            rows.append(("B", espnicd_row(self.gw_b.status()), self.gw_b.card_counters()))
        else:
            rows.append(("B", charon_counters(self.charon), None))
        return rows

    def live(self):
        tty = sys.stdout.isatty()
        start = time.monotonic()
        base = self.gw_a.card_counters()
        peer = "strongSwan (charon, kernel-libipsec)" if self.charon else "espnicd on card B"
        print(flush=True)
        print("site A: espnicd on card A; site B: %s. Counters are the cards' own (per SA "
              "through espnicd's API, CARD-* the port counters); %s."
              % (peer, "^C to stop" if self.args.duration is None
                 else "for %g s (^C stops earlier)" % self.args.duration), flush=True)
        print("CARD-ENC: frames the card encrypted, CARD-DEC: ESP it decrypted, C-DROP: frames "
              "it dropped (discard, malformed, no SA)", flush=True)
        print(HEADER, flush=True)
        drawn = 0
        final = None
        try:
            while True:
                rows = self.snapshot()
                elapsed = time.monotonic() - start  # when the counters were read
                replies, rtt = self.ping_replies()
                udp_got = read_tally(self.sink_file)[0]  # first: the source's count is newer
                udp_sent = read_tally(self.source_file)[0]
                lines = [table_row(elapsed, site, row, card) for site, row, card in rows]
                lines.append("%6s  traffic: %d ping replies (last RTT %s ms), UDP %d of %d "
                             "datagrams (%d bytes) received"
                             % ("", replies, fmt(rtt), udp_got, udp_sent, UDP_SIZE))
                if tty and drawn:
                    sys.stdout.write("\x1b[%dA" % drawn)
                for line in lines:
                    sys.stdout.write(("\x1b[2K" if tty else "") + line + "\n")
                sys.stdout.flush()
                drawn = len(lines)
                final = rows
                if self.args.duration is not None and elapsed >= self.args.duration:
                    break
                # The next refresh on the interval's grid (reading the cards takes time).
                ticks = int((time.monotonic() - start) / self.args.interval) + 1
                if self.args.duration is not None:
                    ticks = min(ticks, self.args.duration / self.args.interval)
                time.sleep(max(0.0, start + ticks * self.args.interval - time.monotonic()))
        except Interrupted:
            print("(stopped)", flush=True)
        self.figures["live"] = time.monotonic() - start
        return base, final, self.stop_background()

    def verdict(self, base, final, traffic):
        if final is None:
            raise Failure("no status could be read")
        rows = final
        sent, replies, udp_sent, udp_got = traffic
        site, row, card = rows[0]
        now = self.gw_a.card_counters() or card
        enc = now.get("eg_protected", 0) - base.get("eg_protected", 0)
        dec = now.get("in_decrypted", 0) - base.get("in_decrypted", 0)
        self.figures.update(enc=now.get("eg_protected", 0), dec=now.get("in_decrypted", 0),
                            drops=card_drops(now), sa_drops=row.get("errors_in"))
        if row.get("status") != "UP":
            raise Failure("the tunnel went down during the demo (site A: %s)"
                          % row.get("status"))
        if (sent > 1 and replies == 0) or (udp_sent > 5 and udp_got == 0) or enc == 0 or \
                dec == 0:
            raise Failure("traffic did not flow during the demo: %d/%d pings answered, %d/%d "
                          "UDP datagrams, card A encrypted %d and decrypted %d frames"
                          % (replies, sent, udp_got, udp_sent, enc, dec))
        say("summary: tunnel up in %.2f s, ping RTT %.2f ms, TCP %.0f kbit/s; card A encrypted "
            "%d and decrypted %d frames, %d port drops, %s SA drops; ping %d/%d, UDP %d/%d"
            % (self.figures["setup"], self.figures["rtt"], self.figures["tcp_kbit"],
               self.figures["enc"], self.figures["dec"], self.figures["drops"],
               fmt(self.figures["sa_drops"]), replies, sent, udp_got, udp_sent))

    # -- tear-down -----------------------------------------------------------------------

    def close(self, keep_dir=False):
        say("cleaning up: stopping what the demo started (by PID), removing namespaces %s-* "
            "and %s" % (self.sites.tag, self.sites.dir))
        s = self.sites
        if self.forwarder is not None:
            self.forwarder.close()
        for p in (self.udp_source, self.udp_sink, self.ping):
            if p is not None:
                s.stop(p, signal.SIGINT, timeout=5)
        # espnicd first: its Deletes reach a peer still running; it empties its card.
        for gw in (self.gw_a, self.gw_b):
            if gw is not None:
                rc = s.stop(gw.proc, timeout=30)
                if rc != 0:
                    quiet_print("    espnicd (site %s) exited with status %d" % (gw.side, rc))
        s.close(keep_dir=keep_dir)
        say("cleaned up")


class RouteDemo(Demo):
    """`espnic demo --route-based`: two sites, espnicd on two cards with FRR, two route-based
    sessions (redundant tunnels, site B with two addresses) with BGP, BFD and passwords; the
    learned routes; a failover while a ping runs every 10 ms (route_lab.py)."""

    def __init__(self, args):
        self.args = args
        self.sites = Sites("espnic-demo-%d" % os.getpid(), args.sim, second_card=True,
                           prefix="espnic-demo-", host_vlans=route_lab.HOST_VLANS)
        self.gw_a = self.gw_b = self.charon = None
        self.ping = self.udp_sink = self.udp_source = None
        self.forwarder = None
        self.frr = {}

    def build(self):
        s = self.sites
        say("building the sites: namespaces %s-{lana,gwa,gwb,lanb}, files in %s"
            % (s.tag, s.dir))
        s.setup()
        route_lab.prepare_tunnel_interfaces(s)
        say("card A (gw-a's espnic0, %s) and card B (gw-b's espnic0, %s and %s) cabled wire to "
            "wire; each card's host port VLANs 10 and 20 are the tunnel interfaces vti10 and "
            "vti20 (espnic-sim --host-vlan)" % (GW_A, GW_B, route_lab.GW_B2))
        for ns in ("gwa", "gwb"):
            self.frr[ns] = route_lab.start_frr(s, ns)
        say("FRR (zebra, bgpd, bfdd) running in gw-a and gw-b")

    def configure(self):
        self.write_psk()
        with open(self.psk_file) as f:
            psk = f.read()
        passwords = route_lab.new_passwords()
        say("starting espnicd on both sites (site B answers on both of its addresses)")
        self.gw_b = Gateway(self.sites, self.args, "B", "gwb", "0.0.0.0", self.sites.sock_b,
                            extra_config={"frr_vty_socket": self.frr["gwb"]})
        self.gw_a = Gateway(self.sites, self.args, "A", "gwa", GW_A, self.sites.sock,
                            extra_config={"frr_vty_socket": self.frr["gwa"]})
        self.gw_b.espnic("endpoint", "add", "site-b", "--address", GW_B)
        self.gw_b.espnic("endpoint", "add", "site-b2", "--address", route_lab.GW_B2)
        self.gw_a.espnic("endpoint", "add", "site-a", "--address", GW_A)
        for gw, side in ((self.gw_b, "B"), (self.gw_a, "A")):
            for name in route_lab.TUNNELS:
                body = route_lab.session_body(side, name, True, psk, passwords[name])
                code, resp = route_lab.api_put(gw, "/api/v1/ipsec/sessions/" + name, body)
                if code != 201:
                    raise Failure("site %s: session %s refused (%d): %s" % (side, name, code,
                                                                           resp))
        for name, t in route_lab.TUNNELS.items():
            say("site A: RouteBasedIPSecVpnSession %s: VLAN %d (%s %s/30) to %s; BGP AS 65001 "
                "-> 65002 at %s, keepalive 3 s, hold 9 s, BFD, a password (random, write-only: "
                "GET says password_configured)" % (name, t[0], t[1], t[2], t[7], t[3]))
        code, one = self.gw_a.get("/api/v1/ipsec/sessions/tun1")
        say("GET tun1's bgp: %s" % json.dumps(one.get("bgp")))

    def bring_up(self):
        def up():
            return all((self.gw_a.get("/api/v1/ipsec/sessions/%s/status" % n)[1] or {})
                       .get("status") == "UP" for n in route_lab.TUNNELS)
        wait_for("both route-based sessions UP", up, timeout=self.args.setup_timeout)
        say("both tunnels UP (IKEv2, selectors 0.0.0.0/0)")
        wait_for("BGP Established with BFD up over both tunnels",
                 lambda: route_lab.both_established(self.gw_a, True),
                 timeout=max(120, self.args.setup_timeout), interval=0.2)
        for name in route_lab.TUNNELS:
            say("BGP over %s: %s" % (name, json.dumps(route_lab.bgp_of(self.gw_a, name))))
        say("site A's routes learned by BGP (FRR):")
        out = self.sites.exec("gwa", "vtysh", "--vty_socket", self.frr["gwa"], "-c",
                              "show ip route bgp", check=False).stdout
        for line in out.splitlines():
            if line.startswith(("B", "  ")) and "via" in line:
                quiet_print("    " + line.rstrip())
        say("site A's kernel route to LAN B: %s" % route_lab.route_text(self.sites))
        wait_for("a ping LAN A -> LAN B answered", lambda: self.sites.exec(
            "lana", "ping", "-c", "1", "-W", "2", HOST_B, check=False).returncode == 0,
            timeout=60, interval=0.5)
        say("ping %s -> %s answered through the tunnels" % (HOST_A, HOST_B))

    def run_failover(self):
        sent, lost, longest = route_lab.failover(self.sites, self.gw_a, True, say)
        say("failover figure: %d of %d pings lost at 10 ms intervals (%.2f s of loss) with "
            "BFD; BGP timers alone take up to the hold time (9 s)" % (lost, sent,
                                                                   longest * 0.01))


def find_paths(args):
    """espnicd and espnic-sim: --espnicd/--sim, else espnic-demo.paths next to this file
    (written by CMake for the build tree and the installation), else $PATH."""
    paths = {}
    try:
        with open(os.path.join(HERE, "espnic-demo.paths")) as f:
            paths = json.load(f)
    except (OSError, ValueError):
        pass
    for key, name in (("espnicd", "espnicd"), ("sim", "espnic-sim")):
        if getattr(args, key):
            continue
        cand = paths.get(key)
        if not (cand and os.access(cand, os.X_OK)):
            cand = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if not cand:
            raise Failure("cannot find %s (build it: scripts/build.sh)" % name)
        setattr(args, key, cand)


def preflight(args):
    if os.geteuid() != 0:
        raise Failure("needs root: it creates network namespaces, TAP devices and veths "
                      "(run it as root, e.g. sudo espnic demo)")
    missing = [t for t in ("ip", "ping") if shutil.which(t) is None]
    if args.peer == "strongswan" and not args.route_based:
        if shutil.which("swanctl") is None:
            missing.append("swanctl (package strongswan-swanctl)")
        if not os.path.exists(CHARON):
            missing.append("charon (packages strongswan, libcharon-extra-plugins)")
    if args.route_based:
        missing += [t for t in ("vtysh", "nft") if shutil.which(t) is None]
        if not os.path.exists("/usr/lib/frr/bgpd"):
            missing.append("FRR (package frr)")
    if missing:
        raise Failure("missing: %s; scripts/setup.sh installs them" % ", ".join(missing))
    find_paths(args)


def parse(argv):
    ap = argparse.ArgumentParser(
        prog="espnic demo",
        description="An IPsec tunnel between two sites in network namespaces: site A is "
        "espnicd on a simulated espnic card, site B strongSwan (default) or a second espnicd "
        "on a second card. The session is configured through espnicd's API, traffic crosses "
        "the tunnel and a table shows the card's counters. Needs root. Only 198.18.0.0/15 "
        "addresses, inside namespaces it creates and removes again.",
        epilog="Exit status: 0 the tunnel came up and carried the traffic; 1 it did not, or "
        "the demo could not run (the message says why); 2 bad arguments; 130 interrupted "
        "before the tunnel was up.")
    ap.add_argument("--peer", choices=["strongswan", "espnic"], default="strongswan",
                    help="site B: strongSwan (default) or espnicd on a second card")
    ap.add_argument("--route-based", action="store_true",
                    help="route-based instead: espnicd on two cards with FRR, two redundant "
                    "tunnels with BGP (BFD, passwords), the learned routes and a failover "
                    "while a ping runs every 10 ms")
    ap.add_argument("--duration", type=float, metavar="SECONDS",
                    help="show the status table this long, then stop (default: until ^C)")
    ap.add_argument("--interval", type=float, default=1.0, metavar="SECONDS",
                    help="status table refresh (default 1)")
    ap.add_argument("--setup-timeout", type=float, default=60.0, metavar="SECONDS",
                    help="how long the tunnel may take to come up (default 60)")
    ap.add_argument("--keep-files", action="store_true",
                    help="keep the temporary directory (logs, configuration) when a step fails")
    ap.add_argument("--web", action="store_true",
                    help="site A's web console on: its URL and where the password is are "
                    "printed (the console listens in site A's namespace; the demo relays it "
                    "to the host's 127.0.0.1)")
    ap.add_argument("--web-port", type=int, default=8443, metavar="PORT",
                    help="the console's port on the host's 127.0.0.1 (default 8443; 0: any)")
    ap.add_argument("--web-password-file", metavar="FILE",
                    help="the console's password from FILE (default: a random one in a 0600 "
                    "file whose path is printed)")
    ap.add_argument("--cli", required=True, help=argparse.SUPPRESS)
    ap.add_argument("--espnicd", help=argparse.SUPPRESS)
    ap.add_argument("--sim", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.duration is not None and not 0 < args.duration <= 86400:
        ap.error("--duration: must be more than 0 and at most 86400 seconds")
    if not 0.2 <= args.interval <= 60:
        ap.error("--interval: must be between 0.2 and 60 seconds")
    if not 0 <= args.web_port <= 65535:
        ap.error("--web-port: 0 to 65535")
    if (args.web_port != 8443 or args.web_password_file) and not args.web:
        ap.error("--web-port and --web-password-file go with --web")
    if args.route_based and args.web:
        ap.error("--route-based has no --web")
    if not 1 <= args.setup_timeout <= 600:
        ap.error("--setup-timeout: must be between 1 and 600 seconds")
    return args


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)

    def interrupted(signum, _frame):
        raise Interrupted(signal.Signals(signum).name)
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    try:
        preflight(args)
    except Failure as e:
        print("espnic demo: %s" % e, file=sys.stderr)
        return EXIT_FAIL
    demo = RouteDemo(args) if args.route_based else Demo(args)
    rc, failed = 0, False
    try:
        demo.build()
        demo.configure()
        demo.bring_up()
        if args.route_based:
            demo.run_failover()
        else:
            demo.first_traffic()
            demo.start_background()
            demo.verdict(*demo.live())
    except Failure as e:
        quiet_print("espnic demo: FAILED: %s" % e, sys.stderr)
        rc, failed = EXIT_FAIL, True
    except (TimeoutError, RuntimeError, subprocess.SubprocessError, OSError) as e:
        detail = getattr(e, "stderr", None)
        quiet_print("espnic demo: FAILED: %s%s" % (e, (": " + detail.strip()) if detail else ""),
                    sys.stderr)
        rc, failed = EXIT_FAIL, True
    except Interrupted as e:
        quiet_print("espnic demo: interrupted (%s) before the demo was running" % e, sys.stderr)
        rc = EXIT_INTERRUPTED
    finally:
        # A second ^C or SIGTERM does not cut the cleaning short (each step is bounded).
        def later(signum, _frame):
            quiet_print("espnic demo: still cleaning up (%s ignored)"
                        % signal.Signals(signum).name, sys.stderr)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, later)
        if failed and args.keep_files:
            for p in demo.sites.logs:
                quiet_print("    log: %s" % p, sys.stderr)
        keep = failed and args.keep_files
        demo.close(keep_dir=keep)
        if keep:
            quiet_print("espnic demo: files kept in %s" % demo.sites.dir, sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
