"""Egress policy (SPD): ordered rules on prefixes, protocol and port ranges
with BYPASS, DISCARD and PROTECT; ACQUIRE when a PROTECT rule has no SA."""
from scapy.all import ARP, Ether, IP, IPv6, UDP, raw

from espnic_testlib import LAN_A, LAN_B, inner_frame, run_card, sa_entry


def kinds(frames):
    """'esp' for encapsulated output, else the inner destination."""
    out = []
    for f in frames:
        e = Ether(f)
        if IP in e and e[IP].proto == 50:
            out.append(("esp", e[IP].dst))
        elif IP in e and UDP in e and e[UDP].dport == 4500:
            out.append(("esp-udp", e[IP].dst))
        else:
            out.append(("plain", e[IP].dst if IP in e else e[IPv6].dst if IPv6 in e else "l2"))
    return out


def test_first_match_wins_and_ports():
    sas = [sa_entry(0, 0x1001, "out"), sa_entry(1, 0x1002, "out", encap="udp")]
    rules = [
        {"priority": 5, "dst": "198.19.2.0/24", "proto": "udp", "dport": "5000-5999", "action": "bypass"},
        {"priority": 10, "dst": "198.19.2.0/24", "action": "protect", "sa": 0},
        {"priority": 20, "dst": "198.19.0.0/16", "action": "protect", "sa": 1},
        {"priority": 30, "dst": "0.0.0.0/0", "action": "discard"},
    ]
    frames = [
        inner_frame(10, dst=LAN_B, dport=5678),        # rule 5: bypass
        inner_frame(10, dst=LAN_B, dport=6000),        # rule 10
        inner_frame(10, dst="198.19.7.7"),             # rule 20
        inner_frame(10, dst="203.0.113.1"),            # rule 30: discard
        inner_frame(10, dst="2001:db8::1", src="2001:db8::2", v6=True),  # no IPv6 rule: bypass
    ]
    r = run_card("egress", frames, sas, rules)
    assert kinds(r.frames) == [("plain", LAN_B), ("esp", "198.18.0.2"), ("esp-udp", "198.18.0.2"),
                               ("plain", "2001:db8::1")]
    assert raw(r.frames[0]) == raw(frames[0]) and raw(r.frames[3]) == raw(frames[4])
    assert r.ports["eg_discarded"] == 1 and r.ports["eg_bypassed"] == 2
    assert r.sa(0, "out")["packets"] == 1 and r.sa(1, "out")["packets"] == 1


def test_ipv6_rules_and_source_prefix():
    sas = [sa_entry(0, 0x1001, "out")]
    rules = [
        {"priority": 1, "src": "2001:db8:1::/48", "dst": "2001:db8:2::/48", "action": "protect", "sa": 0},
        {"priority": 2, "src": "2001:db8::/32", "action": "discard"},
    ]
    frames = [
        inner_frame(10, src="2001:db8:1::5", dst="2001:db8:2::5", v6=True),
        inner_frame(10, src="2001:db8:9::5", dst="2001:db8:2::5", v6=True),
        inner_frame(10, src="2001:db9::5", dst="2001:db8:2::5", v6=True),
    ]
    r = run_card("egress", frames, sas, rules)
    assert [k for k, _ in kinds(r.frames)] == ["esp", "plain"]
    assert r.ports["eg_discarded"] == 1


def test_non_ip_bypasses_and_default_is_bypass():
    sas = [sa_entry(0, 0x1001, "out")]
    rules = [{"priority": 1, "dst": "198.19.2.0/24", "action": "protect", "sa": 0}]
    arp = Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=LAN_B)
    frames = [arp, inner_frame(10, dst="198.19.5.5")]
    r = run_card("egress", frames, sas, rules)
    assert [raw(f) for f in frames] == r.frames


def test_default_discard():
    """CTRL_DEFAULT_DISCARD (the SPD file's "default": "discard"): IPv4 and IPv6 frames no
    rule matches are dropped and counted, matching ones still go their rule's way, and
    ARP still passes (other non-IP frames take the default: test_spd_key.py)."""
    sas = [sa_entry(0, 0x1001, "out")]
    rules = [{"priority": 1, "dst": "198.19.2.0/24", "action": "protect", "sa": 0},
             {"priority": 2, "dst": "198.19.6.0/24", "action": "bypass"}]
    arp = Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=LAN_B)
    frames = [inner_frame(10, dst="198.19.5.5"),                            # no rule
              inner_frame(10),                                              # protect
              inner_frame(10, src="2001:db8::1", dst="2001:db8::2", v6=True),  # no rule
              inner_frame(10, dst="198.19.6.6"),                            # bypass
              arp]
    r = run_card("egress", frames, sas, {"default": "discard", "rules": rules})
    assert kinds(r.frames) == [("esp", "198.18.0.2"), ("plain", "198.19.6.6"), ("plain", "l2")]
    assert r.ports["eg_discarded"] == 2 and r.ports["eg_bypassed"] == 2
    # The same frames with the default left alone: the two unmatched ones pass in the clear.
    r = run_card("egress", frames, sas, {"default": "bypass", "rules": rules})
    assert len(r.frames) == 5 and r.ports["eg_discarded"] == 0


def test_default_refused_when_unknown():
    r = run_card("egress", [], [sa_entry(0, 0x1001, "out")],
                 {"default": "drop", "rules": []}, expect_rc=1)
    assert "default" in r.stderr


def test_acquire_for_missing_sa():
    sas = [sa_entry(0, 0x1001, "out")]
    rules = [{"priority": 1, "dst": "198.19.2.0/24", "action": "protect", "sa": 7}]
    r = run_card("egress", [inner_frame(10), inner_frame(20)], sas, rules)
    assert r.frames == []
    assert r.ports["eg_no_sa"] == 2
    acq = [e for e in r.stats["events"] if e["kind"] == "acquire"]
    # One ACQUIRE per missing SA, not one per packet.
    assert len(acq) == 1 and acq[0]["sa"] == 7 and acq[0]["rule"] == 0


def test_malformed_host_frames_are_dropped_and_counted():
    sas = [sa_entry(0, 0x1001, "out")]
    good = inner_frame(100)
    short_ip = Ether(raw(good)[:40])                    # IP length says 128, 26 bytes there
    bad_version = Ether(raw(good)[:14] + b"\x35" + raw(good)[15:])
    r = run_card("egress", [short_ip, bad_version, good], sas)
    assert len(r.frames) == 1
    assert r.ports["eg_malformed"] == 2


def test_many_rules_priority_order():
    sas = [sa_entry(i, 0x1000 + i, "out") for i in range(8)]
    # 200 rules that never match, then 8 host rules: the card walks them all.
    rules = [{"priority": p, "dst": f"203.0.{p // 250}.{p % 250}/32", "action": "discard"}
             for p in range(200)]
    rules += [{"priority": 300 + i, "dst": f"198.19.2.{i}/32", "action": "protect", "sa": i}
              for i in range(8)]
    frames = [inner_frame(10, dst=f"198.19.2.{i % 8}") for i in range(16)]
    r = run_card("egress", frames, sas, rules)
    assert len(r.frames) == 16
    for i in range(8):
        assert r.sa(i, "out")["packets"] == 2


def test_first_match_across_the_whole_table():
    """1000 rules fill all of the SPD's pipeline stages (chunks of rules): a
    flow that several rules match takes the lowest-numbered one whichever
    stages they are in, and back-to-back frames hitting different stages stay
    in order."""
    sas = [sa_entry(0, 0x1001, "out"), sa_entry(1, 0x1002, "out", encap="udp")]
    host = ["198.19.%d.%d" % (i // 256, i % 256) for i in range(998)]
    rules = [{"priority": i + 1, "dst": host[i] + "/32", "action": "protect", "sa": i % 2}
             for i in range(998)]
    rules += [{"priority": 999, "dst": "198.19.0.0/16", "action": "discard"},
              {"priority": 1000, "dst": "0.0.0.0/0", "action": "bypass"}]
    hits = [5, 300, 997, 600, 1, 256, 513, 768]             # rules in every stage
    frames = [inner_frame(10 + k, dst=host[i]) for k, i in enumerate(hits)]
    frames += [inner_frame(10, dst="198.19.3.240"),          # only rule 999: discard
               inner_frame(10, dst="203.0.113.1")]           # only rule 1000: bypass
    r = run_card("egress", frames, sas, rules)
    want = [("esp-udp" if i % 2 else "esp", "198.18.0.2") for i in hits]
    assert kinds(r.frames) == want + [("plain", "203.0.113.1")]
    assert r.ports["eg_discarded"] == 1 and r.ports["eg_bypassed"] == 1
    even = sum(1 for i in hits if i % 2 == 0)
    assert r.sa(0, "out")["packets"] == even and r.sa(1, "out")["packets"] == len(hits) - even
