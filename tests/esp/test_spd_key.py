"""The classifier's key against the policy leaks it closes: 802.1Q VLANs,
IPv4 fragments, IPv6 extension headers, packets without ports (OPAQUE: RFC
4301 section 7, only an "any" port range matches them), rules for both
address families, and frames that are not IP. Each case passed the wrong way
before the complete key."""
from scapy.all import (ARP, ICMP, IP, UDP, TCP, Dot1Q, Ether, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, raw)

from espnic_testlib import GW_MAC, HOST_MAC, LAN_A, LAN_B, inner_frame, run_card, sa_entry

SAS = [sa_entry(0, 0x1001, "out")]
ETH = Ether(src=HOST_MAC, dst=GW_MAC)


def verdicts(frames, r):
    """Which input frames left unchanged ('plain', else '-'), and how many
    frames left as ESP."""
    plain = set(r.frames)
    esp = sum(1 for f in r.frames if IP in Ether(f) and Ether(f)[IP].proto == 50)
    return ["plain" if raw(f) in plain else "-" for f in frames], esp


def test_vlan_rules():
    """A rule for VLAN 10 takes tagged frames of VID 10 only; a rule without a
    VLAN takes any tag or none; a PROTECT rule tunnels a tagged frame without
    its tag (route-based sessions: test_vlan_tunnel.py); tagged frames that no
    rule matches take the default. Before: every tagged frame passed in the
    clear."""
    rules = [{"priority": 1, "dst": "198.19.2.0/24", "vlan": 10, "action": "discard"},
             {"priority": 2, "dst": "198.19.2.0/24", "action": "bypass"},
             {"priority": 3, "dst": "198.19.3.0/24", "action": "protect", "sa": 0}]
    udp = IP(src=LAN_A, dst=LAN_B) / UDP(sport=1, dport=2)
    frames = [ETH / Dot1Q(vlan=10) / udp / Raw(b"a"),                # rule 1: discard
              ETH / Dot1Q(vlan=20) / udp / Raw(b"b"),                # rule 2: bypass
              ETH / udp / Raw(b"c"),                                 # rule 2: bypass
              ETH / Dot1Q(vlan=10) / IP(src=LAN_A, dst="198.19.9.9") / UDP() / Raw(b"d"),
              ETH / Dot1Q(vlan=5) / IP(src=LAN_A, dst="198.19.3.3") / UDP() / Raw(b"e")]
    r = run_card("egress", frames, SAS, {"default": "discard", "rules": rules})
    assert r.frames[:2] == [raw(frames[1]), raw(frames[2])] and len(r.frames) == 3
    assert Ether(r.frames[2])[IP].proto == 50
    assert r.ports["eg_rule_discard"] == 1 and r.ports["eg_no_rule"] == 1
    assert r.ports["eg_discarded"] == 2 and r.ports["eg_protected"] == 1


def test_opaque_ports_ipv4_fragments_and_icmp():
    """A BYPASS rule for ports 0-100 sits before PROTECT of the subnet. A
    non-initial fragment, a first fragment cut before its ports and an ICMP
    packet have no ports: they must not take the port rule (before, their
    ports read as 0 and they left in the clear); a whole packet and a first
    fragment to port 80 do take it."""
    rules = [{"priority": 1, "dst": "198.19.2.0/24", "dport": "0-100", "action": "bypass"},
             {"priority": 2, "dst": "198.19.2.0/24", "action": "protect", "sa": 0}]
    frames = [
        ETH / IP(src=LAN_A, dst=LAN_B) / UDP(sport=9, dport=80) / Raw(b"whole"),   # bypass
        ETH / IP(src=LAN_A, dst=LAN_B, flags="MF") / UDP(sport=9, dport=80, len=508)
        / Raw(b"first"),                                                           # bypass
        ETH / IP(src=LAN_A, dst=LAN_B, proto=17, frag=64) / Raw(b"not first" * 4),  # protect
        ETH / IP(src=LAN_A, dst=LAN_B, proto=17, flags="MF") / Raw(b"\x00\x09"),  # protect
        ETH / IP(src=LAN_A, dst=LAN_B) / ICMP() / Raw(b"ping"),                    # protect
    ]
    r = run_card("egress", frames, SAS, rules)
    out, n_esp = verdicts(frames, r)
    assert out == ["plain", "plain", "-", "-", "-"] and n_esp == 3
    assert r.sa(0, "out")["packets"] == 3


def test_ipv6_extension_headers():
    """UDP and TCP behind hop-by-hop, destination options, routing and a first
    fragment header are matched by their ports (before, the protocol was the
    first extension header's and the PROTECT rule missed them: they took the
    bypass rule after it). A non-initial fragment has OPAQUE ports. A chain
    longer than the walk is dropped and counted as malformed."""
    src, dst = "2001:db8:1::1", "2001:db8:2::2"
    rules = [{"priority": 1, "src": "2001:db8:1::/48", "proto": "udp", "dport": "5678",
              "action": "protect", "sa": 0},
             {"priority": 2, "src": "2001:db8:1::/48", "proto": "tcp", "dport": "443",
              "action": "protect", "sa": 0},
             {"priority": 3, "src": "2001:db8:1::/48", "action": "bypass"}]
    v6 = IPv6(src=src, dst=dst)
    frames = [
        ETH / v6 / IPv6ExtHdrHopByHop() / UDP(sport=1, dport=5678) / Raw(b"a"),       # protect
        ETH / v6 / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting() / IPv6ExtHdrFragment(m=1)
        / TCP(sport=1, dport=443) / Raw(b"b"),                                         # protect
        ETH / v6 / IPv6ExtHdrHopByHop() / UDP(sport=1, dport=53) / Raw(b"c"),         # bypass
        ETH / v6 / IPv6ExtHdrFragment(offset=8, nh=17) / Raw(b"d" * 16),              # bypass
        ETH / v6 / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting()
        / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / UDP(dport=5678) / Raw(b"e"),    # malformed
    ]
    r = run_card("egress", frames, SAS, rules)
    out, n_esp = verdicts(frames, r)
    assert out == ["-", "-", "plain", "plain", "-"] and n_esp == 2
    assert r.sa(0, "out")["packets"] == 2
    assert r.ports["eg_malformed"] == 1


def test_any_family_rule_and_non_ip():
    """A rule with neither src nor dst matches IPv4 and IPv6 (before: IPv4
    only). Under default discard a frame that is neither IP nor ARP is dropped
    by the default (before: passed); ARP still passes."""
    rules = [{"priority": 1, "proto": "udp", "dport": 500, "action": "discard"}]
    # (0x88B6, IEEE local experimental 2: 0x88B5 from the host is the card's
    # exception path, packets handed back to ingress.)
    other = Ether(src=HOST_MAC, dst=GW_MAC, type=0x88B6) / Raw(bytes(50))
    arp = Ether(src=HOST_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=LAN_B)
    frames = [inner_frame(10, dport=500),
              inner_frame(10, src="2001:db8::1", dst="2001:db8::2", v6=True, dport=500),
              inner_frame(10, src="2001:db8::1", dst="2001:db8::2", v6=True, dport=501),
              other, arp]
    r = run_card("egress", frames, SAS, {"default": "discard", "rules": rules})
    assert r.frames == [raw(arp)]
    assert r.ports["eg_rule_discard"] == 2 and r.ports["eg_no_rule"] == 2
    r = run_card("egress", frames, SAS, rules)
    assert r.frames == [raw(f) for f in frames[2:]]
