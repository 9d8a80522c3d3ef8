#!/usr/bin/python3
"""espnicd against strongSwan (charon with kernel-libipsec, userspace ESP, NAT-T) in two
network namespaces (ctest label "interop", needs root). Negotiation only: no ESP flows (no
card yet). Asserts on `swanctl --list-sas`, on what espnicd's recording dataplane saw (SPIs
and keys must equal charon's, read from its level-4 log, test only) and on espnicd's log
lines for the failure cases. test_certs_ocsp: OCSP with `openssl ocsp` as the responder in
espnicd's namespace, answering for the run's CA (good, revoked, unreachable)."""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from lab import LEFT, RIGHT, LEFT_NET, RIGHT_NET, Espnicd, run, wait_for  # noqa: E402
from strongswan import CHARON_DN, ESPNICD_DN, IKE_PROPOSAL, PSK, lab_charon  # noqa: E402

def peer(psk=PSK, **extra):
    p = {"name": "gw", "psk": psk, "remote_addr": RIGHT, "remote_id": RIGHT,
         "local_ts": [LEFT_NET], "remote_ts": [RIGHT_NET]}
    p.update(extra)
    return [p]


def assert_keys_match(charon, ours, we_initiated):
    rec = list(ours.installed().values())
    assert len(rec) == 1, rec
    rec = rec[0]
    spi = charon.child()
    assert spi is not None
    assert spi == (rec["out"]["spi"], rec["in"]["spi"]), (spi, rec["in"]["spi"])
    out_key = rec["out"]["key"] + rec["out"]["salt"]
    in_key = rec["in"]["key"] + rec["in"]["salt"]
    pair = (out_key, in_key) if we_initiated else (in_key, out_key)
    assert pair in charon.key_pairs(), "keys differ from charon's"
    assert rec["encap"] == [4500, 4500], "kernel-libipsec needs UDP encapsulation"
    assert rec["local_ts"][0]["start"] == "198.18.1.0"
    assert rec["remote_ts"][0]["start"] == "198.18.2.0"


def test_espnicd_initiator(lab, binary):
    charon = lab_charon(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True))
    wait_for("espnicd IKE_SA up", ours.established)
    wait_for("charon CHILD_SA installed", charon.child)
    assert charon.ike_state() == "ESTABLISHED"
    assert_keys_match(charon, ours, True)
    assert ours.established()["encap"]
    # Delete from strongSwan's side.
    charon.swanctl("--terminate", "--ike", "gw", "--timeout", "10")
    wait_for("espnicd cleared", lambda: ours.sas() == [])
    assert ours.installed() == {}
    assert "deleted by the peer" in ours.log_text()


def test_espnicd_responder(lab, binary):
    charon = lab_charon(lab)
    ours = Espnicd(lab, binary, 0, peer())
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10")
    wait_for("espnicd IKE_SA up", ours.established)
    assert not ours.established()["initiator"]
    assert_keys_match(charon, ours, False)
    # Delete from our side: SIGTERM deletes the IKE_SA politely.
    assert lab.stop(ours.proc) == 0
    wait_for("charon cleared", lambda: charon.ike_state() is None)
    assert ours.installed() == {}


def test_child_rekey(lab, binary):
    charon = lab_charon(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True, child_rekey_time=2))
    wait_for("two rekeys", lambda: sum(r["op"] == "install" for r in ours.records()) >= 3)

    def settled():
        live = list(ours.installed().values())
        return len(live) == 1 and charon.child() == (live[0]["out"]["spi"], live[0]["in"]["spi"])

    wait_for("one live pair on both sides", settled)
    assert_keys_match(charon, ours, True)


def test_ike_rekey(lab, binary):
    charon = lab_charon(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True, ike_rekey_time=2))
    first = wait_for("IKE_SA up", ours.established)["spi_i"]
    wait_for("IKE_SA rekeyed", lambda: (ours.established() or {}).get("spi_i", first) != first)
    new = ours.established()
    wait_for("charon has the new IKE_SA",
             lambda: new["spi_i"] in charon.list_sas() and first not in charon.list_sas())
    assert charon.ike_state() == "ESTABLISHED"
    assert_keys_match(charon, ours, True)


def test_strongswan_rekeys(lab, binary):
    """charon initiates, rekeys its CHILD_SA and its IKE_SA and checks our liveness: our
    responder side of CREATE_CHILD_SA and INFORMATIONAL."""
    charon = lab_charon(lab, dpd="1s", ike_rekey="5s", child_rekey="2s")
    ours = Espnicd(lab, binary, 0, peer())
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10")
    first = wait_for("IKE_SA up", ours.established)["spi_i"]
    wait_for("CHILD_SA rekeyed twice",
             lambda: sum(r["op"] == "install" for r in ours.records()) >= 3, timeout=40)
    wait_for("IKE_SA rekeyed by charon",
             lambda: (ours.established() or {}).get("spi_i", first) != first, timeout=40)
    assert not ours.established()["initiator"]

    def settled():
        live = list(ours.installed().values())
        return (ours.established() and len(live) == 1 and
                charon.child() == (live[0]["out"]["spi"], live[0]["in"]["spi"]))

    wait_for("one live pair on both sides", settled, timeout=40)
    assert_keys_match(charon, ours, False)
    assert "rekeyed by the peer" in ours.log_text()


def test_invalid_ke(lab, binary):
    """We guess X25519 for the KE, charon only takes ECP-256 (which we also offer): it
    answers INVALID_KE_PAYLOAD and we retry with its group."""
    charon = lab_charon(lab, ike="aes256gcm16-prfsha256-ecp256")
    ours = Espnicd(lab, binary, 0,
                   peer(start=True, ike_proposals=["aes256gcm16-prfsha256-x25519-ecp256"]))
    wait_for("espnicd IKE_SA up", ours.established)
    wait_for("charon CHILD_SA installed", charon.child)
    assert "retrying with it" in ours.log_text()
    assert "ECP_256" in charon.swanctl("--list-sas").stdout
    assert_keys_match(charon, ours, True)


def test_psk_mismatch(lab, binary):
    charon = lab_charon(lab)
    # We initiate with the wrong key: charon refuses us.
    ours = Espnicd(lab, binary, 0, peer(psk="wrong-secret-of-16b", start=True))
    wait_for("our failure log", lambda: "AUTHENTICATION_FAILED" in ours.log_text())
    assert "pre-shared key" in ours.log_text()
    wait_for("no SA left", lambda: ours.sas() == [])
    assert ours.installed() == {}
    # charon initiates with its key against our wrong one: we refuse it.
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "5",
                   check=False)
    wait_for("our verification failure", lambda: "PSK mismatch" in ours.log_text())
    assert ours.installed() == {}


def test_proposal_mismatch(lab, binary):
    charon = lab_charon(lab, ike="aes128gcm16-prfsha384-ecp384")
    ours = Espnicd(lab, binary, 0, peer(start=True, ike_proposals=[IKE_PROPOSAL]))
    wait_for("our NO_PROPOSAL_CHOSEN log", lambda: "NO_PROPOSAL_CHOSEN" in ours.log_text())
    wait_for("no SA left", lambda: ours.sas() == [])
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "5",
                   check=False)
    wait_for("our refusal", lambda: "no acceptable IKE proposal" in ours.log_text())
    assert ours.installed() == {}


def cert_peer(charon, **extra):
    cert, key = charon.pki.ours
    return peer(auth="pubkey", cert=cert, key=key, ca=charon.pki.ca,
                local_id="dn:" + ESPNICD_DN, remote_id="dn:" + CHARON_DN, **extra)


def test_certs_espnicd_initiator(lab, binary):
    """Certificates, espnicd initiates: our ECDSA certificate with a DN identity that carries
    an emailAddress against charon's RSA certificate, both chained to one CA."""
    charon = lab_charon(lab, certs=True)
    ours = Espnicd(lab, binary, 0, cert_peer(charon, start=True))
    wait_for("espnicd IKE_SA up", ours.established)
    wait_for("charon CHILD_SA installed", charon.child)
    assert charon.ike_state() == "ESTABLISHED"
    assert_keys_match(charon, ours, True)
    log = ours.log_text()
    assert "peer authenticated with its certificate (method 14)" in log, log[-3000:]
    sas = charon.swanctl("--list-sas").stdout
    assert "espnicd@espnic.example" in sas, sas


def test_certs_espnicd_responder(lab, binary):
    charon = lab_charon(lab, certs=True)
    ours = Espnicd(lab, binary, 0, cert_peer(charon))
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10")
    wait_for("espnicd IKE_SA up", ours.established)
    assert not ours.established()["initiator"]
    assert_keys_match(charon, ours, False)
    assert "peer authenticated with its certificate (method 14)" in ours.log_text()


def test_certs_untrusted(lab, binary):
    """charon's certificate is not from the CA we trust (we are given our own certificate as
    the only CA): we refuse it with a clear reason."""
    charon = lab_charon(lab, certs=True)
    p = cert_peer(charon)
    p[0]["ca"] = charon.pki.ours[0]
    ours = Espnicd(lab, binary, 0, p)
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "5",
                   check=False)
    wait_for("our refusal", lambda: "certificate not trusted" in ours.log_text())
    assert ours.installed() == {}


def fragmented(charon, ours, we_initiate):
    wait_for("espnicd IKE_SA up", ours.established)
    wait_for("charon CHILD_SA installed", charon.child)
    assert_keys_match(charon, ours, we_initiate)
    log = ours.log_text()
    assert re.search(r"request 1 \(exchange 35\) sent, \d+ octets in [2-9]\d* datagrams", log) \
        or not we_initiate, log[-3000:]
    with open(os.path.join(charon.dir, "charon.log")) as f:
        clog = f.read()
    # charon both received our fragments and fragmented its own IKE_AUTH message.
    assert re.search(r"received fragment #\d+ of \d+", clog), clog[-3000:]
    assert re.search(r"splitting IKE message .* into \d+ fragments", clog), clog[-3000:]


def test_certs_fragmented_initiator(lab, binary):
    """Small fragment sizes on both sides: the IKE_AUTH messages (certificates) go as RFC 7383
    fragments both ways."""
    charon = lab_charon(lab, certs=True, fragment_size=600)
    ours = Espnicd(lab, binary, 0, cert_peer(charon, start=True, fragment_size=600))
    fragmented(charon, ours, True)


def test_certs_fragmented_responder(lab, binary):
    charon = lab_charon(lab, certs=True, fragment_size=600)
    ours = Espnicd(lab, binary, 0, cert_peer(charon, fragment_size=600))
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10")
    fragmented(charon, ours, False)




OCSP_PORT = 8888


def ocsp_responder(lab, pki, cert, revoked, name):
    """`openssl ocsp` on port OCSP_PORT of espnicd's namespace, signing with the CA, with an index that lists cert
    as valid or revoked; returns the process once it accepts connections."""
    serial = run("openssl", "x509", "-in", cert, "-noout", "-serial").stdout.split("=")[1]
    subject = "/C=CH/O=espnic/CN=strongswan"
    index = lab.path(name + ".index")
    with open(index, "w") as f:
        if revoked:
            f.write("R\t301231235959Z\t240101000000Z,keyCompromise\t%s\tunknown\t%s\n"
                    % (serial.strip(), subject))
        else:
            f.write("V\t301231235959Z\t\t%s\tunknown\t%s\n" % (serial.strip(), subject))
    ca_key = os.path.join(pki.dir, "ca.key")
    p = lab.spawn(0, ["openssl", "ocsp", "-index", index, "-port",
                      str(OCSP_PORT), "-rsigner", pki.ca, "-rkey", ca_key,
                      "-CA", pki.ca, "-resp_text", "-ignore_err"], name + ".log")
    wait_for("the OCSP responder listening",
             lambda: "ACCEPT" in open(lab.path(name + ".log")).read())
    return p


def test_certs_ocsp(lab, binary):
    """OCSP ("ocsp": the responder's URL): charon's certificate good at the responder: the
    tunnel comes up; revoked there: refused, by name; responder gone: refused (fail closed),
    unless "ocsp_unreachable": "accept" (then up, with a warning)."""
    charon = lab_charon(lab, certs=True)
    theirs = os.path.join(charon.dir, "x509", "strongswan.pem")
    url = "http://%s:%d/" % (LEFT, OCSP_PORT)

    def attempt(ours, expect_up):
        charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10",
                       check=expect_up)
        if expect_up:
            wait_for("espnicd IKE_SA up", ours.established)
            charon.swanctl("--terminate", "--ike", "gw", "--timeout", "10")
            wait_for("espnicd cleared", lambda: ours.sas() == [])

    good = ocsp_responder(lab, charon.pki, theirs, False, "ocsp-good")
    ours = Espnicd(lab, binary, 0, cert_peer(charon, ocsp=url))
    wait_for("espnicd running", lambda: ours.sas() is not None)
    attempt(ours, True)
    assert "Cert Status: good" in open(lab.path("ocsp-good.log")).read()
    lab.stop(good)

    revoked = ocsp_responder(lab, charon.pki, theirs, True, "ocsp-revoked")
    attempt(ours, False)
    wait_for("the refusal", lambda: "certificate revoked (OCSP, reason: keyCompromise)"
             in ours.log_text())
    assert ours.installed() == {} and not ours.established()
    lab.stop(revoked)

    attempt(ours, False)
    wait_for("the refusal", lambda: "not reachable" in ours.log_text())
    assert ours.installed() == {} and not ours.established()
    assert lab.stop(ours.proc) == 0

    ours = Espnicd(lab, binary, 0, cert_peer(charon, ocsp=url, ocsp_unreachable="accept"))
    wait_for("espnicd running", lambda: ours.sas() is not None)
    attempt(ours, True)
    assert "accepted without OCSP (ocsp_unreachable accept)" in ours.log_text()
