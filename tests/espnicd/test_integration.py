#!/usr/bin/python3
"""espnicd against espnicd in two network namespaces (ctest label "integration"): IKE_SA
and CHILD_SA up as initiator and responder, CHILD_SA rekey, IKE_SA rekey, delete from either
side, dead peer detection. Asserts on the daemons' status files and on what the recording
dataplanes saw; bounded waits, no wall-clock assertions."""
import argparse
import os
import pwd
import signal
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from lab import LEFT, LEFT_NET, RIGHT, RIGHT_NET, Espnicd, Lab, assert_pairs_match, wait_for  # noqa: E402


def peers(side, **extra):
    p = {"name": "gw", "psk": "integration-psk-key",
         "remote_addr": RIGHT if side == 0 else LEFT,
         "local_ts": [LEFT_NET if side == 0 else RIGHT_NET],
         "remote_ts": [RIGHT_NET if side == 0 else LEFT_NET]}
    p.update(extra)
    return [p]


def up(lab, binary, left_extra=None, right_extra=None, left_top=None, right_top=None):
    right = Espnicd(lab, binary, 1, peers(1, **(right_extra or {})), **(right_top or {}))
    wait_for("responder status", lambda: right.sas() is not None)
    left = Espnicd(lab, binary, 0, peers(0, start=True, **(left_extra or {})),
                   **(left_top or {}))
    wait_for("left IKE_SA up", left.established)
    wait_for("right IKE_SA up", right.established)
    assert left.established()["initiator"] and not right.established()["initiator"]
    assert_pairs_match(left, right)
    return left, right


def scenario_establish(lab, binary):
    # The status file is written through a fresh, unguessable name: a symbolic link planted
    # where a predictable "<status>.tmp" used to be written is never followed.
    victim = lab.path("victim")
    with open(victim, "w") as f:
        f.write("untouched\n")
    for name in ("left", "right"):
        os.symlink(victim, lab.path("espnicd-%s.status.json.tmp" % name))
    left, right = up(lab, binary)
    for d in (left, right):
        assert os.path.isfile(d.status) and not os.path.islink(d.status)
        assert os.readlink(d.status + ".tmp") == victim
        assert os.stat(d.status).st_mode & 0o777 == 0o644
    with open(victim) as f:
        assert f.read() == "untouched\n", "the status file was written through a symlink"
    ra = list(left.installed().values())[0]
    assert ra["mode"] == "tunnel" and ra["encr"] == 20 and ra["key_bits"] == 256
    assert ra["local_ts"][0]["start"] == "198.18.1.0"
    assert ra["remote_ts"][0]["end"] == "198.18.2.255"
    # SIGTERM on the initiator deletes politely: the responder drops everything too.
    assert lab.stop(left.proc) == 0
    wait_for("responder cleared", lambda: right.sas() == [])
    assert right.installed() == {} and left.installed() == {}
    assert "deleted by the peer" in right.log_text()


def scenario_child_rekey(lab, binary):
    left, right = up(lab, binary, left_extra={"child_rekey_time": 2})
    first = set(left.installed())
    wait_for("two CHILD_SA rekeys",
             lambda: sum(r["op"] == "install" for r in left.records()) >= 3)
    wait_for("old pairs gone", lambda: len(left.installed()) == 1 and len(right.installed()) == 1)
    assert not first & set(left.installed())
    assert_pairs_match(left, right)
    reqids = {r["reqid"] for r in left.records() if r["op"] == "install"}
    assert len(reqids) == 1, "a rekey keeps the reqid"
    assert left.established() and right.established()


def scenario_ike_rekey(lab, binary):
    left, right = up(lab, binary, left_extra={"ike_rekey_time": 2})
    spi = left.established()["spi_i"]
    child = set(left.installed())
    wait_for("IKE_SA rekeyed", lambda: (left.established() or {}).get("spi_i", spi) != spi)
    new = wait_for("left settled", left.established)
    wait_for("right follows", lambda: (right.established() or {}).get("spi_i") == new["spi_i"])
    assert right.established()["spi_r"] == new["spi_r"]
    assert set(left.installed()) == child, "CHILD_SAs move to the new IKE_SA untouched"
    assert_pairs_match(left, right)
    # The new IKE_SA carries exchanges: delete over it.
    assert lab.stop(left.proc) == 0
    wait_for("responder cleared", lambda: right.sas() == [])


def scenario_delete(lab, binary):
    left, right = up(lab, binary)
    # The responder deletes (SIGTERM): the initiator removes its pair.
    assert lab.stop(right.proc) == 0
    wait_for("initiator cleared", lambda: left.sas() == [])
    assert left.installed() == {}
    assert any(r["op"] == "delete" for r in left.records())


def scenario_dpd(lab, binary):
    left, right = up(lab, binary, left_extra={"dpd_delay": 1},
                     left_top={"retransmit_timeout": 0.3, "retransmit_tries": 2})
    wait_for("a liveness check answered", lambda: "liveness check" in left.log_text())
    assert left.established()
    lab.stop(right.proc, sig=signal.SIGKILL)
    wait_for("dead peer detected", lambda: left.sas() == [], timeout=30)
    assert "peer unreachable" in left.log_text()
    assert left.installed() == {}


def scenario_reload(lab, binary):
    right = Espnicd(lab, binary, 1, peers(1))
    left = Espnicd(lab, binary, 0, [])
    wait_for("both running", lambda: left.sas() == [] and right.sas() == [])
    # A broken file is refused; the daemon keeps running on the old configuration.
    with open(left.config, "w") as f:
        f.write("{ not json")
    left.proc.send_signal(signal.SIGHUP)
    wait_for("reload refused", lambda: "reload failed" in left.log_text())
    assert left.proc.poll() is None
    # SIGHUP with a new peer that starts: the tunnel comes up.
    left.reload(peers(0, start=True))
    wait_for("left IKE_SA up", left.established)
    wait_for("right IKE_SA up", right.established)
    assert_pairs_match(left, right)
    # SIGHUP without the peer: its IKE_SA is deleted on both sides.
    left.reload([])
    wait_for("left cleared", lambda: left.sas() == [])
    wait_for("right cleared", lambda: right.sas() == [])
    assert left.installed() == {} and right.installed() == {}


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return {k: v.strip() for k, v in (line.split(":", 1) for line in f if ":" in line)}


def scenario_privileges(lab, binary):
    """espnicd hardens its process: not dumpable and no core files, memory with keys marked
    MADV_DONTDUMP (VmFlags "dd"); with "user" it runs as that user once set up, with
    CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only, and the tunnel works all the same."""
    nobody = pwd.getpwnam("nobody")
    # a directory it could not write after the switch: refused at start, saying so
    locked = Espnicd(lab, binary, 1, peers(1), user="nobody")
    assert locked.proc.wait(timeout=30) == 1
    assert "cannot write the status file's directory" in locked.log_text()
    os.chown(lab.dir, nobody.pw_uid, nobody.pw_gid)  # the status files are written there
    left, right = up(lab, binary, right_top={"user": "nobody"})
    pid = right.proc.pid
    st = proc_status(pid)
    assert st["Uid"].split() == [str(nobody.pw_uid)] * 4, st["Uid"]
    assert st["Gid"].split() == [str(nobody.pw_gid)] * 4, st["Gid"]
    kept = (1 << 12) | (1 << 10)  # CAP_NET_ADMIN, CAP_NET_BIND_SERVICE
    for field in ("CapEff", "CapPrm", "CapBnd"):
        assert int(st[field], 16) == kept, (field, st[field])
    assert st["NoNewPrivs"] == "1"
    assert "running as user nobody" in right.log_text()
    # not dumpable: its /proc entries belong to root although it runs as nobody
    assert os.stat("/proc/%d/status" % pid).st_uid == 0
    for d in (left, right):
        with open("/proc/%d/limits" % d.proc.pid) as f:
            core = [line.split() for line in f if line.startswith("Max core file size")][0]
        assert core[4:6] == ["0", "0"], core
        with open("/proc/%d/smaps" % d.proc.pid) as f:
            flags = [line for line in f if line.startswith("VmFlags:")]
        assert any(" dd" in line for line in flags), "no mapping excluded from core dumps"
    assert proc_status(left.proc.pid)["Uid"].split()[0] == "0"  # no "user": stays root
    # the unprivileged side still does its job: deletes politely on SIGTERM
    assert lab.stop(right.proc) == 0
    wait_for("initiator cleared", lambda: left.sas() == [])
    assert left.installed() == {} and right.installed() == {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--espnicd", required=True)
    ap.add_argument("--scenario", required=True)
    args = ap.parse_args()
    with Lab(args.scenario) as lab:
        globals()["scenario_" + args.scenario](lab, os.path.abspath(args.espnicd))
    print("PASS", args.scenario)


if __name__ == "__main__":
    main()
