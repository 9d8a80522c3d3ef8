#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_espnicd_receive (record format: fuzz_espnicd_receive.c)
from A's IKE_AUTH plaintext, which the target writes as a half-open scene input when run with
ESPNIC_FUZZ_SEED=FILE on the one-byte input "\\x01":
  printf '\\1' > /tmp/in/1; ESPNIC_FUZZ_SEED=/tmp/auth build/tests/fuzz/replay_espnicd_receive /tmp/in
  tests/fuzz/gen_receive_seeds.py /tmp/auth tests/fuzz/corpus_espnicd_receive
The other seeds reuse its SA and TS payloads (the SPIs are the same in every run: the target
makes RAND_bytes deterministic)."""
import struct
import sys

INFO, CREATE, AUTH, UNKNOWN = 0, 1, 2, 3
RESP, FRAG, TIMER = 4, 8, 64


def record(ctl, first, body):
    return bytes([ctl, first]) + struct.pack(">H", len(body)) + body


def payloads(first, chain):
    """[(type, body)] of a plaintext chain."""
    out, t, off = [], first, 0
    while t and off + 4 <= len(chain):
        nxt, plen = chain[off], struct.unpack(">H", chain[off + 2:off + 4])[0]
        out.append((t, chain[off + 4:off + plen]))
        t, off = nxt, off + plen
    return out


def chain(items):
    """(first type, octets) of [(type, body)]."""
    out = b""
    for i, (_, body) in enumerate(items):
        nxt = items[i + 1][0] if i + 1 < len(items) else 0
        out += bytes([nxt, 0]) + struct.pack(">H", len(body) + 4) + body
    return (items[0][0] if items else 0), out


def transform(last, ttype, tid, keylen=None):
    attrs = struct.pack(">HH", 0x800E, keylen) if keylen else b""
    return bytes([0 if last else 3, 0]) + struct.pack(">HBBH", 8 + len(attrs), ttype, 0, tid) + attrs


def main():
    seed = open(sys.argv[1], "rb").read()
    out = sys.argv[2]
    first = seed[2]
    auth = payloads(first, seed[5:])
    by = dict(auth)
    sa, tsi, tsr = by[33], by[44], by[45]
    spi = sa[8:12]  # A's inbound ESP SPI (proposal 1, SPI size 4)
    nonce = (40, bytes(range(32)))
    seeds = {}
    seeds["half_open_auth"] = seed
    f, c = chain(auth)
    half = len(c) // 2
    seeds["half_open_auth_fragments"] = (bytes([1]) + record(AUTH | FRAG, f, bytes([1, 2]) + c[:half]) +
                                         record(AUTH | FRAG, 0, bytes([2, 2]) + c[half:]))
    seeds["established_dpd"] = bytes([0]) + record(INFO, 0, b"")
    seeds["established_create_child"] = bytes([0]) + record(CREATE, *chain([(33, sa), nonce, (44, tsi), (45, tsr)]))
    rekey = (41, bytes([3, 4]) + struct.pack(">H", 16393) + spi)
    seeds["established_rekey_child"] = bytes([0]) + record(CREATE, *chain([rekey, (33, sa), nonce, (44, tsi), (45, tsr)]))
    ike_prop = (transform(False, 1, 20, 256) + transform(False, 2, 5) + transform(True, 4, 31))
    ike_sa = bytes([0, 0]) + struct.pack(">HBBBB", 8 + 8 + len(ike_prop), 1, 1, 8, 3) + bytes(range(1, 9)) + ike_prop
    ke = (34, struct.pack(">HH", 31, 0) + bytes(range(100, 132)))
    seeds["established_rekey_ike"] = bytes([0]) + record(CREATE, *chain([(33, ike_sa), nonce, ke]))
    seeds["established_delete_child"] = bytes([0]) + record(INFO, *chain([(42, bytes([3, 4]) + struct.pack(">H", 1) + spi)]))
    seeds["established_delete_ike"] = bytes([0]) + record(INFO, *chain([(42, bytes([1, 0, 0, 0]))]))
    seeds["established_answer_timers"] = (bytes([0]) + record(TIMER | RESP | INFO, 0, b"") +
                                          record(TIMER | RESP | CREATE, *chain([(33, sa), nonce, (44, tsi), (45, tsr)])) +
                                          record(TIMER | RESP | INFO, 0, b""))
    notify = (41, bytes([0, 0]) + struct.pack(">H", 40001) + bytes(300))
    f, c = chain([notify])
    seeds["established_fragments"] = (bytes([0]) + record(INFO | FRAG, f, bytes([1, 2]) + c[:150]) +
                                      record(INFO | FRAG, 0, bytes([1, 2]) + c[:150]) +
                                      record(INFO | FRAG, 0, bytes([2, 2]) + c[150:]))
    for name, data in seeds.items():
        with open(f"{out}/{name}", "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main()
