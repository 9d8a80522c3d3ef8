"""Ingress (wire to host): ESP made by an independent implementation (scapy)
decrypts through the card; everything the card must refuse is dropped and
counted per SA and per reason, never delivered; non-ESP passes through."""
import struct

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import ARP, Ether, IP, IPv6, UDP, TCP, Raw, raw
from scapy.layers.ipsec import ESP

from espnic_testlib import (GW_MAC, HOST_MAC, LAN_A, LAN_B, LOCAL, REMOTE, inner_frame,
                            key_for, run_card, sa_entry, scapy_sa)


def wire_frame(ip_pkt):
    return Ether(src=GW_MAC, dst=HOST_MAC) / ip_pkt


def esp_from_peer(entry, inner_ip, seq, esn_hi=0):
    """What the peer sends: inner_ip encrypted with the SA, in a wire frame."""
    sa = scapy_sa(entry)
    if entry.get("esn"):
        sa.esn = esn_hi
    return wire_frame(sa.encrypt(inner_ip, seq_num=seq))


def handmade_esp(entry, seq, plaintext, spi=None, tamper_icv=False, outer=None):
    """ESP built by hand (AES-GCM from python3-cryptography) for malformed cases."""
    km = key_for(entry["algorithm"])
    key, salt = km[:-4], km[-4:]
    spi = spi if spi is not None else int(entry["spi"], 16)
    iv = seq.to_bytes(8, "big")
    aad = struct.pack("!LL", spi, seq)
    ct = AESGCM(key).encrypt(salt + iv, plaintext, aad)
    if tamper_icv:
        ct = ct[:-1] + bytes([ct[-1] ^ 1])
    payload = aad + iv + ct
    outer = outer or IP(src=REMOTE, dst=LOCAL, proto=50)
    return wire_frame(outer / Raw(payload))


def trailer(inner, pad_len=None, nh=4, pad_bytes=None):
    n = len(inner)
    if pad_len is None:
        pad_len = (-(n + 2)) % 4
    pad = pad_bytes if pad_bytes is not None else bytes(range(1, pad_len + 1))
    return inner + pad + bytes([pad_len, nh])


def in_sa(**kw):
    """Inbound SA at index 3: the low bits of an inbound SPI are its index."""
    kw.setdefault("replay_window", 64)
    return sa_entry(3, 0x00010003, "in", **kw)


@pytest.mark.parametrize("alg", ["aes-gcm-128", "aes-gcm-256"])
@pytest.mark.parametrize("encap", ["none", "udp"])
def test_tunnel_mode_from_scapy(alg, encap):
    entry = in_sa(alg=alg, encap=encap)
    inners = [inner_frame(n)[IP] for n in (0, 1, 2, 3, 64, 200, 1400)]
    frames = [esp_from_peer(entry, ip, seq) for seq, ip in enumerate(inners, start=1)]
    r = run_card("ingress", frames, [entry])
    assert len(r.frames) == len(inners)
    for ip, got in zip(inners, r.frames):
        eth = Ether(got)
        assert eth.src == GW_MAC and eth.dst == HOST_MAC and eth.type == 0x0800
        assert raw(eth.payload) == raw(ip)
    s = r.sa(3, "in")
    assert s["packets"] == len(inners) and s["seq"] == len(inners)
    assert sum(s["drops"].values()) == 0


def test_ipv6_inner():
    entry = in_sa(selectors={"src": "2001:db8::/32", "dst": "2001:db8::/32"})
    ip = inner_frame(30, src="2001:db8::1", dst="2001:db8::2", v6=True)[IPv6]
    r = run_card("ingress", [esp_from_peer(entry, ip, 1)], [entry])
    assert len(r.frames) == 1
    eth = Ether(r.frames[0])
    assert eth.type == 0x86DD and raw(eth.payload) == raw(ip)


@pytest.mark.parametrize("v6", [False, True])
def test_transport_mode_from_scapy(v6):
    entry = in_sa(mode="transport")
    src, dst = ("2001:db8::2", "2001:db8::1") if v6 else (REMOTE, LOCAL)
    ip = inner_frame(77, src=src, dst=dst, v6=v6)[IPv6 if v6 else IP]
    if not v6:
        ip = IP(raw(ip))
    r = run_card("ingress", [esp_from_peer(entry, ip, 1)], [entry])
    assert len(r.frames) == 1
    got = Ether(r.frames[0])
    want = IPv6(raw(ip)) if v6 else IP(raw(ip))
    assert raw(got.payload) == raw(want), "header restored: protocol, length, checksum"


def test_replay_window():
    entry = in_sa(replay_window=32)
    pkt = lambda seq: esp_from_peer(entry, inner_frame(seq % 50)[IP], seq)
    # 1..5 fine, 3 again (duplicate), 40 moves the window, 8 too old (40-32),
    # 9 is the window's last slot, 9 again duplicate, 41 fine.
    seqs = [1, 2, 3, 4, 5, 3, 40, 8, 9, 9, 41]
    r = run_card("ingress", [pkt(s) for s in seqs], [entry])
    assert len(r.frames) == 8
    assert r.sa(3, "in")["drops"]["replay"] == 3
    assert r.sa(3, "in")["seq"] == 41


def test_replay_window_of_1024():
    entry = in_sa(replay_window=1024)
    seqs = [2000, 977, 976, 1500, 1500]
    r = run_card("ingress", [esp_from_peer(entry, inner_frame(4)[IP], s) for s in seqs], [entry])
    assert len(r.frames) == 3          # 976 is 1024 behind: too old; 1500 twice
    assert r.sa(3, "in")["drops"]["replay"] == 2


def test_window_moves_only_after_icv():
    # A forged packet far beyond the 64-packet window: had it moved the window, 20 and 21
    # would be too old, and the SA's highest sequence number would read 200.
    entry = in_sa()
    forged = handmade_esp(entry, 200, trailer(raw(inner_frame(8)[IP])), tamper_icv=True)
    good = [esp_from_peer(entry, inner_frame(8)[IP], s) for s in (20, 21)]
    r = run_card("ingress", [forged] + good, [entry])
    s = r.sa(3, "in")
    assert s["seq"] == 21, "a forged sequence number moved the window to %d" % s["seq"]
    assert len(r.frames) == 2, "a forged high sequence number must not move the window"
    assert s["drops"]["icv"] == 1 and s["drops"]["replay"] == 0


def test_esn_wrap():
    entry = in_sa(esn=True, seq=(1 << 32) - 3, replay_window=64)
    ip = inner_frame(16)[IP]
    sent = [(1 << 32) - 1, (1 << 32) + 1, (1 << 32) + 2, (1 << 32) - 2, (1 << 32) + 1]
    frames = [esp_from_peer(entry, ip, s & 0xFFFFFFFF, esn_hi=s >> 32) for s in sent]
    # The low half 0 of the new subspace, made by hand (scapy treats seq 0 as unset).
    km = key_for(entry["algorithm"])
    body = trailer(raw(ip))
    aad = struct.pack("!LLL", 0x00010003, 1, 0)
    ct = AESGCM(km[:-4]).encrypt(km[-4:] + (1 << 32).to_bytes(8, "big"), body, aad)
    frames.append(wire_frame(IP(src=REMOTE, dst=LOCAL, proto=50)
                             / Raw(struct.pack("!LL", 0x00010003, 0) + (1 << 32).to_bytes(8, "big") + ct)))
    r = run_card("ingress", frames, [entry])
    assert len(r.frames) == 5, "the second 2^32+1 is a replay"
    s = r.sa(3, "in")
    assert s["seq"] == (1 << 32) + 2 and s["drops"]["replay"] == 1


def ref_replay(top, w, esn, sent):
    """RFC 4303 (3.4.3, appendix A2) one packet at a time, the window as a
    set: the sequence numbers delivered, the drops (replay or ICV, the latter
    when the 64-bit number inferred is not the one the peer used) and the
    highest number at the end."""
    seen, out, drops = set(), [], 0
    for s in sent:
        lo, th, tl = s & 0xFFFFFFFF, top >> 32, top & 0xFFFFFFFF
        w1 = max(w, 1)
        if not esn:
            x = lo
        elif tl >= w1 - 1:
            x = (th << 32 | lo) if lo >= tl - w1 + 1 else ((th + 1) << 32 | lo)
        else:
            x = ((th - 1) << 32 | lo) if lo >= (tl - w1 + 1) & 0xFFFFFFFF else (th << 32 | lo)
        if x == 0 or (w and x <= top and (top - x >= w or x in seen)) or x != s:
            drops += 1
            continue
        seen.add(s)
        top = max(top, s)
        out.append(s)
    return out, drops, top


def run_replay_case(entry, sent):
    """Each packet's inner payload size names it; the delivered ones must be
    those the reference delivers, in order."""
    top = entry.get("seq", 0)
    frames = [esp_from_peer(entry, inner_frame(10 + i)[IP], s & 0xFFFFFFFF, esn_hi=s >> 32)
              for i, s in enumerate(sent)]
    want, drops, want_top = ref_replay(top, entry["replay_window"], entry.get("esn", False), sent)
    r = run_card("ingress", frames, [entry])
    got = [sent[len(IP(raw(Ether(f).payload)).payload.payload) - 10] for f in r.frames]
    assert got == want
    s = r.sa(3, "in")
    assert s["seq"] == want_top
    assert s["drops"]["replay"] + s["drops"]["icv"] == drops
    return s


def test_replay_window_words():
    # The window is 32 words of 64 bits (RFC 6479). 3548 is 1500 + 2048: the
    # same word and bit as 1500, which is outside the window by then and must
    # not make 3548 look seen; 2977 is the window's last slot (1023 behind
    # 4000), 2976 one too old; 4500 slides by several words, 9000 by more than
    # the window; 8001 sits where nothing was marked since 4500's block.
    entry = in_sa(replay_window=1024)
    sent = [1500, 1500, 4000, 3548, 3548, 2977, 2976, 4000, 4064, 3100, 3100,
            4500, 4000, 4001, 9000, 4500, 8001, 7976, 7977, 8001]
    s = run_replay_case(entry, sent)
    assert s["drops"]["replay"] == 9 and s["seq"] == 9000


def test_replay_window_words_esn_boundary():
    # Across 2^32 with a window of 1024: 2^32 - 1 and 2^32 + 2047 share a
    # word; 2^32 - 400 arrives after the high half moved on; 2^32 - 1 sent
    # again at the end is inferred into the next subspace (ICV drop) or, if
    # classified before the window moved, a replay: either way never delivered.
    hi = 1 << 32
    entry = in_sa(esn=True, seq=hi - 500, replay_window=1024)
    sent = [hi - 1, hi + 100, hi - 400, hi - 400, hi - 1, hi + 2047, hi + 1023,
            hi + 1024, hi + 2047, hi - 1]
    s = run_replay_case(entry, sent)
    assert s["seq"] == hi + 2047


def test_bad_padding_and_next_header():
    entry = in_sa()
    inner = raw(inner_frame(12)[IP])            # 40 bytes: pad 2
    cases = [
        trailer(inner, pad_len=2, pad_bytes=b"\x01\x03"),   # wrong pad content
        trailer(inner, pad_len=250, pad_bytes=b"\x01\x02"), # pad longer than payload
        trailer(inner, nh=99),                               # tunnel mode needs 4 or 41
        trailer(inner, nh=41),                               # says IPv6, carries IPv4
    ]
    frames = [handmade_esp(entry, i + 1, p) for i, p in enumerate(cases)]
    frames.append(handmade_esp(entry, 9, trailer(inner, pad_len=6)))  # long pad, fine
    frames.append(handmade_esp(entry, 10, trailer(inner)))    # default pad, fine
    r = run_card("ingress", frames, [entry])
    assert len(r.frames) == 2
    assert r.sa(3, "in")["drops"]["malformed"] == 4


def test_dummy_packet_discarded():
    entry = in_sa()
    r = run_card("ingress", [handmade_esp(entry, 1, trailer(b"\x00" * 10, nh=59))], [entry])
    assert r.frames == [] and r.ports["in_dummy"] == 1


def test_bad_icv_truncated_garbage_unknown_spi():
    entry = in_sa()
    inner = trailer(raw(inner_frame(30)[IP]))
    good = handmade_esp(entry, 1, inner)
    truncated = Ether(raw(good)[:-7])
    frames = [
        handmade_esp(entry, 2, inner, tamper_icv=True),
        truncated,                                            # IP length now lies
        wire_frame(IP(src=REMOTE, dst=LOCAL, proto=50) / Raw(b"\x00\x01\x00\x03" + b"\xAA" * 40)),
        wire_frame(IP(src=REMOTE, dst=LOCAL, proto=50) / Raw(b"\x01\x02")),
        handmade_esp(entry, 3, inner, spi=0x00020003),        # same index, other SPI
        handmade_esp(entry, 4, inner, spi=0x00000777),        # empty index
        good,
    ]
    r = run_card("ingress", frames, [entry])
    assert len(r.frames) == 1
    s = r.sa(3, "in")
    assert s["drops"]["icv"] == 2          # tampered, and the 0xAA garbage under a known SPI
    assert r.ports["in_no_sa"] == 2
    assert r.ports["in_malformed"] == 2    # truncated, and 2-byte ESP
    assert r.ports["in_frames_in"] == len(frames)


def test_inbound_policy_check():
    entry = in_sa(selectors={"src": "198.19.2.0/24", "dst": "198.19.1.0/24", "proto": "udp"})
    ok = inner_frame(10, src=LAN_B, dst=LAN_A)[IP]
    wrong_src = inner_frame(10, src="198.19.9.9", dst=LAN_A)[IP]
    wrong_proto = inner_frame(10, src=LAN_B, dst=LAN_A, proto="tcp")[IP]
    frames = [esp_from_peer(entry, p, i + 1) for i, p in enumerate([ok, wrong_src, wrong_proto])]
    r = run_card("ingress", frames, [entry])
    assert len(r.frames) == 1
    assert r.sa(3, "in")["drops"]["policy"] == 2


def test_non_esp_passes_through():
    entry = in_sa()
    frames = [
        wire_frame(IP(src=REMOTE, dst=LOCAL) / UDP(sport=500, dport=500) / Raw(b"\x11" * 40)),
        wire_frame(IP(src=REMOTE, dst=LOCAL) / UDP(sport=4500, dport=4500) / Raw(b"\x00" * 4 + b"\x22" * 40)),
        wire_frame(IP(src=REMOTE, dst=LOCAL) / UDP(sport=4500, dport=4500) / Raw(b"\xff")),
        Ether(src=GW_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=REMOTE, pdst=LOCAL),
        wire_frame(IP(src=REMOTE, dst=LOCAL) / TCP(sport=80, dport=1000) / Raw(b"x" * 100)),
        wire_frame(IPv6(src="2001:db8::2", dst="2001:db8::1") / UDP() / Raw(b"y" * 10)),
    ]
    r = run_card("ingress", frames, [entry])
    assert [raw(f) for f in frames] == r.frames
    assert r.ports["in_bypassed"] == len(frames)


def test_hard_lifetime_bytes():
    # The bytes one packet counts, from a run without lifetimes; then soft at the second
    # packet, hard at the third: three delivered, the rest dropped as expired.
    def frames_of(entry):
        return [esp_from_peer(entry, inner_frame(40)[IP], s) for s in range(1, 6)]
    plain = in_sa()
    per = run_card("ingress", frames_of(plain), [plain]).sa(3, "in")["bytes"] // 5
    entry = in_sa(lifetime={"soft_bytes": per + 1, "hard_bytes": 2 * per + 1})
    r = run_card("ingress", frames_of(entry), [entry])
    assert len(r.frames) == 3, "the card delivers past the hard byte lifetime"
    s = r.sa(3, "in")
    assert s["hard_expired"] and s["soft_expired"] and s["drops"]["expired"] == 2
    assert s["bytes"] == 3 * per
    assert [e["kind"] for e in r.stats["events"]] == ["soft_bytes", "hard_bytes"]


def test_hard_lifetime_packets():
    entry = in_sa(lifetime={"soft_packets": 2, "hard_packets": 3})
    frames = [esp_from_peer(entry, inner_frame(5)[IP], s) for s in range(1, 6)]
    r = run_card("ingress", frames, [entry])
    assert len(r.frames) == 3
    s = r.sa(3, "in")
    assert s["hard_expired"] and s["soft_expired"] and s["drops"]["expired"] == 2
    kinds = [e["kind"] for e in r.stats["events"]]
    assert kinds == ["soft_packets", "hard_packets"]


def test_inbound_cleartext_policy():
    """RFC 4301 5.2: cleartext from the wire is looked up with its addresses and ports
    reversed. Traffic a PROTECT rule covers (a spoofed packet "from" the protected remote
    subnet) and traffic a DISCARD rule covers are dropped and counted (in_policy), never
    delivered; IKE and NAT keepalives pass by the IKE bypass rule (from our port 500 and
    4500 to anywhere); what no rule matches takes the default; ARP always passes."""
    entry = in_sa()
    rules = [
        {"priority": 1, "src": LOCAL + "/32", "proto": "udp", "sport": "500", "action": "bypass"},
        {"priority": 2, "src": LOCAL + "/32", "proto": "udp", "sport": "4500", "action": "bypass"},
        {"priority": 3, "src": "198.19.1.0/24", "dst": "198.19.2.0/24", "action": "protect", "sa": 0},
        {"priority": 4, "dst": "198.19.66.0/24", "action": "discard"},
        {"priority": 5, "src": "2001:db8:1::/48", "dst": "2001:db8:2::/48", "action": "protect",
         "sa": 0},
    ]
    arp = Ether(src=GW_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc=REMOTE, pdst=LOCAL)
    ike = wire_frame(IP(src=REMOTE, dst=LOCAL) / UDP(sport=500, dport=500) / Raw(b"\x11" * 40))
    natt = wire_frame(IP(src=REMOTE, dst=LOCAL) / UDP(sport=31000, dport=4500)
                      / Raw(b"\x00" * 4 + b"\x22" * 40))
    keepalive = wire_frame(IP(src=REMOTE, dst=LOCAL) / UDP(sport=4500, dport=4500) / Raw(b"\xff"))
    other = wire_frame(IP(src="198.19.7.7", dst=LOCAL) / TCP(sport=80, dport=1000) / Raw(b"x" * 20))
    # The leaks: cleartext "from" the protected remote subnet to the LAN, either family.
    spoofed = wire_frame(IP(src=LAN_B, dst=LAN_A) / UDP(sport=5678, dport=1234) / Raw(b"s" * 30))
    spoofed6 = wire_frame(IPv6(src="2001:db8:2::5", dst="2001:db8:1::5") / UDP() / Raw(b"6" * 8))
    discarded = wire_frame(IP(src="198.19.66.9", dst=LOCAL) / UDP(sport=9, dport=9) / Raw(b"d"))
    passing = [arp, ike, natt, keepalive, other]
    frames = passing + [spoofed, spoofed6, discarded]
    r = run_card("ingress", frames, [entry], rules)
    assert r.frames == [raw(f) for f in passing]
    assert r.ports["in_policy"] == 3 and r.ports["in_bypassed"] == len(passing)
    # The tunnel's own traffic, as ESP, still arrives.
    esp = esp_from_peer(entry, inner_frame(10, src=LAN_B, dst=LAN_A)[IP], 1)
    r = run_card("ingress", [spoofed, esp], [entry], rules)
    assert len(r.frames) == 1 and r.ports["in_decrypted"] == 1 and r.ports["in_policy"] == 1
    # Under default discard, what no rule matches is dropped too (ARP and IKE still pass).
    r = run_card("ingress", frames, [entry], {"default": "discard", "rules": rules})
    assert r.frames == [raw(f) for f in passing if f is not other]
    assert r.ports["in_policy"] == 4
