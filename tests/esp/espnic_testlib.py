"""Helpers for the ESP data path tests: build SA/SPD files, run captures
through the simulated card (`espnic-sim pcap`), and make or check ESP with an
independent implementation (scapy's, over python3-cryptography)."""
import json
import os
import pathlib
import subprocess
import tempfile

from scapy.all import Ether, IP, IPv6, UDP, TCP, Raw, rdpcap, wrpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

SIM = os.environ.get("ESPNIC_SIM", "espnic-sim")
WIDTH = int(os.environ.get("ESPNIC_WIDTH", "128"))

HOST_MAC = "02:00:00:00:00:01"
GW_MAC = "02:00:00:00:00:02"
LOCAL = "198.18.0.1"      # outer addresses of the card's site
REMOTE = "198.18.0.2"
LAN_A = "198.19.1.10"     # inner hosts
LAN_B = "198.19.2.20"


def key_for(alg, seed=1):
    """Deterministic key material (key || 4-byte salt) for an algorithm."""
    n = 16 if alg == "aes-gcm-128" else 32
    return bytes((seed * 31 + i * 7) & 0xFF for i in range(n + 4))


def sa_entry(index, spi, direction, alg="aes-gcm-128", mode="tunnel", encap="none",
             seed=1, **extra):
    e = {"index": index, "spi": f"0x{spi:08x}", "direction": direction, "mode": mode,
         "encap": encap, "algorithm": alg, "key": key_for(alg, seed).hex()}
    if mode == "tunnel":
        e["local"], e["remote"] = (LOCAL, REMOTE) if direction == "out" else (LOCAL, REMOTE)
    e.update(extra)
    return e


def scapy_sa(entry, tunnel_src=None, tunnel_dst=None):
    """The scapy SA that matches an SA.json entry, seen from the other end."""
    key = bytes.fromhex(entry["key"])
    tunnel = None
    if entry.get("mode", "tunnel") == "tunnel":
        tunnel = IP(src=tunnel_src or REMOTE, dst=tunnel_dst or LOCAL)
    nat_t = None
    if entry.get("encap") == "udp":
        nat_t = UDP(sport=entry.get("sport", 4500), dport=entry.get("dport", 4500), chksum=0)
    return SecurityAssociation(ESP, spi=int(entry["spi"], 16), crypt_algo="AES-GCM",
                               crypt_key=key, crypt_icv_size=16, auth_algo="NULL",
                               tunnel_header=tunnel, nat_t_header=nat_t,
                               esn_en=entry.get("esn", False))


def inner_frame(payload_len=64, proto="udp", src=LAN_A, dst=LAN_B, sport=1234, dport=5678,
                v6=False, **ipkw):
    """An Ethernet frame from the host with an inner packet of the given payload size."""
    ip = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst, **ipkw)
    l4 = UDP(sport=sport, dport=dport) if proto == "udp" else TCP(sport=sport, dport=dport)
    data = bytes((i * 13) & 0xFF for i in range(payload_len))
    return Ether(src=HOST_MAC, dst=GW_MAC) / ip / l4 / Raw(data)


class RunResult:
    def __init__(self, frames, stats, stdout, other=None):
        self.frames = frames
        self.other = other      # what came out of the input's own port (other_frames runs)
        self.stats = stats
        self.stdout = stdout

    def sa(self, index, direction):
        for s in self.stats["sas"]:
            if s["index"] == index and s["direction"] == direction:
                return s
        raise KeyError((index, direction))

    @property
    def ports(self):
        return self.stats["ports"]


def read_frames(path):
    return [bytes(f) for f in rdpcap(str(path))] if path.stat().st_size > 24 else []


def run_card(direction, frames, sas, rules=None, width=None, expect_rc=0, raw_sa=None,
             other_frames=None):
    """Run frames through the card; returns the output frames and the counters.
    other_frames: frames sent into the other port too (the host port for
    ingress), in turn with frames; the result's other holds what came out of
    the port frames went into."""
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        sa_path = d / "sa.json"
        sa_path.write_text(raw_sa if raw_sa is not None else json.dumps({"sas": sas}))
        args = [SIM, "pcap", "--sa", str(sa_path), "--direction", direction,
                "--in", str(d / "in.pcap"), "--out", str(d / "out.pcap"),
                "--stats-json", str(d / "stats.json"), "--width", str(width or WIDTH)]
        if rules is not None:
            spd_path = d / "spd.json"
            # A list of rules, or the whole SPD file as a dict or text.
            spd = rules if isinstance(rules, (str, dict)) else {"rules": rules}
            spd_path.write_text(spd if isinstance(spd, str) else json.dumps(spd))
            args += ["--spd", str(spd_path)]
        if other_frames is not None:
            wrpcap(str(d / "in2.pcap"), [Ether(bytes(f)) for f in other_frames], linktype=1)
            args += ["--other-in", str(d / "in2.pcap"), "--other-out", str(d / "out2.pcap")]
        wrpcap(str(d / "in.pcap"), [Ether(bytes(f)) for f in frames] if frames else [],
               linktype=1)
        p = subprocess.run(args, capture_output=True, text=True, timeout=600)
        if p.returncode != expect_rc:
            raise AssertionError(f"espnic-sim exited {p.returncode}\n{p.stdout}\n{p.stderr}")
        if expect_rc != 0:
            return p
        out = read_frames(d / "out.pcap")
        other = read_frames(d / "out2.pcap") if other_frames is not None else None
        return RunResult(out, json.loads((d / "stats.json").read_text()), p.stdout, other)
