"""traffic.py: small traffic generators run inside the LAN namespaces by `espnic demo` and the
interop tests (python3 stdlib only).

    traffic.py tcp-server HOST PORT NBYTES     accept one connection, read until EOF, answer
                                               one byte; print "NBYTES-RECEIVED True|False"
                                               (whether the data is the expected pattern)
    traffic.py tcp-client HOST PORT NBYTES     send the pattern, wait for the answer; print
                                               the seconds taken
    traffic.py udp-sink HOST PORT FILE         count datagrams; keep "COUNT BYTES" in FILE
    traffic.py udp-source HOST PORT SIZE PPS FILE
                                               send SIZE-byte datagrams at PPS per second;
                                               keep "COUNT BYTES" sent in FILE

The UDP ends run until SIGTERM or SIGINT; FILE is replaced atomically (write, rename)."""
import hashlib
import os
import signal
import socket
import sys
import time


def pattern(n):
    return bytes((i * 7) & 0xff for i in range(n))


def tcp_server(host, port, n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(1)
    s.settimeout(50)
    print("listening", flush=True)
    c, _ = s.accept()
    c.settimeout(50)
    got = bytearray()
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += b
    c.sendall(b"k")
    c.close()
    same = hashlib.sha256(got).digest() == hashlib.sha256(pattern(n)).digest()
    print(len(got), same, flush=True)


def tcp_client(host, port, n):
    data = pattern(n)
    t = time.monotonic()
    c = socket.create_connection((host, port), timeout=50)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    c.close()
    print("%.3f" % (time.monotonic() - t), flush=True)


class Tally:
    def __init__(self, path, every=0.2):
        self.path, self.every, self.count, self.bytes, self.last = path, every, 0, 0, 0.0

    def add(self, n):
        self.count += 1
        self.bytes += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self.save()
            self.last = now

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %d\n" % (self.count, self.bytes))
        os.replace(tmp, self.path)


def until_signal(tally):
    def stop(*_):
        tally.save()
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    tally.save()


def udp_sink(host, port, path):
    tally = Tally(path)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, port))
    s.settimeout(0.5)
    until_signal(tally)
    while True:
        try:
            data = s.recv(65536)
        except socket.timeout:
            tally.save()
            continue
        tally.add(len(data))


def udp_source(host, port, size, pps, path):
    tally = Tally(path, every=0)  # never behind the sink's count
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    until_signal(tally)
    payload = pattern(size)
    start, sent = time.monotonic(), 0
    while True:
        sent += 1
        try:
            s.sendto(payload, (host, port))
            tally.add(size)
        except OSError:
            pass  # no route yet, or the queue is full: try the next one
        delay = start + sent / pps - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def main():
    a = sys.argv[1:]
    if len(a) >= 4 and a[0] == "tcp-server":
        tcp_server(a[1], int(a[2]), int(a[3]))
    elif len(a) >= 4 and a[0] == "tcp-client":
        tcp_client(a[1], int(a[2]), int(a[3]))
    elif len(a) >= 4 and a[0] == "udp-sink":
        udp_sink(a[1], int(a[2]), a[3])
    elif len(a) >= 6 and a[0] == "udp-source":
        udp_source(a[1], int(a[2]), int(a[3]), float(a[4]), a[5])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
