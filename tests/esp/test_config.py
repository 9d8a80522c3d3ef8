"""espnic-sim pcap: bad command lines and bad SA/SPD files get a clear error
that names the field, and nothing runs."""
import json
import subprocess

import pytest

from espnic_testlib import SIM, inner_frame, run_card, sa_entry

GOOD = sa_entry(0, 0x1001, "out")


def err_of(sas=None, rules=None, raw_sa=None):
    p = run_card("egress", [inner_frame(10)], sas or [GOOD], rules=rules, expect_rc=1,
                 raw_sa=raw_sa)
    return p.stderr


@pytest.mark.parametrize("change, field", [
    ({"spi": "0x10"}, "'spi'"),
    ({"spi": "zz"}, "'spi'"),
    ({"key": "00"}, "'key'"),
    ({"algorithm": "aes-cbc"}, "'algorithm'"),
    ({"mode": "tunnle"}, "'mode'"),
    ({"encap": "tcp"}, "'encap'"),
    ({"direction": "both"}, "'direction'"),
    ({"local": "300.1.1.1"}, "'local'"),
    ({"replay_window": 4096}, "'replay_window'"),
    ({"seq": -1}, "'seq'"),
    ({"esn": "yes"}, "'esn'"),
    ({"colour": "blue"}, "unknown field 'colour'"),
    ({"selectors": {"src": "10.0.0.0/33"}}, "'src'"),
    ({"selectors": {"src": "198.19.0.0/16", "dst": "2001:db8::/32"}}, "one address family"),
    ({"lifetime": {"hard_bytes": "lots"}}, "'hard_bytes'"),
])
def test_bad_sa_field_is_named(change, field):
    sa = dict(GOOD)
    sa.update(change)
    e = err_of([sa])
    assert "sas[0]" in e and field in e, e


def test_missing_field_is_named():
    sa = dict(GOOD)
    del sa["key"]
    assert "missing field 'key'" in err_of([sa])


def test_duplicate_index_and_spi():
    a = sa_entry(3, 0x10003, "in")
    b = sa_entry(3, 0x20003, "in")
    assert "index 3 is already used" in err_of([GOOD, a, b])


def test_inbound_index_must_match_spi():
    e = err_of([GOOD, sa_entry(4, 0x10003, "in")])
    assert "low bits of SPI" in e


def test_not_json():
    assert "sa.json:1" in err_of(raw_sa="{not json")
    assert "array 'sas'" in err_of(raw_sa=json.dumps({"sa": []}))


@pytest.mark.parametrize("rule, field", [
    ({"priority": 1, "action": "protect"}, "'sa'"),
    ({"priority": 1, "action": "encrypt", "sa": 0}, "'action'"),
    ({"priority": 1, "action": "bypass", "dport": "9-1"}, "'dport'"),
    ({"priority": 1, "action": "bypass", "proto": "gre"}, "'proto'"),
    ({"action": "bypass"}, "'priority'"),
    ({"priority": 1, "action": "protect", "sa": 20000}, "card refused"),
])
def test_bad_spd_rule(rule, field):
    e = err_of(rules=[rule])
    assert field in e, e


def test_duplicate_priority():
    e = err_of(rules=[{"priority": 1, "action": "bypass"}, {"priority": 1, "action": "discard"}])
    assert "priority 1 is already used" in e


def test_two_outbound_sas_need_an_spd():
    e = err_of([GOOD, sa_entry(1, 0x1002, "out")])
    assert "--spd" in e


@pytest.mark.parametrize("args", [
    [],
    ["--sa", "x.json"],
    ["--sa", "x.json", "--direction", "sideways", "--in", "a", "--out", "b"],
    ["--sa", "x.json", "--direction", "egress", "--in", "a", "--out", "b", "--width", "100"],
    ["--bogus"],
])
def test_bad_command_line(args):
    p = subprocess.run([SIM, "pcap"] + args, capture_output=True, text=True)
    assert p.returncode == 2 and p.stderr


@pytest.mark.parametrize("width", ["100", "12x", ""])
def test_bad_width_on_both_commands(width):
    for cmd in (["pcap", "--sa", "x.json", "--direction", "egress", "--in", "a", "--out", "b"],
                ["run", "--name", "x", "--wire", "none", "--host", "none"]):
        p = subprocess.run([SIM] + cmd + ["--width", width], capture_output=True, text=True)
        assert p.returncode == 2 and "--width" in p.stderr


@pytest.mark.parametrize("rate", ["-1", "1000.5", "nan", "inf", "12x", ""])
def test_bad_wire_rate_on_both_commands(rate):
    for cmd in (["pcap", "--sa", "x.json", "--direction", "egress", "--in", "a", "--out", "b"],
                ["run", "--name", "x", "--wire", "none", "--host", "none"]):
        p = subprocess.run([SIM] + cmd + ["--wire-rate", rate], capture_output=True, text=True)
        assert p.returncode == 2 and "--wire-rate" in p.stderr, (cmd, rate, p.stderr)


@pytest.mark.parametrize("args", [["--host-exception", ""],
                                  ["--host-exception", "much-too-long-name0"],
                                  ["--host-exception", "exc0", "--host-exception", "exc1"]])
def test_bad_host_exception(args):
    p = subprocess.run([SIM, "run", "--name", "x", "--wire", "none", "--host", "none"] + args,
                       capture_output=True, text=True)
    assert p.returncode == 2 and "--host-exception" in p.stderr, (args, p.stderr)


def test_unknown_command_and_help():
    assert subprocess.run([SIM, "frobnicate"], capture_output=True).returncode == 2
    p = subprocess.run([SIM, "pcap", "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "--direction" in p.stdout


def test_missing_capture_file(tmp_path):
    sa = tmp_path / "sa.json"
    sa.write_text(json.dumps({"sas": [GOOD]}))
    p = subprocess.run([SIM, "pcap", "--sa", str(sa), "--direction", "egress", "--in",
                        str(tmp_path / "nope.pcap"), "--out", str(tmp_path / "o.pcap")],
                       capture_output=True, text=True)
    assert p.returncode == 1 and "nope.pcap" in p.stderr
