#!/usr/bin/python3
"""Writes lan-traffic.pcap, the example traffic of site A's LAN (deterministic:
CI regenerates it and compares). Usage: make_traffic.py OUT.pcap"""
import sys

from scapy.all import Ether, IP, UDP, TCP, ICMP, Raw, wrpcap

A_HOST, GW = "02:00:00:00:0a:01", "02:00:00:00:0a:fe"


def frame(ip, n):
    return Ether(src=A_HOST, dst=GW) / ip / Raw(bytes((i * 7 + n) & 0xFF for i in range(n)))


def main(out):
    pkts = []
    for i, size in enumerate([18, 100, 500, 1000, 1400]):
        pkts.append(frame(IP(src="198.19.1.10", dst="198.19.2.20", id=i + 1) / UDP(sport=40000 + i, dport=7), size))
        pkts.append(frame(IP(src="198.19.1.10", dst="198.19.2.21", id=100 + i) / ICMP(id=1, seq=i), size // 2))
    pkts.append(frame(IP(src="198.19.1.10", dst="198.19.3.30") / TCP(sport=40000, dport=443, flags="S"), 0))
    pkts.append(frame(IP(src="198.19.1.10", dst="198.19.3.30") / TCP(sport=40000, dport=8080, flags="S"), 0))
    pkts.append(frame(IP(src="198.18.0.1", dst="198.18.0.2") / UDP(sport=500, dport=500), 200))
    pkts.append(frame(IP(src="198.19.1.10", dst="198.19.9.9") / UDP(sport=5353, dport=5353), 40))
    for i, p in enumerate(pkts):
        p.time = 1700000000 + i / 1000
    wrpcap(out, pkts)


if __name__ == "__main__":
    main(sys.argv[1])
