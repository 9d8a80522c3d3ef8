#!/usr/bin/python3
"""espnicd against strongSwan over an SA's life (ctest label "interop", needs root): dead peer
detection with the actions clear, hold and restart when charon is killed (and restarted),
deletes from either side (swanctl --terminate, SIGTERM, a reload that removes the peer), and
NAT traversal through a third namespace masquerading espnicd's side (NAT detected, float to
4500, UDP-encapsulated CHILD_SA, NAT-keepalives), plus force_encap without a NAT. Uses
tests/support (lab.py, strongswan.py); recording dataplane (no ESP flows): asserts on swanctl
--list-sas, the dataplane records and espnicd's log."""
import os
import re
import shutil
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from lab import LEFT, RIGHT, Espnicd, Lab, need_root, need_tools, run, wait_for  # noqa: E402
from strongswan import CHARON, lab_charon  # noqa: E402
from test_strongswan import assert_keys_match, peer  # noqa: E402

# Retransmissions short enough for a test: 0.5 s, x1.5, 3 tries.
FAST = {"retransmit_timeout": 0.5, "retransmit_base": 1.5, "retransmit_tries": 3}
# The restart's IKE_SA_INIT is retransmitted until charon is back: over about 56 s (9 tries,
# the last 19 s apart), so that a retransmission reaches it once its configuration is loaded
# also on a busy machine (one that arrives between charon's start and swanctl's load is
# refused, NO_PROPOSAL_CHOSEN; 7 tries, 25 s, were not always enough with the suite's builds
# beside it).
RESTART = dict(FAST, retransmit_tries=9)
RESTART_WAIT = 90.0   # s: the tries above, and room


def kill_charon(lab, charon):
    """SIGKILL: no Delete, no goodbye. `ip netns exec` and `sh -c ... exec` keep the PID."""
    os.kill(charon.proc.pid, signal.SIGKILL)
    charon.proc.wait(timeout=10)


def restart_charon(lab, make=lab_charon, **kw):
    """A new charon in the same namespace (make(lab, **kw): lab_charon or site_charon of
    tests/support/strongswan.py); the dead one's directory moves aside."""
    old = lab.path("charon")
    n = 1
    while os.path.exists("%s-%d" % (old, n)):
        n += 1
    shutil.move(old, "%s-%d" % (old, n))
    return make(lab, **kw)


def established_up(charon, ours, timeout=30.0):
    wait_for("espnicd IKE_SA up", ours.established, timeout=timeout)
    wait_for("charon CHILD_SA installed", charon.child)
    assert charon.ike_state() == "ESTABLISHED"


def test_dpd_restart(lab, binary):
    charon = lab_charon(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True, dpd_delay=1, dpd_timeout=2,
                                        dpd_action="restart"), **RESTART)
    established_up(charon, ours)
    first = ours.established()["spi_i"]
    kill_charon(lab, charon)
    wait_for("dead peer noticed", lambda: "dead peer, cleared; restarting" in ours.log_text())
    assert "peer unreachable" in ours.log_text()
    # The old CHILD_SA left the dataplane; the restart's IKE_SA_INIT goes unanswered for now.
    wait_for("old CHILD_SA removed", lambda: ours.installed() == {})
    assert all(s["state"] != "ESTABLISHED" for s in ours.sas())
    charon = restart_charon(lab)
    # We initiate again (charon never does: start_action none) and the tunnel comes back.
    established_up(charon, ours, timeout=RESTART_WAIT)
    sa = ours.established()
    assert sa["initiator"] and sa["spi_i"] != first
    assert_keys_match(charon, ours, True)


def dpd_no_restart(lab, binary, action, logline):
    charon = lab_charon(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True, dpd_delay=1, dpd_timeout=2,
                                        dpd_action=action), **FAST)
    established_up(charon, ours)
    kill_charon(lab, charon)
    wait_for("dead peer noticed", lambda: logline in ours.log_text())
    wait_for("SAs cleared", lambda: ours.sas() == [])
    assert ours.installed() == {}
    charon = restart_charon(lab)
    # Nothing initiates now (hold waits for the ACQUIRE of the trap it installed, and the
    # recording dataplane raises none): give it a few DPD delays' worth and check no IKE_SA
    # appeared.
    time.sleep(4)
    assert ours.sas() == [] and charon.ike_state() is None
    assert "initiating IKE_SA" not in ours.log_text().split(logline, 1)[1]
    # charon can still come to us.
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10")
    wait_for("espnicd IKE_SA up as responder", ours.established)
    assert not ours.established()["initiator"]
    # hold: the trap went in before the dead CHILD_SA left (its traffic never without a
    # policy) and goes once a CHILD_SA is back; clear installs none.
    expect = ["install", "delete", "install"]
    if action == "hold":
        expect = ["install", "trap", "delete", "install", "untrap"]
    wait_for("dataplane records " + " ".join(expect),
             lambda: [r["op"] for r in ours.records()] == expect, timeout=5)


def test_dpd_clear(lab, binary):
    dpd_no_restart(lab, binary, "clear", "dead peer, IKE_SA and CHILD_SAs cleared")


def test_dpd_hold(lab, binary):
    dpd_no_restart(lab, binary, "hold", "held: initiating again on traffic")


def test_delete_by_charon(lab, binary):
    """swanctl --terminate on charon's side (charon initiated): espnicd, the responder, takes
    the IKE_SA and its CHILD_SA out of its dataplane."""
    charon = lab_charon(lab)
    ours = Espnicd(lab, binary, 0, peer())
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10")
    established_up(charon, ours)
    assert len(ours.installed()) == 1
    charon.swanctl("--terminate", "--ike", "gw", "--timeout", "10")
    wait_for("espnicd cleared", lambda: ours.sas() == [])
    assert ours.installed() == {}
    assert [r["op"] for r in ours.records()] == ["install", "delete"]
    assert "deleted by the peer" in ours.log_text()
    assert charon.ike_state() is None


def test_delete_by_sigterm(lab, binary):
    charon = lab_charon(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True))
    established_up(charon, ours)
    assert lab.stop(ours.proc) == 0
    wait_for("charon has no SA", lambda: charon.ike_state() is None and charon.child() is None)
    assert ours.installed() == {}


def test_delete_by_reload(lab, binary):
    """A reload that removes the peer deletes its IKE_SA: charon shows no SA; a reload that
    puts it back (start: true) brings the tunnel up again."""
    charon = lab_charon(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True))
    established_up(charon, ours)
    ours.reload([])
    wait_for("charon has no SA", lambda: charon.ike_state() is None)
    wait_for("espnicd cleared", lambda: ours.sas() == [])
    assert ours.installed() == {}
    assert "peer removed from the configuration" in ours.log_text()
    ours.reload(peer(start=True))
    established_up(charon, ours)


# ---- NAT: espnicd's namespace behind a masquerading router ----------------------------
INNER, INNER_GW = "198.18.4.2", "198.18.4.1"


class NatLab(Lab):
    """ns[0]: espnicd at 198.18.4.2, behind ns[2], a router that masquerades 198.18.4.0/24 to
    198.18.0.1 (the address charon's configuration expects); ns[1]: charon at 198.18.0.2."""

    def __init__(self, name):
        super().__init__(name)
        self.ns = self.ns + (self.ns[0][:-1] + "n",)

    def __enter__(self):
        need_root()
        need_tools("nft")
        try:
            return self._setup()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise

    def _setup(self):
        inner, right, nat = self.ns
        for ns in self.ns:
            run("ip", "netns", "add", ns)
            run("ip", "-n", ns, "link", "set", "lo", "up")
        tag = os.getpid() % 100000
        links = ((inner, "n%di" % tag, INNER, nat, "n%dj" % tag, INNER_GW),
                 (nat, "n%do" % tag, LEFT, right, "n%dr" % tag, RIGHT))
        for a, dev_a, addr_a, b, dev_b, addr_b in links:
            run("ip", "link", "add", dev_a, "netns", a, "type", "veth", "peer", "name", dev_b,
                "netns", b)
            for ns, dev, addr in ((a, dev_a, addr_a), (b, dev_b, addr_b)):
                run("ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev)
                run("ip", "-n", ns, "link", "set", dev, "up")
        self.outside = "n%do" % tag
        run("ip", "-n", inner, "route", "add", "default", "via", INNER_GW)
        run("ip", "-n", inner, "addr", "add", "198.18.1.1/24", "dev", "lo")
        run("ip", "-n", right, "addr", "add", "198.18.2.1/24", "dev", "lo")
        run("ip", "netns", "exec", nat, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        rules = self.path("nat.nft")
        with open(rules, "w") as f:
            f.write("""table ip lab {
  chain post {
    type nat hook postrouting priority 100;
    oifname "%s" ip saddr 198.18.4.0/24 masquerade
  }
  chain count {
    type filter hook forward priority 0;
    udp dport 4500 udp length 9 @th,64,8 0xff counter comment "keepalive"
    udp dport 500 counter comment "ike500"
    udp dport 4500 counter comment "ike4500"
  }
}
""" % self.outside)
        run("ip", "netns", "exec", nat, "nft", "-f", rules)
        return self

    def counter(self, comment):
        out = run("ip", "netns", "exec", self.ns[2], "nft", "list", "chain", "ip", "lab",
                  "count").stdout
        m = re.search(r"counter packets (\d+) bytes \d+ comment \"%s\"" % comment, out)
        return int(m.group(1)) if m else 0


def test_nat(binary):
    need_tools(CHARON, "swanctl")
    with NatLab("ssnat") as lab:
        charon = lab_charon(lab)
        ours = Espnicd(lab, binary, 0, peer(start=True, local_id=LEFT, keepalive_interval=1),
                       listen=INNER)
        established_up(charon, ours)
        sa = ours.established()
        assert sa["nat_local"] and sa["encap"], sa
        rec = list(ours.installed().values())
        assert len(rec) == 1 and rec[0]["encap"] == [4500, 4500], rec
        assert_keys_match(charon, ours, True)
        sas = charon.list_sas()
        # charon sees us at the router's address, behind a NAT, on 4500.
        assert re.search(r"remote-host=%s remote-port=4500" % LEFT, sas), sas
        assert "nat-remote=yes" in sas, sas
        assert re.search(r"child-sas \{.*encap=yes", sas, re.S), sas
        # IKE_SA_INIT on 500 through the NAT, the rest floated to 4500.
        assert lab.counter("ike500") >= 1 and lab.counter("ike4500") >= 1
        wait_for("NAT-keepalives through the router", lambda: lab.counter("keepalive") >= 2)
        # The mapping is followed for the life of the SA: delete from charon's side.
        charon.swanctl("--terminate", "--ike", "gw", "--timeout", "10")
        wait_for("espnicd cleared", lambda: ours.sas() == [])


def test_force_encap(lab, binary):
    """No NAT, force_encap: our NAT_DETECTION_SOURCE_IP cannot match, so charon sees us behind
    a NAT and both sides encapsulate."""
    charon = lab_charon(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True, force_encap=True))
    established_up(charon, ours)
    sa = ours.established()
    assert sa["encap"], sa
    assert not sa["nat_local"], sa  # we are not behind a NAT, we only pretend
    sas = charon.list_sas()
    assert "nat-remote=yes" in sas and "nat-fake=yes" not in sas.split("nat-remote")[0], sas
    assert re.search(r"remote-host=%s remote-port=4500" % LEFT, sas), sas
    assert list(ours.installed().values())[0]["encap"] == [4500, 4500]
    assert_keys_match(charon, ours, True)


