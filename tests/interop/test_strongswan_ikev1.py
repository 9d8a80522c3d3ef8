#!/usr/bin/python3
"""espnicd speaking IKEv1 (RFC 2409: main mode with PSK, quick mode) on a simulated espnic
card against strongSwan's charon with `version = 1` (ctest label "interop", needs root): the
scene of test_strongswan_card.py (two LAN namespaces, card A's wire in gw-b, ESP in UDP
4500 through the card).

Scenarios: espnicd initiating and responding, quick mode without and with PFS, ping and TCP
through the card, the wire showing only ESP in UDP; deletes from charon (CHILD_SA and IKE_SA)
and espnicd's on SIGTERM (charon clears); quick mode rekeys started by espnicd, and by
charon, and phase-1 rekeys (new main modes) under ping without a loss; refusals with a log line naming them: a PSK mismatch, a proposal mismatch,
3DES / MODP-1024 offered by charon; main mode with RSA and ECDSA signatures (certificates);
several selector pairs, one quick mode (and CHILD_SA) each."""
import os
import re
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "demo"))
sys.path.insert(0, HERE)
from lab import wait_for  # noqa: E402
from sitelab import HOST_B  # noqa: E402
from strongswan import CHARON_DN, ESPNICD_DN, site_charon  # noqa: E402
from test_strongswan_card import (Espnicd, card_cli, exercise, lab, phase,  # noqa: E402,F401
                                  ping, wait_empty_card)

IKE_V1 = "aes256-sha256-modp2048"
V1 = {"version": 1, "ike_proposals": [IKE_V1], "force_encap": True}


def charon_v1(lab, esp="aes256gcm16", ike=IKE_V1, **kw):
    return site_charon(lab, esp=esp, ike=ike, version=1, **kw)


def charon_ike_sa(charon):
    return re.search(r"version=1 .*?state=ESTABLISHED", charon.list_sas(), re.S) is not None


def test_ikev1_initiator(lab, binary):
    """espnicd initiates main mode and quick mode (no PFS); traffic through the card;
    SIGTERM deletes (charon clears its SAs) and the card empties."""
    charon = charon_v1(lab)
    ours = Espnicd(lab, binary, start=True, **V1)
    wait_for("espnicd CHILD_SA up", ours.established)
    print("IKEv1 tunnel up %.2f s after espnicd started" % (time.monotonic() - ours.started))
    wait_for("charon CHILD_SA", charon.child)
    assert charon_ike_sa(charon), charon.list_sas()
    assert ours.established()["encap"]
    exercise(lab, ours)
    log = ours.log_text()
    assert "IKEv1 IKE_SA established (main mode, PSK, initiator" in log, log
    assert lab.stop(ours.proc) == 0
    wait_for("charon cleared", lambda: charon.child() is None)
    wait_empty_card(lab)


def test_ikev1_responder_pfs(lab, binary):
    """charon initiates; quick mode with PFS (MODP-2048)."""
    charon = charon_v1(lab, esp="aes256gcm16-modp2048")
    ours = Espnicd(lab, binary, esp_proposals=["aes256gcm16-modp2048"], **V1)
    wait_for("espnicd running", lambda: ours.sas() is not None)
    t = time.monotonic()
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "20")
    wait_for("espnicd CHILD_SA up", ours.established)
    print("IKEv1 tunnel (PFS) up %.2f s after swanctl --initiate" % (time.monotonic() - t))
    assert not ours.established()["initiator"]
    exercise(lab, ours)
    assert ", PFS)" in ours.log_text()
    assert lab.stop(ours.proc) == 0
    wait_for("charon cleared", lambda: charon.child() is None)
    wait_empty_card(lab)


def test_ikev1_aggressive(lab, binary):
    """Aggressive mode with PSK, espnicd initiating (its warning logged), traffic through the
    card."""
    charon = charon_v1(lab, aggressive=True)
    ours = Espnicd(lab, binary, start=True, aggressive=True, **V1)
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    with open(os.path.join(charon.dir, "charon.log")) as f:
        assert "initiating a Aggressive Mode IKE_SA" in f.read()
    log = ours.log_text()
    assert "IKEv1 aggressive mode enabled" in log and "initiating IKEv1 aggressive mode" in log
    _, rtt = ping(lab)
    print("aggressive mode tunnel: ping RTT %.2f ms" % rtt)
    assert lab.stop(ours.proc) == 0
    wait_for("charon cleared", lambda: charon.child() is None)
    wait_empty_card(lab)


def test_ikev1_deletes(lab, binary):
    """charon deletes the CHILD_SA (espnicd removes it from the card), then espnicd brings
    a new one in the same ISAKMP SA; charon deletes the IKE_SA (espnicd closes it)."""
    charon = charon_v1(lab)
    ours = Espnicd(lab, binary, start=True, **V1)
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    ping(lab, count=2)
    charon.swanctl("--terminate", "--child", "net", "--timeout", "10")
    wait_for("espnicd CHILD_SA gone", lambda: ours.established(children=0))
    assert "deleted by the peer" in ours.log_text()
    charon.swanctl("--terminate", "--ike", "gw", "--timeout", "10")
    wait_for("espnicd IKE_SA gone", lambda: ours.sas() == [])
    assert "IKE_SA closed: deleted by the peer" in ours.log_text()
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


def test_ikev1_rekey(lab, binary):
    """Quick mode rekeys every 3 s started by espnicd under a steady ping: the new pair is on
    the card before the old one goes; no ping lost."""
    charon = charon_v1(lab)
    ours = Espnicd(lab, binary, start=True, child_rekey_time=3, **V1)
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    r = lab.exec("lana", "ping", "-c", "50", "-i", "0.2", "-W", "5", HOST_B, check=False)
    log = ours.log_text()
    rekeys = log.count("rekeyed by")
    m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
    print("%d IKEv1 CHILD_SA rekeys during 50 pings over 10 s: %s received"
          % (rekeys, m.group(2) if m else "?"))
    assert rekeys >= 2, log
    assert m and m.group(1) == m.group(2), r.stdout
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


def test_ikev1_ike_rekey(lab, binary):
    """Phase-1 rekeys (a new main mode every 3 s, started by espnicd) under a steady ping:
    the new ISAKMP SA takes over the CHILD_SA, the old one is deleted; charon keeps the
    CHILD_SA; no ping lost."""
    charon = charon_v1(lab)
    ours = Espnicd(lab, binary, start=True, ike_rekey_time=3, **V1)
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    child = charon.child()
    r = lab.exec("lana", "ping", "-c", "50", "-i", "0.2", "-W", "5", HOST_B, check=False)
    log = ours.log_text()
    rekeys = log.count("IKE_SA rekeyed")
    m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
    print("%d IKEv1 phase-1 rekeys during 50 pings over 10 s: %s received"
          % (rekeys, m.group(2) if m else "?"))
    assert rekeys >= 2, log
    assert m and m.group(1) == m.group(2), r.stdout
    wait_for("espnicd still established", ours.established)
    assert charon.child() == child, charon.list_sas()
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


def test_ikev1_peer_rekey(lab, binary):
    """charon starts the quick mode rekeys (its rekey_time 3 s) under a steady ping: espnicd,
    responding, installs the new inbound SA before its answer leaves and moves outbound on
    HASH(3) (or charon's first packet on it); no ping lost."""
    charon = charon_v1(lab, child_rekey="3s", child_life="60s")
    ours = Espnicd(lab, binary, start=True, **V1)
    wait_for("espnicd CHILD_SA up", ours.established)
    wait_for("charon CHILD_SA", charon.child)
    r = lab.exec("lana", "ping", "-c", "75", "-i", "0.2", "-W", "5", HOST_B, check=False)
    log = ours.log_text()
    rekeys = log.count("from the peer answered")
    m = re.search(r"(\d+) packets transmitted, (\d+) received", r.stdout)
    print("%d IKEv1 CHILD_SA rekeys started by charon during 75 pings over 15 s: %s received"
          % (rekeys, m.group(2) if m else "?"))
    assert rekeys >= 2, log
    assert "rekeying CHILD_SA" not in log, "espnicd started a rekey itself"
    assert m and m.group(1) == m.group(2), r.stdout
    assert lab.stop(ours.proc) == 0
    wait_empty_card(lab)


def test_ikev1_refusals(lab, binary):
    """A PSK mismatch (espnicd responding), then charon offering only 3DES and MODP-1024:
    each refused with a log line naming the cause; nothing reaches the card."""
    charon = charon_v1(lab, psk="a different pre-shared key, 32 octets")
    ours = Espnicd(lab, binary, **V1)
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "15",
                   check=False)
    wait_for("PSK mismatch logged", lambda: "(PSK mismatch)" in ours.log_text())
    wait_for("the IKE_SA given up", lambda: ours.sas() == [])
    lab.stop(charon.proc)
    os.rename(charon.conf, charon.conf + ".first")
    weak = charon_v1(lab, ike="3des-sha1-modp1024")
    weak.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10", check=False)
    wait_for("3DES refusal logged", lambda: "3DES refused" in ours.log_text())
    log = ours.log_text()
    assert "answering NO-PROPOSAL-CHOSEN" in log, log
    assert "CHILD_SA installed" not in log
    print("\n".join(line for line in log.splitlines()
                    if "refused" in line or "mismatch" in line or "NO-PROPOSAL" in line))
    assert lab.stop(ours.proc) == 0


def cert_peer(charon):
    """espnicd's side of the certificate scenarios: its certificate, key and CA from charon's
    Pki, DN identities."""
    cert, key = charon.pki.ours
    return dict(V1, auth="pubkey", cert=cert, key=key, ca=charon.pki.ca,
                local_id="dn:" + ESPNICD_DN, remote_id="dn:" + CHARON_DN)


def test_ikev1_certs(lab, binary):
    """Main mode with signatures (RFC 2409 5.1), X.509 certificates of one CA, DN identities:
    RSA with espnicd initiating, then ECDSA P-256 with charon initiating; traffic through the
    card each time."""
    for key, initiator in (("rsa", True), ("ec", False)):
        charon = charon_v1(lab, certs=key)
        ours = Espnicd(lab, binary, start=initiator, **cert_peer(charon))
        if not initiator:
            wait_for("espnicd running", lambda: ours.sas() is not None)
            charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "20")
        wait_for("espnicd CHILD_SA up", ours.established)
        wait_for("charon CHILD_SA", charon.child)
        _, rtt = ping(lab)
        log = ours.log_text()
        method = "RSA signatures" if key == "rsa" else "ECDSA signatures"
        role = "initiator" if initiator else "responder"
        assert "IKEv1 IKE_SA established (main mode, %s, %s" % (method, role) in log, log
        assert "peer authenticated with its certificate" in log, log
        print("IKEv1 %s, espnicd %s: up, ping RTT %.2f ms" % (method, role, rtt))
        assert lab.stop(ours.proc) == 0
        wait_for("charon cleared", lambda: charon.child() is None)
        wait_empty_card(lab)
        lab.stop(charon.proc)
        os.rename(charon.conf, charon.conf + "." + key)


HALVES = ["198.19.1.0/25", "198.19.1.128/25"]  # LAN A as two selectors
HOST_A2 = "198.19.1.200"  # a second address in LAN A, in the upper half


def test_ikev1_selectors(lab, binary):
    """Several selectors: LAN A as two subnets on both sides. espnicd initiating negotiates
    one quick mode per pair (IKEv1 carries one pair of client IDs), two CHILD_SAs in one
    ISAKMP SA, both on the card; pings from a host in each half go through their own pair.
    (charon's side differs in its remote subnets: kernel-libipsec installs one route per
    remote subnet.)"""
    lab.exec("lana", "ip", "addr", "add", HOST_A2 + "/32", "dev", lab.lan_if["lana"])
    charon = charon_v1(lab, remote_ts=",".join(HALVES))
    ours = Espnicd(lab, binary, start=True, local_ts=HALVES, **V1)
    wait_for("espnicd: two CHILD_SAs", lambda: ours.established(children=2))
    wait_for("charon: two CHILD_SAs", lambda: charon.ike_sa_counts() == (1, 2))
    rules = card_cli(lab, "spd", "list")
    for half in HALVES:
        assert re.search(r"%s +198\.19\.2\.0/24 .*protect" % re.escape(half), rules), rules
    ping(lab)
    r = lab.exec("lana", "ping", "-c", "3", "-i", "0.2", "-W", "5", "-I", HOST_A2, HOST_B,
                 check=False)
    assert r.returncode == 0, r.stdout
    log = ours.log_text()
    assert log.count("quick mode for a new CHILD_SA started") == 2, log
    assert lab.stop(ours.proc) == 0
    wait_for("charon cleared", lambda: charon.child() is None)
    wait_empty_card(lab)
