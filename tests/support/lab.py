"""The tests' namespace lab: two namespaces joined by a veth pair, 198.18.0.1 and 198.18.0.2
on the link, 198.18.1.1 and 198.18.2.1 as the protected networks' gateway addresses,
processes started inside and cleaned up by PID; espnicd on a recording dataplane in it; what
a test needs (need_root, need_tools) and how it waits (wait_for, wait_progress). run and
wait_for are the demo's (host/demo/sitelab.py): one implementation for product and tests."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "host",
                                "demo"))
from sitelab import run, wait_for  # noqa: E402,F401  (re-exported for the tests)

LEFT, RIGHT = "198.18.0.1", "198.18.0.2"
LEFT_NET, RIGHT_NET = "198.18.1.0/24", "198.18.2.0/24"

# Programs the tests need and the Debian package scripts/setup.sh installs them from.
SETUP_TOOLS = {
    "/usr/lib/ipsec/charon": "strongswan",
    "swanctl": "strongswan-swanctl",
    "tshark": "tshark",
    "nft": "nftables",
    "ping": "iputils-ping",
    "tcpdump": "tcpdump",
    "chromium": "chromium",
    "chromedriver": "chromium-driver",
    "vtysh": "frr",
    "/usr/lib/frr/bgpd": "frr",
}


def need_root():
    """Network namespaces need root, which scripts/setup.sh does not give: a skip (exit 77,
    or pytest's skip under pytest)."""
    if os.geteuid() != 0:
        why = "needs root for network namespaces (not something scripts/setup.sh provides)"
        if "pytest" in sys.modules:
            import pytest
            pytest.skip(why)
        print("SKIP: " + why)
        sys.exit(77)


def need_tools(*tools):
    """Programs scripts/setup.sh installs: one missing means the setup did not run or went
    wrong, which is a failure naming the package (a skip would turn a label green)."""
    missing = [t for t in tools
               if not (os.path.exists(t) if t.startswith("/") else shutil.which(t))]
    if missing:
        why = ("%s missing: install the package%s %s (scripts/setup.sh does)"
               % (", ".join(missing), "s" if len(missing) > 1 else "",
                  " ".join(sorted({SETUP_TOOLS[t] for t in missing}))))
        if "pytest" in sys.modules:
            import pytest
            pytest.fail(why)
        print("FAIL: " + why)
        sys.exit(1)


def wait_progress(what, count, done, stall=60.0, interval=0.5):
    """Polls count() until done(value) holds. A loaded machine only slows the count down, so
    the failure is a count that stopped moving for stall seconds, not a total time."""
    value = count()
    moved = time.monotonic()
    while not done(value):
        time.sleep(interval)
        now = count()
        if now != value:
            value, moved = now, time.monotonic()
        elif time.monotonic() - moved > stall:
            raise AssertionError("%s: stuck at %s for %.0f s" % (what, value, stall))
    return value


class Lab:
    def __init__(self, name):
        tag = "%s%d" % (name[:6], os.getpid() % 100000)
        self.ns = ("ed-%s-l" % tag, "ed-%s-r" % tag)
        self.dir = tempfile.mkdtemp(prefix="espnicd-%s-" % name)
        self.procs = []
        self.logs = []
        self.failed = False  # set by a test runner that saw the test fail: logs printed, files kept

    def __enter__(self):
        need_root()
        left, right = self.ns
        run("ip", "netns", "add", left)
        run("ip", "netns", "add", right)
        veth_l, veth_r = "v%dl" % (os.getpid() % 100000), "v%dr" % (os.getpid() % 100000)
        run("ip", "link", "add", veth_l, "netns", left, "type", "veth", "peer", "name",
            veth_r, "netns", right)
        for ns, dev, addr, inside in ((left, veth_l, LEFT, "198.18.1.1/24"),
                                      (right, veth_r, RIGHT, "198.18.2.1/24")):
            run("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
            run("ip", "-n", ns, "link", "set", dev, "up")
            run("ip", "-n", ns, "link", "set", "lo", "up")
            # The protected network's gateway address (strongSwan's kernel-libipsec needs
            # a local address inside its traffic selector to install its route).
            run("ip", "-n", ns, "addr", "add", inside, "dev", "lo")
        return self

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for ns in self.ns:
            run("ip", "netns", "del", ns, check=False)
        if exc[0] is not None or self.failed:
            for path in self.logs:
                print("==== " + path)
                try:
                    with open(path) as f:
                        sys.stdout.write(f.read()[-20000:])
                except OSError:
                    pass
            print("(files kept in %s)" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def path(self, name):
        return os.path.join(self.dir, name)

    def spawn(self, ns_index, argv, log_name, env=None):
        log = open(self.path(log_name), "w")
        self.logs.append(self.path(log_name))
        p = subprocess.Popen(["ip", "netns", "exec", self.ns[ns_index]] + argv, stdout=log,
                             stderr=subprocess.STDOUT, env=env)
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=20):
        if p.poll() is None:
            p.send_signal(sig)
        return p.wait(timeout=timeout)


def status_sas(path):
    """The IKE_SAs listed in an espnicd status file (-s), or None while there is none."""
    try:
        with open(path) as f:
            return json.load(f)["ike_sas"]
    except (OSError, ValueError, KeyError):
        return None


class Espnicd:
    """One espnicd with a recording dataplane and a status file."""

    def __init__(self, lab, binary, side, peers, **top):
        self.lab, self.side = lab, side
        name = "espnicd-%s" % ("left" if side == 0 else "right")
        self.config = lab.path(name + ".json")
        self.psk = lab.path(name + ".psk")
        self.status = lab.path(name + ".status.json")
        self.record = lab.path(name + ".dp.jsonl")
        self.log = name + ".log"
        self.write_config(peers, **top)
        self.proc = lab.spawn(side, [binary, "-c", self.config, "-s", self.status], self.log)

    def write_config(self, peers, **top):
        peers = [dict(p) for p in peers]
        fd = os.open(self.psk, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            for peer in peers:
                f.write("%s %s\n" % (peer["name"], peer.pop("psk")))
        cfg = {"listen": LEFT if self.side == 0 else RIGHT, "dataplane": "record:" + self.record,
               "psk_file": self.psk, "log_level": "debug", "peers": peers}
        cfg.update(top)
        with open(self.config, "w") as f:
            json.dump(cfg, f, indent=1)

    def reload(self, peers, **top):
        self.write_config(peers, **top)
        self.proc.send_signal(signal.SIGHUP)

    def sas(self):
        return status_sas(self.status)

    def established(self, children=1):
        sas = self.sas() or []
        good = [s for s in sas if s["state"] == "ESTABLISHED" and len(s["children"]) == children]
        return good[0] if len(good) == 1 and len(sas) == 1 else None

    def records(self):
        try:
            with open(self.record) as f:
                return [json.loads(line) for line in f if line.strip()]
        except OSError:
            return []

    def installed(self):
        """Inbound SPI -> install record, for pairs not deleted."""
        live = {}
        for r in self.records():
            if r["op"] == "install":
                live[r["in"]["spi"]] = r
            elif r["op"] == "delete":
                live.pop(r["spi_in"], None)
        return live

    def log_text(self):
        with open(self.lab.path(self.log)) as f:
            return f.read()


def assert_pairs_match(a, b):
    """Each live CHILD_SA on a has the mirror image on b: SPIs and keys crossed."""
    la, lb = a.installed(), b.installed()
    assert len(la) == len(lb) and la, "installed: %s vs %s" % (list(la), list(lb))
    for spi, ra in la.items():
        rb = lb.get(ra["out"]["spi"])
        assert rb is not None, "no pair for %s" % spi
        assert rb["out"]["spi"] == spi
        assert ra["out"]["key"] == rb["in"]["key"] and ra["in"]["key"] == rb["out"]["key"]
        assert ra["out"]["salt"] == rb["in"]["salt"] and ra["in"]["salt"] == rb["out"]["salt"]
        assert ra["in"]["key"] != ra["out"]["key"]
