#!/usr/bin/python3
"""espnicd speaking IKEv1 to strongSwan's charon (`version = 1`) over an SA's life, on the
recording dataplane (ctest label "interop", needs root): NAT traversal through the
masquerading namespace of test_strongswan_lifecycle.py (NAT-D, the float to 4500, UDP
encapsulation, NAT-keepalives, RFC 3947) and dead peer detection (RFC 3706 R-U-THERE) when
charon is killed."""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from lab import LEFT, Espnicd, need_tools, wait_for  # noqa: E402
from strongswan import CHARON, lab_charon  # noqa: E402
from test_strongswan import peer  # noqa: E402
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
