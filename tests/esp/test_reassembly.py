"""The card's half of fragment reassembly (ETHERTYPE_REASSEMBLY, 0x88B5): an
untagged IP fragment from the wire is punted to the host unchanged but for its
ethertype, without SA lookup, policy or decryption; a whole packet the host
sends back behind 0x88B5 enters ingress as if from the wire and takes every
check. Fragments and references are made by scapy, ESP by scapy's AES-GCM."""
import pytest
from scapy.all import (Dot1Q, Ether, IP, IPv6, IPv6ExtHdrFragment, UDP, Raw, fragment,
                       fragment6, raw)

from espnic_testlib import (GW_MAC, HOST_MAC, LAN_A, LAN_B, LOCAL, REMOTE, inner_frame,
                            run_card, sa_entry, scapy_sa)

REASM = 0x88B5


def wire_frame(ip_pkt):
    return Ether(src=GW_MAC, dst=HOST_MAC) / ip_pkt


def in_sa(**kw):
    kw.setdefault("replay_window", 64)
    return sa_entry(3, 0x00010003, "in", **kw)


def esp_packet(entry, inner_ip, seq):
    """The outer IP packet (ESP or ESP-in-UDP) the peer sends."""
    return scapy_sa(entry).encrypt(inner_ip, seq_num=seq)


def with_type(frame, etype):
    b = bytearray(raw(frame))
    b[12:14] = etype.to_bytes(2, "big")
    return bytes(b)


def check_punted(frames, r):
    assert r.frames == [with_type(f, REASM) for f in frames]
    p = r.ports
    assert p["in_reasm_punted"] == len(frames)
    for k in ("in_decrypted", "in_malformed", "in_bypassed", "in_no_sa", "in_policy"):
        assert p[k] == 0, k


def big_inner(n=1300, **kw):
    return inner_frame(n, src=LAN_B, dst=LAN_A, **kw)[IP]


@pytest.mark.parametrize("encap", ["none", "udp"])
def test_esp_fragments_punted(encap):
    entry = in_sa(encap=encap)
    frags = fragment(esp_packet(entry, big_inner(), 1), fragsize=512)
    assert len(frags) >= 3
    frames = [wire_frame(f) for f in frags]
    r = run_card("ingress", frames, [entry])
    check_punted(frames, r)
    s = r.sa(3, "in")
    assert s["packets"] == 0 and sum(s["drops"].values()) == 0


def test_cleartext_fragments_punted_without_policy():
    # A PROTECT rule's reversed match would drop this cleartext whole; fragments are not
    # looked up (the host gives the whole packet back, which then is).
    rules = [{"priority": 1, "src": "198.19.1.0/24", "dst": "198.19.2.0/24",
              "action": "protect", "sa": 0}]
    frags = fragment(big_inner(900), fragsize=256)
    frames = [wire_frame(f) for f in frags]
    r = run_card("ingress", frames, [in_sa()], {"default": "discard", "rules": rules})
    check_punted(frames, r)


def test_ipv6_fragments_punted():
    pkt = (IPv6(src="2001:db8::2", dst="2001:db8::1") / IPv6ExtHdrFragment()
           / UDP(sport=9, dport=9) / Raw(bytes(range(256)) * 4))
    frags = fragment6(pkt, 400)
    assert len(frags) >= 3
    frames = [wire_frame(f) for f in frags]
    r = run_card("ingress", frames, [in_sa()])
    check_punted(frames, r)


def test_tagged_fragment_as_before():
    # Tagged fragments are not punted: a tagged IPv4 packet is looked up as cleartext
    # (the card decrypts no tagged ESP), here passed (no rules).
    entry = in_sa()
    frags = fragment(esp_packet(entry, big_inner(), 1), fragsize=512)
    frames = [Ether(src=GW_MAC, dst=HOST_MAC) / Dot1Q(vlan=7) / f for f in frags]
    r = run_card("ingress", frames, [entry])
    assert r.frames == [raw(f) for f in frames]
    assert r.ports["in_reasm_punted"] == 0 and r.ports["in_bypassed"] == len(frames)


def reassemble(punted):
    """What the host does: restore the ethertype, reassemble, send back behind 0x88B5."""
    ips = sorted((IP(with_type(Ether(f), 0x0800)[14:]) for f in punted),
                 key=lambda ip: ip.frag)
    data = b"".join(raw(ip)[ip.ihl * 4:ip.len] for ip in ips)
    assert len(data) == ips[-1].frag * 8 + ips[-1].len - ips[-1].ihl * 4
    head = ips[0].copy()
    head.remove_payload()
    head.flags = int(head.flags) & ~1
    head.frag = 0
    del head.len, head.chksum
    return with_type(wire_frame(IP(raw(head / Raw(data)))), REASM)


def egress_counters_zero(r):
    for k, v in r.ports.items():
        if k.startswith("eg_"):
            assert v == 0, k


@pytest.mark.parametrize("encap", ["none", "udp"])
def test_fragments_to_host_and_back(encap):
    entry = in_sa(encap=encap)
    inner = big_inner()
    pkt = esp_packet(entry, inner, 1)
    frames = [wire_frame(f) for f in fragment(pkt, fragsize=512)]
    punted = run_card("ingress", frames, [entry]).frames
    back = reassemble(punted)
    assert back == with_type(wire_frame(pkt), REASM)
    r = run_card("ingress", [], [entry], other_frames=[back])
    ref = run_card("ingress", [wire_frame(pkt)], [entry])
    assert r.frames == ref.frames and len(r.frames) == 1
    assert raw(Ether(r.frames[0]).payload) == raw(inner)
    assert r.other == []
    assert r.ports["in_reinjected"] == 1 and r.ports["in_decrypted"] == 1
    assert r.sa(3, "in")["packets"] == 1
    egress_counters_zero(r)


def test_reinjected_ipv6():
    pkt = IPv6(src="2001:db8::2", dst="2001:db8::1") / UDP(sport=9, dport=9) / Raw(b"v6" * 50)
    r = run_card("ingress", [], [in_sa()], other_frames=[with_type(wire_frame(pkt), REASM)])
    assert r.frames == [raw(wire_frame(pkt))]
    assert r.ports["in_reinjected"] == 1 and r.ports["in_bypassed"] == 1
    egress_counters_zero(r)


def test_reinjected_cleartext_takes_the_policy():
    rules = [{"priority": 1, "src": "198.19.1.0/24", "dst": "198.19.2.0/24",
              "action": "protect", "sa": 0}]
    spoofed = wire_frame(big_inner(700))
    r = run_card("ingress", [], [in_sa()], rules, other_frames=[with_type(spoofed, REASM)])
    assert r.frames == [] and r.other == []
    assert r.ports["in_reinjected"] == 1 and r.ports["in_policy"] == 1
    egress_counters_zero(r)


def test_reinjected_replay_dropped():
    entry = in_sa()
    back = with_type(wire_frame(esp_packet(entry, big_inner(), 5)), REASM)
    r = run_card("ingress", [], [entry], other_frames=[back, back])
    assert len(r.frames) == 1
    assert r.ports["in_reinjected"] == 2
    assert r.sa(3, "in")["drops"]["replay"] == 1


def test_reinjected_bad_version_and_fragment():
    bad = bytearray(with_type(wire_frame(big_inner(100)), REASM))
    bad[14] = (5 << 4) | (bad[14] & 0x0F)
    # A reinjected fragment is punted again.
    frag = wire_frame(fragment(big_inner(900), fragsize=256)[1])
    r = run_card("ingress", [], [in_sa()], other_frames=[bytes(bad), with_type(frag, REASM)])
    assert r.frames == [with_type(frag, REASM)] and r.other == []
    p = r.ports
    assert p["in_reinject_bad"] == 1 and p["in_reinjected"] == 1
    assert p["in_reasm_punted"] == 1 and p["in_frames_in"] == 1
    egress_counters_zero(r)


def test_reinject_interleaved_with_wire_and_egress():
    entry = in_sa()
    # Wire: ESP with odd sequence numbers; host: reinjected ESP with even ones and
    # egress frames the SPD bypasses, in turn. Sizes vary so frames span many beats.
    n = 12
    sizes = [40 + 53 * i for i in range(2 * n)]
    inners = [inner_frame(s, src=LAN_B, dst=LAN_A, sport=1000 + i)[IP]
              for i, s in enumerate(sizes)]
    wire = [wire_frame(esp_packet(entry, inners[2 * i], 2 * i + 1)) for i in range(n)]
    rein = [with_type(wire_frame(esp_packet(entry, inners[2 * i + 1], 2 * i + 2)), REASM)
            for i in range(n)]
    egress = [inner_frame(60 + 113 * i, src="198.19.5.1", dst="198.19.6.1") for i in range(n)]
    host = [f for pair in zip(rein, egress) for f in pair]
    rules = [{"priority": 1, "src": "198.19.5.0/24", "dst": "198.19.6.0/24",
              "action": "bypass"}]
    r = run_card("ingress", wire, [entry], rules, other_frames=host)
    got = sorted(raw(Ether(f).payload) for f in r.frames)
    assert got == sorted(raw(ip) for ip in inners)
    assert r.other == [raw(f) for f in egress]
    p = r.ports
    assert p["in_reinjected"] == n and p["in_decrypted"] == 2 * n
    assert p["eg_frames_in"] == n and p["eg_bypassed"] == n and p["eg_frames_out"] == n
    assert r.sa(3, "in")["packets"] == 2 * n and sum(r.sa(3, "in")["drops"].values()) == 0
