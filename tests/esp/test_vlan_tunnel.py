"""Route-based sessions on the card (issue 13): each session owns an 802.1Q
VLAN of the host port. Egress: a rule that matches the VLAN PROTECTs with the
session's SA and the frame is tunnelled from behind its tag (the tag never
reaches the wire); ingress: an inbound SA with a VLAN delivers its packets to
the host tagged with it. Checked against scapy's ESP."""
import pytest
from scapy.all import Dot1Q, Ether, IP, IPv6, UDP, Raw, raw

from espnic_testlib import (GW_MAC, HOST_MAC, LAN_A, LAN_B, LOCAL, REMOTE, inner_frame,
                            run_card, sa_entry, scapy_sa)
from test_egress import decrypt_outer
from test_ingress import esp_from_peer, in_sa

ETH = Ether(src=HOST_MAC, dst=GW_MAC)
ROUTE_RULES = [{"priority": 1, "vlan": 10, "action": "protect", "sa": 0},
               {"priority": 2, "vlan": 20, "action": "protect", "sa": 1}]


def tagged(vid, n, **kw):
    f = inner_frame(n, **kw)
    return ETH / Dot1Q(vlan=vid) / f[IP if IP in f else IPv6]


@pytest.mark.parametrize("encap", ["none", "udp"])
def test_egress_tunnels_by_vlan(encap):
    """Tagged frames go to the SA of their VLAN's rule, the inner packet
    without the tag; untagged and other VLANs take the default (discard)."""
    sas = [sa_entry(0, 0x1001, "out", encap=encap), sa_entry(1, 0x1002, "out", seed=2)]
    frames = [tagged(10, n) for n in (0, 1, 3, 64, 1000)]
    frames += [tagged(20, 40), tagged(30, 40), inner_frame(40),
               tagged(10, 30, src="2001:db8::1", dst="2001:db8::2", v6=True)]
    r = run_card("egress", frames, sas, {"default": "discard", "rules": ROUTE_RULES})
    assert len(r.frames) == 7
    for seq, (sent, got) in enumerate(zip(frames[:5], r.frames), start=1):
        esp, outer = decrypt_outer(got, sas[0])
        assert Dot1Q not in Ether(got)
        assert esp.spi == 0x1001 and esp.seq == seq
        inner = scapy_sa(sas[0], LOCAL, REMOTE).decrypt(IP(src=LOCAL, dst=REMOTE) / esp)
        assert raw(inner) == raw(sent[IP])
    esp, _ = decrypt_outer(r.frames[5], sas[1])
    assert esp.spi == 0x1002
    esp, _ = decrypt_outer(r.frames[6], sas[0])
    inner = scapy_sa(sas[0], LOCAL, REMOTE).decrypt(IP(src=LOCAL, dst=REMOTE) / esp)
    assert raw(inner) == raw(frames[8][IPv6])
    assert r.sa(0, "out")["packets"] == 6 and r.sa(1, "out")["packets"] == 1
    assert r.ports["eg_no_rule"] == 2


def test_egress_tagged_transport_dropped():
    """Transport mode keeps the frame's own IP header and cannot drop the tag:
    a tagged frame a PROTECT rule sends to a transport SA is discarded."""
    sas = [sa_entry(0, 0x1001, "out", mode="transport")]
    r = run_card("egress", [tagged(10, 20, src=LOCAL, dst=REMOTE)], sas,
                 {"default": "bypass", "rules": ROUTE_RULES[:1]})
    assert r.frames == [] and r.ports["eg_discarded"] == 1


def test_ingress_delivers_tagged():
    """An inbound SA with a VLAN delivers tagged; one without, untagged."""
    tag_sa = in_sa(vlan=10)
    plain_sa = sa_entry(4, 0x00010004, "in", replay_window=64, seed=2)
    inners = [inner_frame(n)[IP] for n in (0, 1, 2, 3, 64, 1400)]
    frames = [esp_from_peer(tag_sa, ip, seq) for seq, ip in enumerate(inners, start=1)]
    frames.append(esp_from_peer(plain_sa, inners[4], 1))
    v6 = inner_frame(30, src="2001:db8::1", dst="2001:db8::2", v6=True)[IPv6]
    frames.append(esp_from_peer(tag_sa, v6, len(inners) + 1))
    r = run_card("ingress", frames, [tag_sa, plain_sa])
    assert len(r.frames) == len(frames)
    for ip, got in zip(inners, r.frames):
        eth = Ether(got)
        assert eth.src == GW_MAC and eth.dst == HOST_MAC and eth.type == 0x8100
        assert eth[Dot1Q].vlan == 10 and eth[Dot1Q].type == 0x0800
        assert raw(eth[Dot1Q].payload) == raw(ip)
    eth = Ether(r.frames[len(inners)])
    assert eth.type == 0x0800 and raw(eth.payload) == raw(inners[4])
    eth = Ether(r.frames[-1])
    assert eth[Dot1Q].vlan == 10 and eth[Dot1Q].type == 0x86DD
    assert raw(eth[Dot1Q].payload) == raw(v6)
    assert r.sa(3, "in")["packets"] == len(inners) + 1
    assert r.ports["in_bytes_out"] == sum(len(f) for f in r.frames)


@pytest.mark.parametrize("bad", [{"vlan": 0}, {"vlan": 4095}, {"vlan": 10, "mode": "transport"}])
def test_vlan_sa_refused(bad):
    """A VLAN only on an inbound tunnel SA, VID 1..4094 (the file's check;
    the card's own is in tests/ctrl)."""
    entry = in_sa(**bad)
    if bad.get("mode") == "transport":
        entry.pop("local", None)
        entry.pop("remote", None)
    run_card("ingress", [], [entry], expect_rc=1)
    run_card("egress", [], [dict(sa_entry(0, 0x1001, "out"), vlan=10)], expect_rc=1)
