"""Egress (host to wire): what the card encapsulates must decrypt with an
independent ESP implementation (scapy), with sensible outer headers."""
import pytest
from scapy.all import Ether, IP, IPv6, UDP, raw
from scapy.layers.ipsec import ESP

from espnic_testlib import (GW_MAC, HOST_MAC, LAN_A, LAN_B, LOCAL, REMOTE, inner_frame,
                            run_card, sa_entry, scapy_sa)

SIZES = [0, 1, 2, 3, 4, 17, 64, 100, 255, 256, 511, 1000, 1400]


def decrypt_outer(frame, entry):
    """Check the outer headers the card wrote and return the ESP layer."""
    eth = Ether(frame)
    assert eth.src == HOST_MAC and eth.dst == GW_MAC
    ip = eth[IP]
    assert ip.src == LOCAL and ip.dst == REMOTE
    assert ip.ttl == 64
    # scapy recomputes the checksum when the field is deleted: compare.
    check = IP(raw(ip))
    del check.chksum
    assert IP(raw(check)).chksum == ip.chksum, "outer IPv4 checksum"
    assert ip.len == len(frame) - 14
    if entry.get("encap") == "udp":
        assert ip.proto == 17 and ip[UDP].dport == 4500 and ip[UDP].sport == 4500
        assert ip[UDP].len == ip.len - 20
        return ESP(raw(ip[UDP].payload)), ip
    assert ip.proto == 50
    return ip[ESP], ip


@pytest.mark.parametrize("alg", ["aes-gcm-128", "aes-gcm-256"])
@pytest.mark.parametrize("encap", ["none", "udp"])
def test_tunnel_mode_decrypts_with_scapy(alg, encap):
    out_sa = sa_entry(0, 0x1001, "out", alg=alg, encap=encap)
    frames = [inner_frame(n, tos=0x28 if n % 2 else 0, flags="DF" if n % 3 else 0) for n in SIZES]
    r = run_card("egress", frames, [out_sa])
    assert len(r.frames) == len(frames)
    peer = scapy_sa(out_sa, tunnel_src=LOCAL, tunnel_dst=REMOTE)
    for seq, (sent, got) in enumerate(zip(frames, r.frames), start=1):
        esp, outer = decrypt_outer(got, out_sa)
        assert esp.spi == 0x1001 and esp.seq == seq
        # The explicit IV is the 64-bit sequence number.
        assert raw(esp)[8:16] == seq.to_bytes(8, "big")
        inner = peer.decrypt(IP(src=LOCAL, dst=REMOTE) / esp)
        assert raw(inner) == raw(sent[IP])
        assert outer.tos == sent[IP].tos, "DSCP/ECN copied from the inner header"
        assert bool(outer.flags.DF) == bool(sent[IP].flags.DF), "DF copied"
        assert (len(raw(esp)) - 16 - 16) % 4 == 0, "ESP payload 4-byte aligned"
    s = r.sa(0, "out")
    assert s["packets"] == len(frames) and s["seq"] == len(frames)
    assert s["bytes"] == sum(len(f[IP]) for f in frames)
    assert r.ports["eg_protected"] == len(frames)


def test_outer_ip_ids_differ():
    out_sa = sa_entry(0, 0x1001, "out")
    r = run_card("egress", [inner_frame(10)] * 4, [out_sa])
    ids = [Ether(f)[IP].id for f in r.frames]
    assert len(set(ids)) == 4


@pytest.mark.parametrize("v6", [False, True])
def test_transport_mode(v6):
    out_sa = sa_entry(0, 0x2002, "out", mode="transport")
    src, dst = ("2001:db8::1", "2001:db8::2") if v6 else (LAN_A, LAN_B)
    frames = [inner_frame(n, src=src, dst=dst, v6=v6) for n in (0, 5, 300)]
    r = run_card("egress", frames, [out_sa])
    assert len(r.frames) == 3
    peer = scapy_sa(out_sa)
    for sent, got in zip(frames, r.frames):
        eth = Ether(got)
        if v6:
            ip = eth[IPv6]
            assert ip.nh == 50 and ip.plen == len(got) - 54
        else:
            ip = eth[IP]
            assert ip.proto == 50 and ip.len == len(got) - 14
            check = IP(raw(ip))
            del check.chksum
            assert IP(raw(check)).chksum == ip.chksum
        plain = peer.decrypt(ip)
        ref = sent[IPv6] if v6 else sent[IP]
        assert raw(plain[UDP]) == raw(ref[UDP])
        assert (plain.nh if v6 else plain.proto) == 17


def test_ipv6_inner_in_ipv4_tunnel():
    out_sa = sa_entry(0, 0x3003, "out")
    frames = [inner_frame(40, src="2001:db8:1::1", dst="2001:db8:2::1", v6=True)]
    r = run_card("egress", frames, [out_sa])
    esp, _ = decrypt_outer(r.frames[0], out_sa)
    inner = scapy_sa(out_sa, LOCAL, REMOTE).decrypt(IP(src=LOCAL, dst=REMOTE) / esp)
    assert raw(inner) == raw(frames[0][IPv6])


def test_esn_aad_and_high_sequence():
    # Start just below 2^32 so the sequence number crosses into the high half.
    start = (1 << 32) - 2
    out_sa = sa_entry(0, 0x4004, "out", esn=True, seq=start)
    frames = [inner_frame(20) for _ in range(4)]
    r = run_card("egress", frames, [out_sa])
    assert len(r.frames) == 4
    for i, got in enumerate(r.frames):
        seq = start + 1 + i
        esp, _ = decrypt_outer(got, out_sa)
        assert esp.seq == seq & 0xFFFFFFFF
        peer = scapy_sa(dict(out_sa))
        peer.esn = seq >> 32
        inner = peer.decrypt(IP(src=LOCAL, dst=REMOTE) / esp)
        assert raw(inner) == raw(frames[i][IP])


def test_sequence_exhaustion_without_esn_drops():
    out_sa = sa_entry(0, 0x5005, "out", seq=(1 << 32) - 2)
    r = run_card("egress", [inner_frame(10) for _ in range(3)], [out_sa])
    assert len(r.frames) == 1          # 2^32-1 is the last usable number
    assert r.sa(0, "out")["drops"]["expired"] == 2
    assert any(e["kind"] == "seq_wrap" for e in r.stats["events"])


def test_sequence_past_2_32_with_esn_goes_on():
    # With ESN the low half wraps and the packets go on (the high half counts).
    out_sa = sa_entry(0, 0x5007, "out", esn=True, seq=(1 << 32) - 2)
    r = run_card("egress", [inner_frame(10) for _ in range(3)], [out_sa])
    assert len(r.frames) == 3
    assert r.sa(0, "out")["drops"]["expired"] == 0
    assert r.sa(0, "out")["seq"] == (1 << 32) + 1


@pytest.mark.parametrize("esn", [False, True])
def test_wrap_warning_reached_by_packets(esn):
    # The warning fires when the next number enters the last 2^16 of the
    # 32-bit space (bits 31:16 all ones) without ESN; here packets bring the
    # SA there, so it is the state the data path writes back that carries it,
    # not the control path's. The first packet uses 0xFFFEFFFF: no warning;
    # the second 0xFFFF0000: one warning, and the packets go on. With ESN the
    # same numbers are far from the end (its warning is at 2^64 - 2^16, beyond
    # what SA.json's seq can start from): no warning.
    start = (1 << 32) - (1 << 16) - 2
    out_sa = sa_entry(0, 0x5009, "out", esn=esn, seq=start)
    one = run_card("egress", [inner_frame(10)], [out_sa])
    assert len(one.frames) == 1
    assert not any(e["kind"] == "seq_wrap" for e in one.stats["events"])
    r = run_card("egress", [inner_frame(10) for _ in range(3)], [out_sa])
    assert len(r.frames) == 3
    assert [e["kind"] for e in r.stats["events"]].count("seq_wrap") == (0 if esn else 1)
    assert r.sa(0, "out")["seq"] == start + 3


def test_hard_lifetime_bytes():
    # Soft at the second packet's bytes, hard at the third's (one packet's bytes measured
    # without lifetimes): three leave as ESP, two are dropped as expired.
    frames = [inner_frame(40) for _ in range(5)]
    per = run_card("egress", frames, [sa_entry(0, 0x7007, "out")]).sa(0, "out")["bytes"] // 5
    out_sa = sa_entry(0, 0x7007, "out", lifetime={"soft_bytes": per + 1,
                                                  "hard_bytes": 2 * per + 1})
    r = run_card("egress", frames, [out_sa])
    assert len(r.frames) == 3, "the card encrypts past the hard byte lifetime"
    s = r.sa(0, "out")
    assert s["hard_expired"] and s["soft_expired"] and s["drops"]["expired"] == 2
    assert s["bytes"] == 3 * per
    assert [e["kind"] for e in r.stats["events"]] == ["soft_bytes", "hard_bytes"]


def test_mtu_drop_is_counted():
    out_sa = sa_entry(0, 0x6006, "out")
    # 1500-byte inner packet + 20 outer + 16 ESP/IV + 2..5 trailer + 16 ICV > 1500.
    frames = [inner_frame(1500 - 28), inner_frame(1400)]
    r = run_card("egress", frames, [out_sa])
    assert len(r.frames) == 1
    assert r.sa(0, "out")["drops"]["mtu"] == 1
