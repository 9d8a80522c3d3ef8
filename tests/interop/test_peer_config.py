#!/usr/bin/python3
"""The swanctl.conf that `espnic session peer-config --format swanctl --psk-file F --output F`
writes for the remote side (espnicd's text, the PSK filled in by the CLI from our copy),
loaded as is into strongSwan (charon with kernel-libipsec, the set-up of test_strongswan.py):
the tunnel must come up, with the algorithms of the profiles (ctest label "interop", needs
root and strongSwan)."""
import os
import shutil
import subprocess
import sys
import types

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "espnicd"))
sys.path.insert(0, HERE)
from test_api_e2e import DAEMONS, Daemon  # noqa: E402
from lab import LEFT, LEFT_NET, RIGHT, RIGHT_NET, wait_for  # noqa: E402
from strongswan import ESPNICD_DN, Pki, lab_charon  # noqa: E402

PSK = "peer-config-Secret \"quoted\" 7"  # not plain: written as hex


def tunnel_up(d, charon, text):
    """charon loads text (the peer-config output) as its whole swanctl.conf; session s.1 is
    enabled and must come up with the same CHILD_SA on both sides. Returns our tunnel."""
    with open(charon.conf, "w") as f:
        f.write(text)
    charon.swanctl("--load-all", "--file", charon.conf)
    d.espnic("session", "enable", "s.1")
    st = wait_for("our session up", lambda: d.up("s.1"))
    wait_for("charon's CHILD_SA", charon.child)
    assert charon.ike_state() == "ESTABLISHED"
    spi_in, spi_out = charon.child()
    tunnel = st["tunnels"][0]
    assert (tunnel["spi_out"], tunnel["spi_in"]) == (spi_in, spi_out), (tunnel, spi_in)
    return tunnel


def scenario(lab, args, ike_args, tunnel_args, expect_esp):
    d = Daemon(lab, args.espnicd, args.espnic, 0)
    charon = lab_charon(lab)  # its own test connection first; replaced below
    d.espnic("endpoint", "add", "ep", "--address", LEFT)
    d.espnic("profile", "ike", "add", "ike", *ike_args)
    d.espnic("profile", "tunnel", "add", "tun", *tunnel_args)
    d.espnic("session", "add", "s.1", "--endpoint", "ep", "--peer", RIGHT, "--local-networks",
             LEFT_NET, "--remote-networks", RIGHT_NET, "--ike-profile", "ike",
             "--tunnel-profile", "tun", "--enabled", "no", "--psk-file", "-", stdin=PSK)
    key = lab.path("psk")
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(PSK)
    out = lab.path("peer-s.1.conf")
    subprocess.run([args.espnic, "session", "peer-config", "s.1", "--format", "swanctl",
                    "--psk-file", key, "--output", out, "--socket", d.sock], check=True)
    assert os.stat(out).st_mode & 0o777 == 0o600
    with open(out) as f:
        text = f.read()
    assert "secret = 0x" + PSK.encode().hex() in text, text
    tunnel = tunnel_up(d, charon, text)
    assert tunnel["encryption_algorithm"] == expect_esp, tunnel
    # from the API alone: a placeholder that does not authenticate
    text = subprocess.run([args.espnic, "session", "peer-config", "s.1", "--socket", d.sock],
                          stdout=subprocess.PIPE, text=True, check=True).stdout
    assert PSK.encode().hex() not in text and "REPLACE-WITH-THE-PRE-SHARED-KEY" in text


def scenario_certs(lab, args):
    """Certificates: espnicd's endpoint gets its certificate and key through the CLI, the
    session trusts the CA; the generated swanctl.conf (pubkey both ways) is loaded as is, with
    charon's certificate, key and our CA put where its comments say."""
    d = Daemon(lab, args.espnicd, args.espnic, 0)
    charon = lab_charon(lab)  # its own test connection first; replaced below
    pki = Pki(lab, lab.path("pki-copies"))  # the CA, our certificate and charon's (openssl CLI)
    ours_pem, ours_key = pki.ours
    d.espnic("endpoint", "add", "ep", "--address", LEFT, "--cert-file", ours_pem,
             "--key-file", ours_key)
    d.espnic("session", "add", "s.1", "--endpoint", "ep", "--peer", RIGHT, "--local-networks",
             LEFT_NET, "--remote-networks", RIGHT_NET, "--auth-mode", "certificate",
             "--ca-file", pki.ca, "--local-id", "dn:" + ESPNICD_DN, "--remote-id",
             "fqdn:strongswan.espnic.example", "--enabled", "no")
    text = subprocess.run([args.espnic, "session", "peer-config", "s.1", "--format",
                           "swanctl", "--socket", d.sock],
                          stdout=subprocess.PIPE, text=True, check=True).stdout
    assert "auth = pubkey" in text and "secrets {" not in text, text
    assert "-----BEGIN" not in text, text
    for sub, src in (("x509/s_1.pem", os.path.join(pki.dir, "strongswan.pem")),
                     ("private/s_1.key", os.path.join(pki.dir, "strongswan.key")),
                     ("x509ca/s_1-ca.pem", pki.ca)):
        assert sub in text, (sub, text)
        os.makedirs(os.path.dirname(os.path.join(charon.dir, sub)), exist_ok=True)
        shutil.copy(src, os.path.join(charon.dir, sub))
    os.chmod(os.path.join(charon.dir, "private/s_1.key"), 0o600)
    tunnel_up(d, charon, text)
    assert "peer authenticated with its certificate" in d.log_text()
    sas = charon.swanctl("--list-sas").stdout
    assert "espnicd@espnic.example" in sas, sas


def daemons_done():
    for d in DAEMONS:
        d.finish()


@pytest.fixture
def args(binary, espnic):
    return types.SimpleNamespace(espnicd=binary, espnic=espnic)


def test_defaults(lab, args):
    """The system defaults: AES-128/SHA2-256/group 14, AES-GCM-128 with PFS group 14."""
    scenario(lab, args, [], [], "AES_GCM_128")
    daemons_done()


def test_gcm256_x25519(lab, args):
    scenario(lab, args, ["--encryption", "aes_gcm_256", "--digest", "sha2_384", "--dh-groups",
                         "group31,group19"], ["--encryption", "aes_gcm_256", "--pfs", "no"],
             "AES_GCM_256")
    daemons_done()


def test_certs(lab, args):
    scenario_certs(lab, args)
    daemons_done()
