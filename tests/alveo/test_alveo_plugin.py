"""The OpenNIC plugin (fw/alveo/rtl/espnic_250mhz.sv) with two clocks:
AXI-Lite at one, frames at the core's 250 MHz. The register slave and the
shell's reset pair alone, then SAs and SPD rules installed through AXI-Lite
(libespnic's command ring, as on a card) and ESP checked with scapy both ways
(what the card encrypts decrypts with scapy, what scapy encrypts the card
decrypts). Every output packet's tuser (size, source, destination) is checked
by the testbench itself (card_alveo.cpp). The ratios: 7.7 ns against 4 ns
(non-integer, the phase drifts) and the shell's phase-aligned 8 ns."""
import os
import subprocess

import pytest
from scapy.all import Ether, IP, UDP, raw
from scapy.layers.ipsec import ESP

from espnic_testlib import (GW_MAC, HOST_MAC, LAN_A, LAN_B, LOCAL, REMOTE, SIM, inner_frame,
                            run_card, sa_entry, scapy_sa)

DRIFTING = "7700"   # AXI-Lite period in ps against the core's 4000
ALIGNED = "8000"    # the shell's 125 MHz, phase-aligned with 250 MHz


@pytest.fixture
def axil_ps(request, monkeypatch):
    ps = getattr(request, "param", DRIFTING)
    monkeypatch.setenv("ESPNIC_ALVEO_AXIL_PS", ps)
    return ps


# Also AXI-Lite faster than the core (3 ns) and nearly equal to it (4.002 ns,
# the edges slide past each other slowly): the handshake does not care.
@pytest.mark.parametrize("axil_ps", [DRIFTING, ALIGNED, "3000", "4002"], indirect=True)
def test_axil_registers_and_reset_pair(axil_ps):
    p = subprocess.run([SIM, "axil"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "axil: passed" in p.stdout
    print(p.stdout)


@pytest.mark.parametrize("encap", ["none", "udp"])
def test_egress_esp_decrypts_with_scapy(axil_ps, encap):
    out_sa = sa_entry(0, 0x1001, "out", encap=encap)
    sizes = [0, 1, 63, 64, 65, 200, 1000, 1400]
    frames = [inner_frame(n) for n in sizes]
    r = run_card("egress", frames, [out_sa])
    assert len(r.frames) == len(frames)
    peer = scapy_sa(out_sa, tunnel_src=LOCAL, tunnel_dst=REMOTE)
    for seq, (sent, got) in enumerate(zip(frames, r.frames), start=1):
        eth = Ether(got)
        assert eth.src == HOST_MAC and eth.dst == GW_MAC
        ip = eth[IP]
        assert ip.src == LOCAL and ip.dst == REMOTE and ip.len == len(got) - 14
        if encap == "udp":
            assert ip.proto == 17 and ip[UDP].dport == 4500
            esp = ESP(raw(ip[UDP].payload))
        else:
            assert ip.proto == 50
            esp = ip[ESP]
        assert esp.spi == 0x1001 and esp.seq == seq
        inner = peer.decrypt(IP(src=LOCAL, dst=REMOTE) / esp)
        assert raw(inner) == raw(sent[IP])
    assert r.sa(0, "out")["packets"] == len(frames)
    assert r.ports["eg_protected"] == len(frames)


@pytest.mark.parametrize("axil_ps", [ALIGNED], indirect=True)
def test_ingress_scapy_esp_decrypts_through_the_plugin(axil_ps):
    # SA_N is 64 in the testbench: the inbound index is the SPI's low 6 bits.
    entry = sa_entry(0x2002 % 64, 0x2002, "in", replay_window=64)
    peer = scapy_sa(entry)
    inner = [IP(src=LAN_B, dst=LAN_A) / UDP(sport=7, dport=9) / bytes((i * 7) & 0xFF for i in range(n))
             for n in (0, 10, 100, 700, 1300)]
    frames = [Ether(src=GW_MAC, dst=HOST_MAC) / peer.encrypt(p, seq_num=i + 1)
              for i, p in enumerate(inner)]
    frames.append(Ether(src=GW_MAC, dst=HOST_MAC) / IP(src=REMOTE, dst=LOCAL) / UDP(dport=500)
                  / b"ike")
    r = run_card("ingress", frames, [entry])
    assert len(r.frames) == len(frames)
    for sent, got in zip(inner, r.frames):
        assert raw(Ether(got)[IP]) == raw(sent)
    assert raw(Ether(r.frames[-1])[IP]) == raw(frames[-1][IP]), "non-ESP passes"
    s = r.sa(0x2002 % 64, "in")
    assert s["packets"] == len(inner) and sum(s["drops"].values()) == 0


def test_spd_rules_through_axil(axil_ps):
    """An SPD of three rules (compiled and written with CLS_WRITE commands
    over AXI-Lite): protect, bypass and discard by destination."""
    out_sa = sa_entry(0, 0x1001, "out")
    rules = [{"priority": 1, "dst": "198.19.2.0/24", "action": "protect", "sa": 0},
             {"priority": 2, "dst": "198.19.3.0/24", "action": "bypass"},
             {"priority": 3, "action": "discard"}]
    frames = [inner_frame(20, dst=LAN_B), inner_frame(20, dst="198.19.3.1"),
              inner_frame(20, dst="198.19.4.1")]
    r = run_card("egress", frames, [out_sa], rules=rules)
    assert len(r.frames) == 2
    assert Ether(r.frames[0])[IP].proto == 50
    assert raw(r.frames[1]) == raw(frames[1])
    assert r.ports["eg_protected"] == 1 and r.ports["eg_bypassed"] == 1
    assert r.ports["eg_discarded"] == 1
