#!/usr/bin/python3
"""espnicd speaking IKEv1 to strongSwan's charon (`version = 1`) over an SA's life, on the
recording dataplane (ctest label "interop", needs root): NAT traversal through the
masquerading namespace of test_strongswan_lifecycle.py (NAT-D, the float to 4500, UDP
encapsulation, NAT-keepalives, RFC 3947), dead peer detection (RFC 3706 R-U-THERE) when
charon is killed, and IKE_FLEX ("version": 0, as NSX offers it): as responder espnicd takes
charon's IKEv1 and its IKEv2 on the same peer, as initiator it starts with IKEv2."""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from lab import LEFT, LEFT_NET, RIGHT, RIGHT_NET, Espnicd, need_tools, wait_for  # noqa: E402
from strongswan import (CHARON, IKE_PROPOSAL, PSK, Charon, lab_charon,  # noqa: E402
                        swanctl_conf, swanctl_connection, swanctl_secret)
from test_strongswan import assert_keys_match, peer  # noqa: E402
from test_strongswan_lifecycle import FAST, INNER, NatLab, kill_charon  # noqa: E402

IKE_V1 = "aes256-sha256-modp2048"
V1 = {"version": 1, "ike_proposals": [IKE_V1]}


def charon_v1(lab, **kw):
    return lab_charon(lab, ike=IKE_V1, version=1, **kw)


def up(charon, ours):
    wait_for("espnicd IKEv1 SA with its CHILD_SA", ours.established)
    wait_for("charon CHILD_SA installed", charon.child)


def test_ikev1_nat(binary):
    need_tools(CHARON, "swanctl")
    with NatLab("v1nat") as lab:
        charon = charon_v1(lab)
        ours = Espnicd(lab, binary, 0, peer(start=True, local_id=LEFT, keepalive_interval=1,
                                            **V1), listen=INNER)
        up(charon, ours)
        sa = ours.established()
        assert sa["nat_local"] and sa["encap"], sa
        rec = list(ours.installed().values())
        assert len(rec) == 1 and rec[0]["encap"] == [4500, 4500], rec
        sas = charon.list_sas()
        assert re.search(r"remote-host=%s remote-port=4500" % LEFT, sas), sas
        assert "nat-remote=yes" in sas, sas
        assert re.search(r"child-sas \{.*encap=yes", sas, re.S), sas
        assert charon.child() == (rec[0]["out"]["spi"], rec[0]["in"]["spi"])
        # Main mode 1-4 on 500 through the NAT, 5 on to 4500.
        assert lab.counter("ike500") >= 1 and lab.counter("ike4500") >= 1
        wait_for("NAT-keepalives through the router", lambda: lab.counter("keepalive") >= 2)
        charon.swanctl("--terminate", "--ike", "gw", "--timeout", "10")
        wait_for("espnicd cleared", lambda: ours.sas() == [])
        assert ours.installed() == {}


def test_ikev1_aggressive_responder(lab, binary):
    """charon initiates aggressive mode; espnicd (with "aggressive": true) answers."""
    charon = charon_v1(lab, aggressive=True)
    ours = Espnicd(lab, binary, 0, peer(aggressive=True, **V1))
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10")
    up(charon, ours)
    assert not ours.established()["initiator"]
    assert "HASH_R sent before the initiator authenticated" in ours.log_text()
    rec = list(ours.installed().values())
    assert charon.child() == (rec[0]["out"]["spi"], rec[0]["in"]["spi"])


def test_ikev1_aggressive_refused(lab, binary):
    """Aggressive mode towards an espnicd peer without "aggressive": refused by name."""
    charon = charon_v1(lab, aggressive=True)
    ours = Espnicd(lab, binary, 0, peer(**V1))
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "3",
                   check=False)
    wait_for("refusal logged", lambda: "aggressive mode from" in ours.log_text())
    assert "refused: not enabled for this peer" in ours.log_text()
    assert ours.sas() == [] and ours.installed() == {}


def test_ikev1_dpd(lab, binary):
    """charon killed: R-U-THERE unanswered, the SA and its CHILD_SA cleared."""
    charon = charon_v1(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True, dpd_delay=1, dpd_timeout=2,
                                        dpd_action="clear", force_encap=True, **V1), **FAST)
    up(charon, ours)
    # charon answers the liveness checks while it lives.
    wait_for("a liveness check answered", lambda: "R-U-THERE-ACK" in ours.log_text())
    assert ours.established()
    kill_charon(lab, charon)
    wait_for("dead peer noticed",
             lambda: "dead peer, IKE_SA and CHILD_SAs cleared" in ours.log_text())
    assert "no R-U-THERE-ACK from the peer (DPD)" in ours.log_text()
    wait_for("SAs cleared", lambda: ours.sas() == [])
    assert ours.installed() == {}


def test_ike_flex(lab, binary):
    """IKE_FLEX: charon with a version = 1 and a version = 2 connection to the same espnicd
    peer (IKEv1 and IKEv2 proposals). charon initiates with each in turn and espnicd answers
    in that version (keys checked against charon's); then espnicd, started as initiator,
    speaks IKEv2 and charon's version = 2 connection answers."""
    conns = [swanctl_connection(name, RIGHT, LEFT, RIGHT_NET, LEFT_NET, RIGHT, LEFT, ike=ike,
                                version=version)
             for name, ike, version in (("v1", IKE_V1, 1), ("v2", IKE_PROPOSAL, 2))]
    charon = Charon(lab, 1, swanctl_conf(conns, [swanctl_secret("gw", LEFT, RIGHT, PSK)]),
                    log_keys=True)
    flex = {"version": 0, "ike_proposals": [IKE_V1, IKE_PROPOSAL], "force_encap": True}
    ours = Espnicd(lab, binary, 0, peer(**flex))
    wait_for("espnicd running", lambda: ours.sas() is not None)
    for conn, version, line in (("v1", 1, "IKEv1 IKE_SA established (main mode, PSK, responder"),
                                ("v2", 2, "IKE_SA established (responder)")):
        charon.swanctl("--initiate", "--child", "net", "--ike", conn, "--timeout", "20")
        up(charon, ours)
        assert line in ours.log_text()
        assert re.search(r"version=%d .*?state=ESTABLISHED" % version, charon.list_sas(), re.S)
        rec = list(ours.installed().values())
        assert len(rec) == 1 and charon.child() == (rec[0]["out"]["spi"], rec[0]["in"]["spi"])
        if version == 2:
            assert_keys_match(charon, ours, we_initiated=False)
        charon.swanctl("--terminate", "--ike", conn, "--timeout", "20")
        wait_for("espnicd cleared after charon's delete", lambda: ours.sas() == [])
    assert lab.stop(ours.proc) == 0
    ours = Espnicd(lab, binary, 0, peer(start=True, **flex))
    up(charon, ours)
    log = ours.log_text()
    assert "initiating IKE_SA to gw" in log and "IKEv1" not in log, log
    assert ours.established()["initiator"]
    assert re.search(r"v2: #\d+, ESTABLISHED, IKEv2", charon.swanctl("--list-sas").stdout)
    assert_keys_match(charon, ours, we_initiated=True)
