#!/usr/bin/python3
"""`espnic demo` as a user runs it (ctest label "integration", needs root): with strongSwan or
a second espnicd as site B for a few seconds, exit 0, the status table shows the tunnel UP
with packets through the card growing, and nothing is left behind (namespaces, temporary
directory, processes); ^C while the table runs ends it with 0, SIGTERM during the set-up with
130, both cleaned up; bad arguments exit 2; without root a clear message and 1.

route-based: `espnic demo --route-based` exits 0 after BGP came up over both tunnels, the
learned route and a failover under a 10 ms ping that recovered over the other tunnel (the lost
pings printed), nothing left behind.

    test_demo.py ESPNIC strongswan|espnic|signals|usage|route-based"""
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from lab import need_root, need_tools  # noqa: E402

ROW = re.compile(r"^\s*[\d.]+s\s+A\s+(\S+)\s+(\S+)\s+([0-9a-f]{8})\s+([0-9a-f]{8})\s+(\d+)\s+(\d+)"
                 r"\s+(\d+)\s+(\d+)\s+(\S+)\s+\|\s+(\d+)\s+(\d+)\s+(\d+)\s*$")


def fail(msg, out=""):
    print(out)
    print("FAIL: " + msg)
    sys.exit(1)


def leftovers(out):
    """The namespaces, directory and processes the demo named in its output, if still there."""
    found = []
    m = re.search(r"namespaces (espnic-demo-\d+)-", out)
    d = re.search(r"files in (/\S+)", out)
    if not m or not d:
        return ["the demo did not name its namespaces and directory"]
    ns = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE, text=True).stdout
    found += [line.split()[0] for line in ns.splitlines() if line.startswith(m.group(1) + "-")]
    if os.path.exists(d.group(1)):
        found.append(d.group(1))
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if d.group(1) in cmd:
            found.append("process %s: %s" % (pid, cmd))
    return found


def run_demo(espnic, peer):
    t = time.monotonic()
    p = subprocess.Popen([espnic, "demo", "--peer", peer], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    # Three rows of site A, however slowly a loaded machine refreshes the table; then ^C.
    out = read_until(p, r"^\s*[\d.]+s\s+A\s+UP", 300, count=3)
    p.send_signal(signal.SIGINT)
    out += finish(p)
    print(out)
    print("demo with --peer %s took %.1f s" % (peer, time.monotonic() - t))
    if p.returncode != 0:
        fail("espnic demo --peer %s exited %d" % (peer, p.returncode))
    rows = [ROW.match(line) for line in out.splitlines()]
    rows = [r for r in rows if r]
    if len(rows) < 3:
        fail("fewer than 3 status rows for site A")
    for r in rows:
        if r.group(1) != "UP" or r.group(2) != "ESTABLISHED":
            fail("site A not UP/ESTABLISHED in a row: %s" % r.group(0))
    first, last = rows[0], rows[-1]
    pkts_out, pkts_in = int(last.group(5)), int(last.group(7))
    enc, dec = int(last.group(10)), int(last.group(11))
    if min(pkts_out, pkts_in, enc, dec) <= 0:
        fail("no packets through the card: %s" % last.group(0))
    if enc <= int(first.group(10)) or dec <= int(first.group(11)):
        fail("the card's counters did not grow during the table: %s / %s"
             % (first.group(0), last.group(0)))
    m = re.search(r"tunnel up in ([\d.]+) s, ping RTT ([\d.]+) ms", out)
    if not m:
        fail("no summary line")
    print("figures: tunnel up in %s s, ping RTT %s ms, card A encrypted %d and decrypted %d"
          % (m.group(1), m.group(2), enc, dec))
    left = leftovers(out)
    if left:
        fail("left behind: %s" % left)


def read_until(p, pattern, timeout, count=1):
    """p's output until count lines match pattern (returned) or timeout (a failure)."""
    buf, deadline = b"", time.monotonic() + timeout
    fd = p.stdout.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            if len(re.findall(pattern, buf.decode(errors="replace"), re.M)) >= count:
                return buf.decode(errors="replace")
    fail("no %r in the output" % pattern, buf.decode(errors="replace"))


def finish(p, timeout=90):
    rest, _ = p.communicate(timeout=timeout)
    return rest.decode(errors="replace")


def signals(espnic):
    # ^C while the table runs: a normal end.
    p = subprocess.Popen([espnic, "demo"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # The table running: two of its rows printed.
    out = read_until(p, r"^\s*[\d.]+s\s+A\s+UP", 120, count=2)
    p.send_signal(signal.SIGINT)
    out += finish(p)
    print(out)
    if p.returncode != 0 or "(stopped)" not in out:
        fail("^C during the table: exit %d, expected 0 and '(stopped)'" % p.returncode)
    left = leftovers(out)
    if left:
        fail("left behind after ^C: %s" % left)
    # SIGTERM during the set-up: 130, everything removed.
    p = subprocess.Popen([espnic, "demo", "--peer", "espnic"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    # espnicd on site A is up (the demo talks to its API next); the tunnel is not.
    out = read_until(p, r"site A: the session through the API", 60)
    p.send_signal(signal.SIGTERM)
    out += finish(p)
    print(out)
    if p.returncode != 130 or "interrupted" not in out:
        fail("SIGTERM during the set-up: exit %d, expected 130" % p.returncode)
    left = leftovers(out)
    if left:
        fail("left behind after SIGTERM: %s" % left)


def usage(espnic):
    for bad in (["--duration", "0"], ["--duration", "x"], ["--peer", "racoon"], ["--bogus"],
                ["--interval", "0.01"]):
        p = subprocess.run([espnic, "demo"] + bad, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 2 or "espnic demo: error:" not in p.stderr:
            fail("espnic demo %s: exit %d, expected 2 with a message" % (bad, p.returncode),
                 p.stderr)
    p = subprocess.run([espnic, "demo", "--help"], stdout=subprocess.PIPE, text=True)
    if p.returncode != 0 or "--peer" not in p.stdout or "--duration" not in p.stdout:
        fail("espnic demo --help", p.stdout)
    setpriv = shutil.which("setpriv")
    if setpriv:  # the same binary without root: a clear message, exit 1, nothing made
        p = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                            espnic, "demo", "--duration", "1"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 1 or "needs root" not in p.stderr:
            fail("without root: exit %d, expected 1 and 'needs root'" % p.returncode,
                 p.stdout + p.stderr)


def route_based(espnic):
    p = subprocess.run([espnic, "demo", "--route-based"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=600)
    out = p.stdout
    print(out)
    if p.returncode != 0:
        fail("espnic demo --route-based exited %d" % p.returncode)
    for what, pattern in (("BGP Established with BFD over tun1", r"BGP over tun1: .*Established.*\"bfd\": \"Up\""),
                          ("BGP Established with BFD over tun2", r"BGP over tun2: .*Established.*\"bfd\": \"Up\""),
                          ("the learned route", r"B>\* 198\.19\.2\.0/24"),
                          ("the failover recovered", r"failover with BFD: .* traffic recovered over vti"),
                          ("the failover figure", r"failover figure: \d+ of \d+ pings lost")):
        if not re.search(pattern, out):
            fail("the demo's output lacks " + what)
    left = leftovers(out)
    if left:
        fail("left behind: %s" % ", ".join(left))


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("strongswan", "espnic", "signals", "usage",
                                                 "route-based"):
        print(__doc__)
        sys.exit(2)
    espnic, scenario = os.path.abspath(sys.argv[1]), sys.argv[2]
    need_root()
    if scenario in ("strongswan", "signals"):
        need_tools("/usr/lib/ipsec/charon", "swanctl")
    if scenario == "route-based":
        need_tools("vtysh", "nft", "/usr/lib/frr/bgpd")
        route_based(espnic)
    elif scenario == "usage":
        usage(espnic)
    elif scenario == "signals":
        signals(espnic)
    else:
        run_demo(espnic, scenario)
    print("PASS", scenario)


if __name__ == "__main__":
    main()
