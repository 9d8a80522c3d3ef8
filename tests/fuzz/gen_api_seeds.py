#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_espnicd_api (request format: fuzz_espnicd_api.c):
  tests/fuzz/gen_api_seeds.py tests/fuzz/corpus_espnicd_api"""
import json
import struct
import sys

EP, IKE, TUN, DPD, SESS = range(5)
POST, PUT, PATCH, GET, DELETE, LIST, STATUS, STATS, PEERCFG, ALL = range(10)
NAMES = ["s1", "s2", "ep", "p1", "espnic-default-ike-profile", "espnic-default-tunnel-profile",
         "espnic-default-dpd-profile", "x.y-z_0"]


def req(kind, op, name="s1", body=b""):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return bytes([op * 5 + kind, NAMES.index(name)]) + struct.pack(">H", len(body)) + body


ENDPOINT = {"name": "ep", "local_address": "198.18.0.1"}
SESSION = {"name": "s1", "local_endpoint": "ep", "peer_address": "198.18.0.2",
           "psk": "s3cret-s3cret-s3cret", "local_networks": ["198.18.1.0/24"],
           "remote_networks": ["198.18.2.0/24"]}


def main():
    out = sys.argv[1]
    seeds = {
        "session_lifecycle": req(EP, POST, body=ENDPOINT) + req(SESS, POST, body=SESSION) +
        req(SESS, GET) + req(SESS, STATUS) + req(SESS, STATS) + req(SESS, PEERCFG, body=b"x") +
        req(SESS, PATCH, body={"enabled": False}) + req(SESS, PATCH, body={"enabled": True}) +
        req(SESS, PUT, body={k: v for k, v in SESSION.items() if k != "name"}) +
        req(SESS, LIST) + req(SESS, ALL) + req(EP, ALL) + req(EP, DELETE, "ep") +
        req(SESS, DELETE) + req(EP, DELETE, "ep"),
        "profiles": req(IKE, PUT, "p1", {"ike_version": "IKE_V2", "encryption_algorithms": ["AES_GCM_256"],
                                         "dh_groups": ["GROUP19"], "sa_life_time": 86400}) +
        req(TUN, PUT, "p1", {"encryption_algorithms": ["AES_GCM_256"], "df_policy": "COPY",
                             "enable_perfect_forward_secrecy": True, "sa_life_time": 3600}) +
        req(DPD, PUT, "p1", {"retry_count": 5, "dpd_probe_interval": 30, "dpd_action": "RESTART"}) +
        req(EP, PUT, "ep", {"local_address": "198.18.0.1", "local_id": "gw1.example"}) +
        req(SESS, PUT, "s2", dict(SESSION, name="s2", ike_profile="p1", tunnel_profile="p1",
                                  dpd_profile="p1", tags=[{"scope": "a", "tag": "b"}],
                                  connection_initiation_mode="RESPOND_ONLY")) +
        req(IKE, PATCH, "p1", {"dh_groups": ["GROUP14", "GROUP20"]}) +
        req(DPD, PATCH, "espnic-default-dpd-profile", {"retry_count": 6}) +
        req(IKE, DELETE, "p1") + req(IKE, LIST),
        "bad_bodies": req(SESS, POST, body=b"{not json") + req(SESS, POST, body=b"[]") +
        req(SESS, PUT, body={"name": 5}) + req(SESS, PUT, body={"tags": [1]}) +
        req(IKE, POST, body={"name": "x.y-z_0", "ike_version": "IKE_V3"}) +
        req(TUN, POST, body={"name": "x.y-z_0", "digest_algorithms": ["SHA1"]}) +
        req(SESS, PATCH, "s2", {"peer_address": "x"}),
    }
    for name, data in seeds.items():
        with open(f"{out}/{name}", "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main()
