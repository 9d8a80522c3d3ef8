#!/usr/bin/python3
"""The README's offline example, checked: the committed example capture is what
make_traffic.py writes today, and scripts/example.sh carries site A's flow to
site B through two simulated cards (ESP on the wire, the inner packets back
unchanged, the discarded flow gone); tshark, an independent ESP implementation,
decrypts every ESP frame of card A to the inner packet site A sent.
Usage: test_example_pcap.py BUILD_DIR"""
import os
import subprocess
import sys
import tempfile

from scapy.all import ESP, IP, UDP, rdpcap

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EX = os.path.join(TOP, "examples", "pcap")


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


def main(build):
    with tempfile.TemporaryDirectory() as tmp:
        fresh = os.path.join(tmp, "lan-traffic.pcap")
        subprocess.run([sys.executable, os.path.join(EX, "make_traffic.py"), fresh], check=True)
        with open(fresh, "rb") as a, open(os.path.join(EX, "lan-traffic.pcap"), "rb") as b:
            check(a.read() == b.read(), "examples/pcap/lan-traffic.pcap matches make_traffic.py")

    env = dict(os.environ, ESPNIC_BUILD=build, ESPNIC_SKIP_BUILD="1")
    run = subprocess.run([os.path.join(TOP, "scripts", "example.sh")], env=env,
                         capture_output=True, text=True)
    print(run.stdout[-3000:], run.stderr[-2000:])
    check(run.returncode == 0, "example.sh exits 0")

    lan = rdpcap(os.path.join(EX, "lan-traffic.pcap"))
    wire = rdpcap(os.path.join(build, "example", "wire.pcap"))
    site_b = rdpcap(os.path.join(build, "example", "lan-b.pcap"))

    def inner(pkts, net):
        return [bytes(p[IP]) for p in pkts if IP in p and p[IP].dst.startswith(net)]

    esp = [p for p in wire if ESP in p or (UDP in p and p[UDP].dport == 4500)]
    check(len(esp) == len(inner(lan, "198.19.2.")) + 1,
          f"{len(esp)} ESP frames on the wire (site B's flow and one TCP to port 443)")
    check(not inner(wire, "198.19.2."), "site B's flow not in clear on the wire")
    check(not any(IP in p and p[IP].dst == "198.19.3.30" and p[IP].proto == 6 for p in wire),
          "TCP to 198.19.3.30 never in clear (one protected, one discarded)")
    check(any(UDP in p and p[UDP].dport == 500 for p in wire), "IKE bypassed")
    check(inner(site_b, "198.19.2.") == inner(lan, "198.19.2."),
          f"site B gets its {len(inner(lan, '198.19.2.'))} packets back unchanged")

    # tshark's view of the wire (example.sh's fields: frame, SPI, IP sources, IP
    # destinations, protocol, info): an ESP frame it decrypted has two IP layers.
    with open(os.path.join(build, "example", "wire-decrypted.txt")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    esp_rows = [r for r in rows if len(r) >= 4 and r[1]]
    check(len(esp_rows) == len(esp), f"tshark sees the {len(esp)} ESP frames")
    undecrypted = [r for r in esp_rows if len(r[2].split(",")) != 2]
    check(not undecrypted, f"tshark decrypts every ESP frame with site A's keys "
                           f"(not: {undecrypted[:3]})")
    by_spi = {}
    for r in esp_rows:
        by_spi.setdefault(int(r[1], 16), []).append((r[2].split(",")[1], r[3].split(",")[1]))
    protected = [(p[IP].src, p[IP].dst) for p in lan
                 if IP in p and p[IP].dst.startswith("198.19.2.")]
    check(by_spi.get(0x00010000) == protected,
          f"SA 0x00010000 carries site B's {len(protected)} packets, in order")
    check([d for _, d in by_spi.get(0x00010001, [])] == ["198.19.3.30"],
          "SA 0x00010001 (ESP in UDP) carries the TCP to 198.19.3.30")


if __name__ == "__main__":
    main(sys.argv[1])
