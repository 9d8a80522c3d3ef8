"""sitelab.py: two VPN sites in network namespaces around simulated espnic cards, shared by
`espnic demo` (espnic_demo.py) and the tests (through tests/support).

    lan-a (198.19.1.10)          gw-a                               gw-b            lan-b
      veth ---- 198.19.1.1 [espnicd]  espnic0 = card A's host port   [peer]          (198.19.2.10)
                           198.18.0.1 |                              198.19.2.1 ---- veth
                                      card A (espnic-sim run) wire -- site B's wire

Site B's wire is either card A's wire TAP moved into gw-b (198.18.0.2 on it: a software
peer such as strongSwan) or a second card cabled wire to wire, its host port a TAP in gw-b
(198.18.0.2 on it: a second espnicd). Only 198.18.0.0/15 addresses, all inside the
namespaces made here. Every process is started in its own process group (a terminal's ^C
reaches only the caller) and stopped by its PID; close() removes the processes, the
namespaces (and with them the TAPs and veths) and the temporary directory."""
import ctypes
import http.client
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

GW_A, GW_B = "198.18.0.1", "198.18.0.2"
NET_A, NET_B = "198.19.1.0/24", "198.19.2.0/24"
HOST_A, HOST_B = "198.19.1.10", "198.19.2.10"
# The card's exception path has its own TAP (espnic-sim run --host-exception), whose MTU
# takes a reassembled packet whole; espnicd's card_exception_if.
EXC_IF = "espnic0x"
LAN_GW_A, LAN_GW_B = "198.19.1.1", "198.19.2.1"
CHARON = "/usr/lib/ipsec/charon"
# The LANs' and the card host ports' MTU: a LAN's usual 1500. Packets that do not fit a
# tunnel's ESP are the kernel's to handle: espnicd's routes through the card carry the
# tunnel's inner MTU (1438 for ESP in UDP with AES-GCM at the card's 1500), so the gateway
# sends "fragmentation needed" for DF packets and fragments the others before the card.
MTU = 1500


def run(*cmd, check=True, input=None, env=None, timeout=120):
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, input=input, env=env, timeout=timeout)


class UnixHTTP(http.client.HTTPConnection):
    """HTTP over a UNIX socket (espnicd's API)."""

    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def wait_for(what, predicate, timeout=30.0, interval=0.1):
    """Polls predicate until it holds; raises TimeoutError naming what after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


class Sites:
    """The four namespaces (keys lana, gwa, gwb, lanb), the LAN links and the card(s).

    second_card: site B gets its own card (host port espnic0 in gw-b, the two wires cabled)
    instead of card A's wire TAP. Card sockets: self.sock (A) and self.sock_b (B)."""

    def __init__(self, tag, sim_bin, second_card=False, prefix="espnic-sites-", host_vlans=None):
        self.tag = tag
        # {VID: IFNAME}: each card's host port VLAN VID gets its own TAP IFNAME in the
        # gateway's namespace (espnic-sim --host-vlan; route-based sessions' tunnel
        # interfaces, what espnic0.VID would be with the 8021q module).
        self.vlan_args = [a for vid, ifname in sorted((host_vlans or {}).items())
                          for a in ("--host-vlan", "%d=%s" % (vid, ifname))]
        self.sim_bin = sim_bin
        self.second_card = second_card
        self.ns = {k: "%s-%s" % (tag, k) for k in ("lana", "gwa", "gwb", "lanb")}
        self.dir = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.dir, 0o755)
        self.procs, self.logs, self.made_ns = [], [], []
        self.lan_if = {}  # the LAN hosts' interfaces, by namespace key (lana, lanb)
        short = re.sub(r"[^a-z0-9]", "", tag.lower())[-10:]
        self.card = "a" + short
        self.card_b = "b" + short
        self.sock = os.path.join(self.dir, self.card + ".sock")
        self.sock_b = os.path.join(self.dir, self.card_b + ".sock")
        self.pcap = os.path.join(self.dir, "wire.pcap")

    # -- running things ------------------------------------------------------------------

    def path(self, name):
        return os.path.join(self.dir, name)

    def ip(self, ns, *args):
        return run("ip", "-n", self.ns[ns], *args)

    def sysctl(self, ns, *kv):
        run("ip", "netns", "exec", self.ns[ns], "sysctl", "-qw", *kv)

    def spawn(self, ns, argv, log_name, env=None, stdout=None):
        """Starts argv inside namespace ns (ip netns exec execs it: the PID is argv's),
        output to log_name in the directory (or stdout=subprocess.PIPE)."""
        log = None
        if stdout is None:
            log = open(self.path(log_name), "w")
            self.logs.append(self.path(log_name))
        try:
            p = subprocess.Popen(["ip", "netns", "exec", self.ns[ns]] + list(argv),
                                 stdout=stdout if log is None else log,
                                 stderr=subprocess.STDOUT, env=env, text=True,
                                 start_new_session=True)
        finally:
            if log is not None:
                log.close()
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=20):
        """Signals one process we started (by its PID) and waits; SIGKILL after timeout."""
        if p.poll() is None:
            p.send_signal(sig)
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()

    def exec(self, ns, *cmd, check=True, timeout=60):
        return subprocess.run(["ip", "netns", "exec", self.ns[ns]] + list(cmd), check=check,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)

    # -- building ------------------------------------------------------------------------

    def add_namespaces(self):
        """Every namespace of self.ns, IPv4 only, its loopback up (removed by close())."""
        for ns in self.ns.values():
            run("ip", "netns", "add", ns)
            self.made_ns.append(ns)
        for k in self.ns:
            self.sysctl(k, "net.ipv6.conf.all.disable_ipv6=1",
                        "net.ipv6.conf.default.disable_ipv6=1")
            self.ip(k, "link", "set", "lo", "up")

    def setup(self):
        self.add_namespaces()
        self.sysctl("gwa", "net.ipv4.ip_forward=1")
        self.sysctl("gwb", "net.ipv4.ip_forward=1")
        # The LANs: one host behind each gateway.
        suffix = "%d" % (os.getpid() % 100000)
        for lan, gw, host, gwaddr in (("lana", "gwa", HOST_A, LAN_GW_A),
                                      ("lanb", "gwb", HOST_B, LAN_GW_B)):
            h, g = "h%s%s" % (suffix, lan[-1]), "g%s%s" % (suffix, lan[-1])
            run("ip", "link", "add", h, "netns", self.ns[lan], "mtu", str(MTU), "type",
                "veth", "peer", "name", g, "netns", self.ns[gw], "mtu", str(MTU))
            self.lan_if[lan] = h
            self.ip(lan, "addr", "add", host + "/24", "dev", h)
            self.ip(lan, "link", "set", h, "up")
            self.ip(lan, "route", "add", "default", "via", gwaddr)
            self.ip(gw, "addr", "add", gwaddr + "/24", "dev", g)
            self.ip(gw, "link", "set", g, "up")
        env = dict(os.environ, ESPNIC_RUN_DIR=self.dir)
        if not self.second_card:
            # Card A's ports are TAPs made in gw-a; the wire TAP then moves into gw-b.
            self.sim = self.spawn("gwa", [self.sim_bin, "run", "--name", self.card, "--host",
                                          "tap:espnic0", "--wire", "tap:ewire", "--socket",
                                          self.sock, "--wire-capture", self.pcap,
                                          "--host-exception", EXC_IF], "card.log", env=env)
            self._wait_card(self.sim, self.sock)
            wait_for("card A's wire TAP", lambda: run("ip", "-n", self.ns["gwa"], "link",
                                                      "show", "ewire", check=False)
                     .returncode == 0, timeout=10)
            self.ip("gwa", "link", "set", "ewire", "netns", self.ns["gwb"])
            self.ip("gwb", "link", "set", "ewire", "up")
            self.ip("gwb", "addr", "add", GW_B + "/24", "dev", "ewire")
        else:
            # Two cards, wires cabled (UNIX datagram sockets in the directory).
            self.sim = self.spawn("gwa", [self.sim_bin, "run", "--name", self.card, "--host",
                                          "tap:espnic0", "--wire", "card:" + self.card_b,
                                          "--socket", self.sock, "--wire-capture", self.pcap,
                                          "--host-exception", EXC_IF]
                                  + self.vlan_args, "card-a.log", env=env)
            self.sim_b = self.spawn("gwb", [self.sim_bin, "run", "--name", self.card_b,
                                            "--host", "tap:espnic0", "--wire",
                                            "card:" + self.card, "--socket", self.sock_b,
                                            "--host-exception", EXC_IF]
                                    + self.vlan_args, "card-b.log", env=env)
            self._wait_card(self.sim, self.sock)
            self._wait_card(self.sim_b, self.sock_b)
            self.ip("gwb", "link", "set", "espnic0", "mtu", str(MTU), "up")
            self.ip("gwb", "link", "set", EXC_IF, "up")
            self.ip("gwb", "addr", "add", GW_B + "/24", "dev", "espnic0")
        self.ip("gwa", "link", "set", "espnic0", "mtu", str(MTU), "up")
        self.ip("gwa", "link", "set", EXC_IF, "up")
        self.ip("gwa", "addr", "add", GW_A + "/24", "dev", "espnic0")

    def _wait_card(self, proc, sock):
        def ready():
            if proc.poll() is not None:
                raise RuntimeError("espnic-sim exited with status %d (log: %s)"
                                   % (proc.returncode, self.logs[-1]))
            return os.path.exists(sock)
        wait_for("the simulated card's socket " + sock, ready, timeout=30)

    def close(self, keep_dir=False):
        """Stops every process we started (newest first, by PID), deletes the namespaces we
        made and, unless keep_dir, the directory. Safe to call twice."""
        for p in reversed(self.procs):
            if p.poll() is None:
                self.stop(p, timeout=20)
        self.procs = []
        for ns in self.made_ns:
            run("ip", "netns", "del", ns, check=False)
        self.made_ns = []
        if not keep_dir and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)

    def print_logs(self, limit=6000):
        """The end of every log the sites wrote (a failed test's evidence)."""
        for log in self.logs:
            print("== %s\n%s" % (log, self.log_tail(log, limit)))

    def log_tail(self, path, limit=15000):
        try:
            with open(path) as f:
                return f.read()[-limit:]
        except OSError:
            return ""


class Forwarder:
    """A TCP port on the host's 127.0.0.1 relayed to a port on 127.0.0.1 inside namespace
    netns (a path under /run/netns): the web console of a gateway in a namespace, reachable
    from the host's browser. Each connection's thread enters the namespace (setns(2) acts on
    the calling thread only) to connect, then relays both ways; close() stops it all."""

    CLONE_NEWNET = 0x40000000

    def __init__(self, netns, target_port, listen_port=0):
        self.netns, self.target_port = netns, target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", listen_port))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.stopping = False
        self.libc = ctypes.CDLL(None, use_errno=True)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client):
        try:
            fd = os.open(self.netns, os.O_RDONLY)
            try:
                if self.libc.setns(fd, self.CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns")
            finally:
                os.close(fd)
            server = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        pair = {client: server, server: client}
        try:
            while not self.stopping:
                ready, _, _ = select.select(list(pair), [], [], 1.0)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    pair[s].sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            server.close()

    def close(self):
        self.stopping = True
        self.listener.close()


def strongswan_conf(directory, log_keys=False, fragment_size=1280, options=""):
    """charon's strongswan.conf for kernel-libipsec (userspace ESP) with a private vici socket
    and a file log in directory. log_keys (tests only): level 4 for IKE and CHILD_SA, so the
    log holds keys and the PSK. options: more lines for the charon section."""
    levels = "ike = 4\n      chd = 4\n      cfg = 2" if log_keys else "ike = 1\n      cfg = 1"
    return """
charon {
  fragment_size = %d%s
  load_modular = no
  load = random nonce openssl pem pkcs1 pubkey x509 aes sha1 sha2 hmac gcm kdf curve25519 kernel-libipsec kernel-netlink socket-default vici updown
  plugins {
    vici {
      socket = unix://%s/charon.vici
    }
  }
  filelog {
    charon {
      path = %s/charon.log
      default = 1
      %s
      flush_line = yes
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
}
""" % (fragment_size, "".join("\n  " + o for o in options.splitlines() if o.strip()),
       directory, directory, levels)


class Charon:
    """strongSwan's charon in a namespace of the sites, with a private /run (its pid file and
    sockets apart from any other charon) and its own strongswan.conf; swanctl_text (which may
    hold a PSK) is written with mode 0600 and loaded. sites is anything with path(), logs and
    spawn(ns, argv, log_name, env=): the demo's Sites or the tests' Lab."""

    def __init__(self, sites, ns, swanctl_text, log_keys=False, fragment_size=1280, options=""):
        self.dir = sites.path("charon")
        os.makedirs(os.path.join(self.dir, "run"), mode=0o700, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.uri = "unix://%s/charon.vici" % self.dir
        self.conf = os.path.join(self.dir, "swanctl.conf")
        with open(os.path.join(self.dir, "strongswan.conf"), "w") as f:
            f.write(strongswan_conf(self.dir, log_keys=log_keys, fragment_size=fragment_size,
                                    options=options))
        fd = os.open(self.conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(swanctl_text)
        script = "mount --bind %s/run /run && exec %s" % (self.dir, CHARON)
        env = dict(os.environ, STRONGSWAN_CONF=os.path.join(self.dir, "strongswan.conf"))
        self.proc = sites.spawn(ns, ["sh", "-c", script], "charon.out", env=env)
        sites.logs.append(os.path.join(self.dir, "charon.log"))

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("charon exited with status %d" % self.proc.returncode)
            return self.swanctl("--stats", check=False).returncode == 0
        wait_for("charon's vici socket", ready)
        self.swanctl("--load-all", "--file", self.conf)

    def swanctl(self, *args, check=True):
        return run("swanctl", args[0], "--uri", self.uri, *args[1:], check=check)

    def list_sas(self):
        return self.swanctl("--list-sas", "--raw", check=False).stdout

    def child(self):
        """(spi_in, spi_out) of an INSTALLED CHILD_SA, as charon sees it."""
        m = re.search(r"child-sas \{.*?state=INSTALLED.*?spi-in=([0-9a-f]+) "
                      r"spi-out=([0-9a-f]+)", self.list_sas(), re.S)
        return (m.group(1), m.group(2)) if m else None


def ping_stats(text):
    """(transmitted, received, avg RTT ms or None) from ping's summary."""
    m = re.search(r"(\d+) packets transmitted, (\d+) received", text)
    rtt = re.search(r"rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/", text)
    return (int(m.group(1)) if m else 0, int(m.group(2)) if m else 0,
            float(rtt.group(2)) if rtt else None)
