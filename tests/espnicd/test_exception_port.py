#!/usr/bin/python3
"""The card's exception path on the host (issue 19) against a real interface, without the
card: in a network namespace this test creates, a veth pair; exception_port_probe (espnicd's
exception_port.c and reassembler) started before the interface exists, bound to one end once
it does; on the other end this test sends
ethertype 0x88B5 frames carrying IP fragments (IPv4 ESP and UDP, IPv6, in and out of order,
duplicates, an overlapping set) and reads back the 0x88B5 frames with the whole packets,
compared byte for byte with the unfragmented originals, MAC addresses included. Junk, huge and
truncated frames are counted and the probe stays alive. Needs root (exit 77 without)."""
import argparse
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time

ETH_P = 0x88B5
DST = bytes.fromhex("020000000001")
SRC = bytes.fromhex("020000000002")
DEADLINE = 30.0  # the longest any expected answer may take (a bound, not a wait)


def sh(*args):
    subprocess.run(args, check=True)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frag_v4(whole, off, length, mf):
    """The IPv4 fragment of whole with payload bytes [off, off + length)."""
    ihl = (whole[0] & 15) * 4
    h = bytearray(whole[:ihl])
    struct.pack_into("!H", h, 2, ihl + length)
    struct.pack_into("!H", h, 6, (off // 8) | (0x2000 if mf else 0))
    struct.pack_into("!H", h, 10, 0)
    struct.pack_into("!H", h, 10, csum(bytes(h)))
    return bytes(h) + whole[ihl + off:ihl + off + length]


def with_id(whole, ident):
    """whole (IPv4) with another identification: another datagram."""
    h = bytearray(whole)
    struct.pack_into("!H", h, 4, ident)
    struct.pack_into("!H", h, 10, 0)
    struct.pack_into("!H", h, 10, csum(bytes(h[:20])))
    return bytes(h)


def frag_v6(whole, off, length, m, ident):
    """The IPv6 fragment of whole (no extension header) with payload bytes [off, off+length)."""
    h = bytearray(whole[:40])
    struct.pack_into("!H", h, 4, 8 + length)
    nh = h[6]
    h[6] = 44
    fh = struct.pack("!BBHI", nh, 0, off | (1 if m else 0), ident)
    return bytes(h) + fh + whole[40 + off:40 + off + length]


def split(total, size):
    """[(off, len, more)] cutting total payload bytes in pieces of size (a multiple of 8)."""
    out, off = [], 0
    while off < total:
        n = min(size, total - off)
        out.append((off, n, off + n < total))
        off += n
    return out


def originals():
    from scapy.all import IP, IPv6, UDP, Raw, raw  # noqa: E402
    esp = struct.pack("!II", 0x1000, 7) + bytes((i * 11) & 255 for i in range(1392))
    v4esp = raw(IP(src="198.18.0.1", dst="198.19.0.1", id=0x4242, proto=50) / Raw(esp))
    v4udp = raw(IP(src="198.18.0.1", dst="198.19.0.1", id=0x4343) / UDP(sport=1, dport=2) /
                Raw(bytes((i * 7) & 255 for i in range(1800))))
    v6udp = raw(IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=3, dport=4) /
                Raw(bytes((i * 5) & 255 for i in range(1500))))
    return v4esp, v4udp, v6udp


class Wire:
    def __init__(self, ifname):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P))
        self.s.bind((ifname, ETH_P))
        self.s.setblocking(False)

    def send(self, payload, dst=DST, src=SRC):
        self.s.send(dst + src + struct.pack("!H", ETH_P) + payload)

    def recv(self):
        """The next frame the probe sent (ours, outgoing, skipped); fails past DEADLINE."""
        end = time.monotonic() + DEADLINE
        while True:
            left = end - time.monotonic()
            assert left > 0, "no reassembled frame came back"
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                continue
            data, addr = self.s.recvfrom(70000)
            if addr[2] != socket.PACKET_OUTGOING:
                return data


class Probe:
    def __init__(self, binary, ifname):
        self.p = subprocess.Popen([binary, ifname], stdout=subprocess.PIPE, text=True)

    def line(self):
        r, _, _ = select.select([self.p.stdout], [], [], DEADLINE)
        assert r, "the probe said nothing"
        text = self.p.stdout.readline()
        assert text, "the probe exited (code %s)" % self.p.poll()
        return json.loads(text)

    def status_when_started(self):
        """The counters, once the probe has started (its first line: "started")."""
        assert self.line() == {"started": True}
        return self.status()

    def status(self):
        assert self.p.poll() is None, "the probe died"
        os.kill(self.p.pid, signal.SIGUSR1)
        return self.line()


def expect_whole(wire, whole, what):
    f = wire.recv()
    assert f[:12] == DST + SRC, "%s: MAC addresses %s" % (what, f[:12].hex())
    assert f[12:14] == b"\x88\xb5", what
    assert f[14:] == whole, "%s: %d bytes back, %d expected, differ" % (what, len(f) - 14,
                                                                         len(whole))
    print("ok: %s (%d bytes)" % (what, len(whole)))


def inner(binary):
    sh("ip", "link", "set", "lo", "up")
    # The probe first: the interface does not exist yet, it binds on a later tick
    probe = Probe(binary, "rx0")
    try:
        st = probe.status_when_started()
        assert st["bound"] is False, st
        sh("ip", "link", "add", "rx0", "mtu", "9000", "type", "veth", "peer", "name", "tx0",
           "mtu", "9000")
        sh("ip", "link", "set", "rx0", "up")
        sh("ip", "link", "set", "tx0", "up")
        assert probe.line() == {"ready": True}
        print("ok: bound once the interface appeared")
        wire = Wire("tx0")
        v4esp, v4udp, v6udp = originals()
        sent = 0

        def send_v4(whole, order, size=512, src=SRC):
            nonlocal sent
            pieces = split(len(whole) - 20, size)
            for i in order(list(range(len(pieces)))):
                off, n, more = pieces[i]
                wire.send(frag_v4(whole, off, n, more), src=src)
                sent += 1

        def send_v6(whole, order, ident, size=504):
            nonlocal sent
            pieces = split(len(whole) - 40, size)
            for i in order(list(range(len(pieces)))):
                off, n, more = pieces[i]
                wire.send(frag_v6(whole, off, n, more, ident))
                sent += 1

        # IPv4 ESP in order, then out of order (last first), then with a duplicate
        send_v4(v4esp, lambda x: x)
        expect_whole(wire, v4esp, "IPv4 ESP in order")
        send_v4(v4esp, lambda x: x[::-1])
        expect_whole(wire, v4esp, "IPv4 ESP last fragment first")
        send_v4(v4udp, lambda x: [x[1], x[0], x[1]] + x[2:], size=600)
        expect_whole(wire, v4udp, "IPv4 UDP out of order with a duplicate")
        # IPv6 in order and out of order
        send_v6(v6udp, lambda x: x, 7)
        expect_whole(wire, v6udp, "IPv6 UDP in order")
        send_v6(v6udp, lambda x: [x[2], x[0], x[1]] + x[3:], 8)
        expect_whole(wire, v6udp, "IPv6 UDP out of order")
        # An overlapping set: nothing back (the next good datagram comes first)
        v4b = with_id(v4esp, 0x4444)
        wire.send(frag_v4(v4b, 0, 512, True))
        wire.send(frag_v4(v4b, 504, 512, True))
        wire.send(frag_v4(v4b, 1016, len(v4b) - 20 - 1016, False))
        wire.send(frag_v6(v6udp, 0, 504, True, 9))
        wire.send(frag_v6(v6udp, 496, 504, True, 9))
        # Junk: a bare Ethernet header, garbage, a truncated fragment (its total length past
        # the frame), a huge frame (9000 bytes) and a fragment ending past 2034 bytes
        wire.send(b"")
        wire.send(bytes(range(100)))
        wire.send(frag_v4(v4udp, 0, 600, True)[:300])
        wire.send(frag_v4(v4udp, 0, 600, True)[:10])
        big = bytearray(frag_v4(v4udp, 0, 600, True))
        wire.send(bytes(big) + bytes(8986 - len(big)))  # Ethernet padding: still 600 bytes
        huge = bytearray(8986)
        huge[:20] = frag_v4(v4udp, 0, 0, False)[:20]
        struct.pack_into("!H", huge, 2, 8986)
        struct.pack_into("!H", huge, 10, 0)
        struct.pack_into("!H", huge, 10, csum(bytes(huge[:20])))
        wire.send(bytes(huge))
        wire.send(frag_v4(bytes(v4udp) + bytes(2000), 2400, 100, False))
        # A good datagram after all that, with other MAC addresses kept as given
        other = bytes.fromhex("020000000003")
        send_v4(v4esp, lambda x: x, src=other)
        f = wire.recv()
        assert f[:12] == DST + other and f[14:] == v4esp, "after junk: %s" % f[:14].hex()
        print("ok: after the junk and the overlaps only the next good datagram came back")
        st = probe.status()
        print("probe:", json.dumps(st))
        assert st["bound"] is True
        assert st["datagrams_reinjected"] == 6, st
        assert st["drops"]["overlap"] == 2, st
        assert st["drops"]["malformed"] >= 3, st  # garbage, truncated, too short for IPv4
        assert st["drops"]["too_big"] == 2, st  # the 8986-byte packet, the fragment past 2034
        assert st["frames_bad"] >= 1, st  # the bare Ethernet header
        assert st["datagrams_in_progress"] <= 3, st  # the overlaps' leftovers, the padded one
        assert st["fragments_in"] == st["frames_in"] - st["frames_bad"], st
        assert st["mtu"] == 9000 and st["send_errors"] == 0, st
        # A whole packet larger than the interface's MTU cannot go back: a send error
        sh("ip", "link", "set", "rx0", "mtu", "1400")
        send_v4(with_id(v4esp, 0x4545), lambda x: x)
        end = time.monotonic() + DEADLINE
        while probe.status()["fragments_in"] < st["fragments_in"] + 3:
            assert time.monotonic() < end, "the probe did not read the fragments"
        st = probe.status()
        assert st["send_errors"] == 1 and st["datagrams_reinjected"] == 6, st
        print("ok: a packet above the MTU counted as a send error")
        # The interface deleted and created again: bound to the new one on a tick
        sh("ip", "link", "del", "rx0")
        sh("ip", "link", "add", "rx0", "mtu", "9000", "type", "veth", "peer", "name", "tx0",
           "mtu", "9000")
        sh("ip", "link", "set", "rx0", "up")
        sh("ip", "link", "set", "tx0", "up")
        assert probe.line() == {"ready": True}
        wire = Wire("tx0")
        send_v6(v6udp, lambda x: x[::-1], 10)
        expect_whole(wire, v6udp, "IPv6 UDP on the interface created again")
    finally:
        if probe.p.poll() is None:
            probe.p.send_signal(signal.SIGTERM)
        code = probe.p.wait(timeout=DEADLINE)
    assert code == 0, "the probe exited with %d" % code
    print("PASS")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--probe", required=True)
    ap.add_argument("--inner", action="store_true")
    a = ap.parse_args()
    if a.inner:
        inner(a.probe)
        return 0
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces)")
        return 77
    ns = "reasm%d" % os.getpid()
    sh("ip", "netns", "add", ns)
    try:
        r = subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__),
                            "--inner", "--probe", a.probe])
        return r.returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns])


if __name__ == "__main__":
    sys.exit(main())
