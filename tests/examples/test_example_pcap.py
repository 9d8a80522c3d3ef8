#!/usr/bin/python3
"""The README's offline example, checked: the committed example capture is what
make_traffic.py writes today, and scripts/example.sh carries site A's flow to
site B through two simulated cards (ESP on the wire, the inner packets back
unchanged, the discarded flow gone). Usage: test_example_pcap.py BUILD_DIR"""
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


if __name__ == "__main__":
    main(sys.argv[1])
