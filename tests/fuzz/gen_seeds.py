#!/usr/bin/env python3
"""Writes the seed corpora of the stateful fuzz targets (their input formats: the comments of
tests/fuzz/fuzz_*.c):
  tests/fuzz/gen_seeds.py api tests/fuzz/corpus_espnicd_api
  tests/fuzz/gen_seeds.py sim tests/fuzz/corpus_sim_proto
  tests/fuzz/gen_seeds.py receive tests/fuzz/corpus_espnicd_receive AUTH AUTH_RESPONSE
receive starts from A's IKE_AUTH plaintexts, which fuzz_espnicd_receive writes as half-open
scene inputs when run with ESPNIC_FUZZ_SEED=FILE on the one-byte inputs 1 (A's request) and 5
(A's response to B):
  printf '\\1' > /tmp/in/1; ESPNIC_FUZZ_SEED=/tmp/auth build/tests/fuzz/replay_espnicd_receive /tmp/in
  printf '\\5' > /tmp/in/1; ESPNIC_FUZZ_SEED=/tmp/auth_response build/tests/fuzz/replay_espnicd_receive /tmp/in
The other receive seeds reuse its SA and TS payloads (the SPIs are the same in every run: the
target makes RAND_bytes deterministic)."""
import json
import struct
import sys


def write(out, seeds):
    for name, data in seeds.items():
        with open(f"{out}/{name}", "wb") as fh:
            fh.write(data)


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


def receive(out, auth_file, auth_response_file):
    seed = open(auth_file, "rb").read()
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
    # B the initiator: A's real IKE_AUTH response (AUTH spliced), then requests from the responder.
    seeds["b_initiator_half_open_auth"] = open(auth_response_file, "rb").read()
    seeds["b_initiator_requests"] = (bytes([4]) + record(INFO, 0, b"") +
                                     record(CREATE, *chain([(33, ike_sa), nonce, ke])) +
                                     record(TIMER | RESP | INFO, 0, b""))
    seeds.update(receive_v1())
    write(out, seeds)


def receive_v1():
    """The IKEv1 scene (byte 0 = 2): quick mode 1 and 3, informational DPD and delete (the
    IKEv1 generic payload header is IKEv2's)."""
    QUICK, INFO1 = 0, 1
    HASH3, CURRENT = 4, 16

    def attr(t, v):
        return struct.pack(">HH", 0x8000 | t, v)

    hash_ = (8, bytes(32))
    cbc = bytes([1, 12, 0, 0]) + attr(4, 1) + attr(5, 5) + attr(6, 128) + attr(1, 1) + attr(2, 3600)
    gcm = bytes([2, 20, 0, 0]) + attr(4, 1) + attr(6, 256) + attr(1, 1) + attr(2, 3600)
    transforms = (bytes([3, 0]) + struct.pack(">H", 4 + len(cbc)) + cbc +
                  bytes([0, 0]) + struct.pack(">H", 4 + len(gcm)) + gcm)
    proposal = bytes([1, 3, 4, 2]) + bytes([0xc1, 0xa0, 0, 1]) + transforms
    sa = (1, struct.pack(">II", 1, 1) + bytes([0, 0]) + struct.pack(">H", 4 + len(proposal)) + proposal)
    nonce = (10, bytes(range(32, 64)))
    idci = (5, bytes([4, 0, 0, 0, 198, 18, 1, 0, 255, 255, 255, 0]))
    idcr = (5, bytes([4, 0, 0, 0, 198, 18, 2, 0, 255, 255, 255, 0]))
    qm1 = record(QUICK, *chain([hash_, sa, nonce, idci, idcr]))
    qm3 = record(QUICK | HASH3 | CURRENT, *chain([hash_]))
    dpd = (11, struct.pack(">IBBH", 1, 1, 16, 36136) + bytes(16) + struct.pack(">I", 1))
    delete = (12, struct.pack(">IBBH", 1, 3, 4, 1) + bytes([0xc1, 0xa0, 0, 1]))
    delete_ike = (12, struct.pack(">IBBH", 1, 1, 16, 1) + bytes(16))
    return {
        "v1_quick_mode": bytes([2]) + qm1 + qm3,
        "v1_informational": (bytes([2]) + record(INFO1, *chain([hash_, dpd])) + qm1 + qm3 +
                             record(INFO1, *chain([hash_, delete])) +
                             record(INFO1, *chain([hash_, delete_ike]))),
        "v1_timers": bytes([2]) + qm1 + qm3 + record(TIMER | QUICK, *chain([hash_, nonce])),
    }


EP, IKE, TUN, DPD, SESS = range(5)
POST, PUT, PATCH, GET, DELETE, LIST, STATUS, STATS, PEERCFG, ALL = range(10)
NAMES = ["s1", "s2", "ep", "p1", "espnic-default-ike-profile", "espnic-default-tunnel-profile",
         "espnic-default-dpd-profile", "x.y-z_0"]


def api_req(kind, op, name="s1", body=b""):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return bytes([op * 5 + kind, NAMES.index(name)]) + struct.pack(">H", len(body)) + body


ENDPOINT = {"name": "ep", "local_address": "198.18.0.1"}
SESSION = {"name": "s1", "local_endpoint": "ep", "peer_address": "198.18.0.2",
           "psk": "s3cret-s3cret-s3cret", "local_networks": ["198.18.1.0/24"],
           "remote_networks": ["198.18.2.0/24"]}


def api(out):
    seeds = {
        "session_lifecycle": api_req(EP, POST, body=ENDPOINT) + api_req(SESS, POST, body=SESSION) +
        api_req(SESS, GET) + api_req(SESS, STATUS) + api_req(SESS, STATS) + api_req(SESS, PEERCFG, body=b"x") +
        api_req(SESS, PATCH, body={"enabled": False}) + api_req(SESS, PATCH, body={"enabled": True}) +
        api_req(SESS, PUT, body={k: v for k, v in SESSION.items() if k != "name"}) +
        api_req(SESS, LIST) + api_req(SESS, ALL) + api_req(EP, ALL) + api_req(EP, DELETE, "ep") +
        api_req(SESS, DELETE) + api_req(EP, DELETE, "ep"),
        "profiles": api_req(IKE, PUT, "p1", {"ike_version": "IKE_V2", "encryption_algorithms": ["AES_GCM_256"],
                                         "dh_groups": ["GROUP19"], "sa_life_time": 86400}) +
        api_req(TUN, PUT, "p1", {"encryption_algorithms": ["AES_GCM_256"], "df_policy": "COPY",
                             "enable_perfect_forward_secrecy": True, "sa_life_time": 3600}) +
        api_req(DPD, PUT, "p1", {"retry_count": 5, "dpd_probe_interval": 30, "dpd_action": "RESTART"}) +
        api_req(EP, PUT, "ep", {"local_address": "198.18.0.1", "local_id": "gw1.example"}) +
        api_req(SESS, PUT, "s2", dict(SESSION, name="s2", ike_profile="p1", tunnel_profile="p1",
                                  dpd_profile="p1", tags=[{"scope": "a", "tag": "b"}],
                                  connection_initiation_mode="RESPOND_ONLY")) +
        api_req(IKE, PATCH, "p1", {"dh_groups": ["GROUP14", "GROUP20"]}) +
        api_req(DPD, PATCH, "espnic-default-dpd-profile", {"retry_count": 6}) +
        api_req(IKE, DELETE, "p1") + api_req(IKE, LIST),
        "bad_bodies": api_req(SESS, POST, body=b"{not json") + api_req(SESS, POST, body=b"[]") +
        api_req(SESS, PUT, body={"name": 5}) + api_req(SESS, PUT, body={"tags": [1]}) +
        api_req(IKE, POST, body={"name": "x.y-z_0", "ike_version": "IKE_V3"}) +
        api_req(TUN, POST, body={"name": "x.y-z_0", "digest_algorithms": ["SHA1"]}) +
        api_req(SESS, PATCH, "s2", {"peer_address": "x"}),
    }
    write(out, seeds)

SIM_MAGIC, SIM_REQUEST, SIM_SUBSCRIBE, SIM_INFO = 0x534E5045, 1, 3, 5
SIM_READ, SIM_WRITE, SIM_STEP = 1, 2, 3


def sim_msg(mtype, ops=(), flags=0, seq=7, n=None):
    body = struct.pack("=IHHII", SIM_MAGIC, mtype, flags, seq, len(ops) if n is None else n)
    return body + b"".join(struct.pack("=III", *op) for op in ops)


def sim_rec(msg, event=False):
    return bytes([1 if event else 0, 0]) + struct.pack(">H", len(msg)) + msg


def sim(out):
    seeds = {
        "request": sim_rec(sim_msg(SIM_REQUEST, [(SIM_WRITE, 0x10, 0xdeadbeef), (SIM_READ, 0x10, 0),
                                             (SIM_STEP, 0, 100000), (9, 1, 2), (SIM_READ, 0x2000, 0)])),
        "ack_and_info": sim_rec(sim_msg(SIM_REQUEST, [(SIM_WRITE, 4, 1)], flags=1)) +
        sim_rec(sim_msg(SIM_INFO)) + sim_rec(sim_msg(SIM_SUBSCRIBE), event=True) + sim_rec(sim_msg(SIM_SUBSCRIBE)),
        "bad": sim_rec(sim_msg(SIM_REQUEST, [(SIM_READ, 0, 0)], n=2)) + sim_rec(sim_msg(SIM_REQUEST, n=513)) +
        sim_rec(b"EPNS") + sim_rec(sim_msg(4)),
    }
    write(out, seeds)


if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "receive":
        receive(out, sys.argv[3], sys.argv[4])
    elif kind == "api":
        api(out)
    else:
        sim(out)
