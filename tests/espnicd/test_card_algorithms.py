#!/usr/bin/python3
"""espnicd negotiates only the ESP transforms its dataplane carries (ike/esp_carried.c),
checked against a running simulated card (ctest label "unit"; no root, no namespaces: the
card's ports are unconnected and espnicd listens on 127.0.0.1):

  1. a configuration whose only ESP proposal is AES-CBC with HMAC (not in the card's ESP
     path yet) is refused at startup, exit 1, the message naming the peer and what the card
     carries;
  2. one that also offers AES-GCM starts, and says the peer's proposals were narrowed;
  3. a reload (SIGHUP) to the CBC-only configuration is refused and espnicd keeps running
     on the configuration it had.

No step waits a fixed time: each waits for a socket, a log line or an exit.

    test_card_algorithms.py ESPNIC_SIM ESPNICD"""
import json
import os
import signal
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from lab import wait_for  # noqa: E402

CBC = "aes128-sha256-modp2048"
GCM = "aes128gcm16-modp2048"


def config(d, sock, esp):
    path = os.path.join(d, "espnicd.json")
    with open(path, "w") as f:
        json.dump({"listen": "127.0.0.1", "port": 50600, "natt_port": 54600,
                   "dataplane": "card:sim:" + sock, "psk_file": os.path.join(d, "psk"),
                   "peers": [{"name": "site-b", "remote_addr": "127.0.0.2",
                              "local_ts": ["198.19.1.0/24"], "remote_ts": ["198.19.2.0/24"],
                              "esp_proposals": esp}]}, f)
    os.chmod(path, 0o600)
    return path


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    sim, espnicd = (os.path.abspath(a) for a in sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="espnic-alg-") as d:
        fd = os.open(os.path.join(d, "psk"), os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("site-b %s\n" % os.urandom(16).hex())
        sock = os.path.join(d, "card.sock")
        card = subprocess.Popen([sim, "run", "--name", "alg", "--wire", "none", "--host",
                                 "none", "--socket", sock], env=dict(os.environ,
                                 ESPNIC_RUN_DIR=d), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        daemon = None
        try:
            wait_for("the card's socket", lambda: os.path.exists(sock) or card.poll() is not None,
                     timeout=120)
            assert card.poll() is None, "espnic-sim run exited (%s)" % card.returncode

            # (1) CBC only: refused at startup.
            p = subprocess.run([espnicd, "-c", config(d, sock, [CBC])], capture_output=True,
                               text=True, timeout=120)
            out = p.stdout + p.stderr
            assert p.returncode == 1, "CBC-only started (exit %d):\n%s" % (p.returncode, out)
            assert "peer site-b: no ESP proposal the card dataplane can carry" in out, out
            assert "AES-GCM-16" in out, out
            print("(1) refused at startup: %s" % out.strip().splitlines()[-2:], flush=True)

            # (2) CBC and GCM: runs, narrowed to GCM.
            log = open(os.path.join(d, "espnicd.log"), "w+")
            daemon = subprocess.Popen([espnicd, "-c", config(d, sock, [CBC, GCM])],
                                      stdout=log, stderr=subprocess.STDOUT)

            def text():
                log.flush()
                with open(log.name) as f:
                    return f.read()
            wait_for("espnicd started", lambda: "espnicd started" in text()
                     or daemon.poll() is not None, timeout=120)
            assert daemon.poll() is None, "espnicd exited:\n" + text()
            assert "peer site-b: ESP proposals narrowed to what the card dataplane carries" \
                in text(), text()
            print("(2) started with the proposals narrowed", flush=True)

            # (3) reload to CBC only: refused, still running.
            config(d, sock, [CBC])
            daemon.send_signal(signal.SIGHUP)
            wait_for("the reload refused", lambda: "reload failed, keeping the running "
                     "configuration: peer site-b: no ESP proposal" in text()
                     or daemon.poll() is not None, timeout=60)
            assert daemon.poll() is None, "espnicd exited on the reload:\n" + text()
            print("(3) reload refused, espnicd running", flush=True)
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=60) == 0, text()
            daemon = None
            log.close()
        finally:
            for proc in (daemon, card):
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=60)
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
