#!/usr/bin/python3
"""espnicd against strongSwan (charon with kernel-libipsec, userspace ESP, NAT-T) in two
network namespaces (ctest label "interop", needs root). Negotiation only: no ESP flows (no
card yet). Asserts on `swanctl --list-sas`, on what espnicd's recording dataplane saw (SPIs
and keys must equal charon's, read from its level-4 log, test only) and on espnicd's log
lines for the failure cases."""
import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(HERE, "..", "espnicd"))
from lab import LEFT, LEFT_NET, RIGHT, RIGHT_NET, Espnicd, Lab, need_tools, run, wait_for  # noqa: E402

CHARON = "/usr/lib/ipsec/charon"
PSK = "interop-shared-secret"
IKE_PROPOSAL = "aes256gcm16-prfsha256-x25519"
ESP_PROPOSAL = "aes256gcm16"

STRONGSWAN_CONF = """
charon {{
  fragment_size = {fragment_size}
  load_modular = no
  load = random nonce openssl pem pkcs1 pubkey x509 aes sha1 sha2 hmac gcm kdf curve25519 kernel-libipsec kernel-netlink socket-default vici updown
  plugins {{
    vici {{
      socket = unix://{dir}/charon.vici
    }}
  }}
  filelog {{
    charon {{
      path = {dir}/charon.log
      default = 1
      ike = 4
      chd = 4
      cfg = 2
      flush_line = yes
    }}
  }}
  syslog {{
    daemon {{
      default = -1
    }}
  }}
}}
"""

SWANCTL_CONF = """
connections {{
  gw {{
    local_addrs = {right}
    remote_addrs = {left}
    version = 2
    proposals = {ike}
    dpd_delay = {dpd}
    rekey_time = {ike_rekey}
    over_time = 60s
    rand_time = 0
    fragmentation = yes
    local {{
      auth = {auth}
      id = "{local_id}"{local_certs}
    }}
    remote {{
      auth = {auth}
      id = "{remote_id}"
    }}
    children {{
      net {{
        local_ts = {right_net}
        remote_ts = {left_net}
        esp_proposals = {esp}
        mode = tunnel
        start_action = none
        rekey_time = {child_rekey}
        life_time = 2h
        rand_time = 0
      }}
    }}
  }}
}}
secrets {{
  ike-gw {{
    id-1 = {left}
    id-2 = {right}
    secret = "{psk}"
  }}
}}
"""


# Identities of the certificate scenarios: espnicd's DN carries an emailAddress.
ESPNICD_DN = "C=CH, O=espnic, CN=espnicd, E=espnicd@espnic.example"
CHARON_DN = "C=CH, O=espnic, CN=strongswan"


class Pki:
    """A CA (RSA), espnicd's certificate (ECDSA P-256, DN with emailAddress, SAN
    DNS:espnicd.espnic.example) and charon's (RSA, SAN DNS:strongswan.espnic.example), made
    by the openssl CLI for this run only. Charon's files go into its swanctl directories."""

    def __init__(self, lab, charon_dir):
        d = self.dir = lab.path("pki")
        os.makedirs(d)

        def ossl(*args):
            run("openssl", *args)

        self.ca = os.path.join(d, "ca.pem")
        ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
             os.path.join(d, "ca.key"), "-out", self.ca, "-days", "2", "-subj",
             "/C=CH/O=espnic/CN=espnic interop CA", "-addext",
             "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")

        def leaf(name, newkey, subj, san):
            key, csr, pem = (os.path.join(d, name + ext) for ext in (".key", ".csr", ".pem"))
            ext = os.path.join(d, name + ".ext")
            with open(ext, "w") as f:
                f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                        "subjectAltName=%s\n" % san)
            ossl("req", "-new", "-newkey", newkey, "-nodes", "-keyout", key, "-out", csr,
                 "-subj", subj)
            ossl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey",
                 os.path.join(d, "ca.key"), "-CAcreateserial", "-out", pem, "-days", "2",
                 "-extfile", ext)
            os.chmod(key, 0o600)
            return pem, key

        self.ours = leaf("espnicd", "ec:" + self._p256(d),
                         "/C=CH/O=espnic/CN=espnicd/emailAddress=espnicd@espnic.example",
                         "DNS:espnicd.espnic.example")
        theirs = leaf("strongswan", "rsa:2048", "/C=CH/O=espnic/CN=strongswan",
                      "DNS:strongswan.espnic.example")
        for sub in ("x509", "x509ca", "rsa"):
            os.makedirs(os.path.join(charon_dir, sub), exist_ok=True)
        shutil.copy(theirs[0], os.path.join(charon_dir, "x509", "strongswan.pem"))
        shutil.copy(self.ca, os.path.join(charon_dir, "x509ca", "ca.pem"))
        # PKCS#1 for the pkcs1 plugin.
        run("openssl", "rsa", "-in", theirs[1], "-traditional", "-out",
            os.path.join(charon_dir, "rsa", "strongswan.key"))

    @staticmethod
    def _p256(d):
        path = os.path.join(d, "p256.param")
        run("openssl", "ecparam", "-name", "prime256v1", "-out", path)
        return path


class Charon:
    def __init__(self, lab, ike=IKE_PROPOSAL, esp=ESP_PROPOSAL, psk=PSK, dpd="0s",
                 ike_rekey="4h", child_rekey="1h", certs=False, fragment_size=1280):
        self.lab = lab
        self.dir = lab.path("charon")
        os.makedirs(os.path.join(self.dir, "run"))
        self.uri = "unix://%s/charon.vici" % self.dir
        self.conf = os.path.join(self.dir, "swanctl.conf")
        self.pki = Pki(lab, self.dir) if certs else None
        with open(os.path.join(self.dir, "strongswan.conf"), "w") as f:
            f.write(STRONGSWAN_CONF.format(dir=self.dir, fragment_size=fragment_size))
        with open(self.conf, "w") as f:
            f.write(SWANCTL_CONF.format(
                left=LEFT, right=RIGHT, left_net=LEFT_NET, right_net=RIGHT_NET, ike=ike,
                esp=esp, psk=psk, dpd=dpd, ike_rekey=ike_rekey, child_rekey=child_rekey,
                auth="pubkey" if certs else "psk",
                local_id=CHARON_DN if certs else RIGHT,
                remote_id=ESPNICD_DN if certs else LEFT,
                local_certs="\n      certs = strongswan.pem" if certs else ""))
        os.chmod(self.conf, 0o600)
        # ip netns exec gives a private mount namespace: a private /run keeps charon's pid
        # file and sockets apart from any other charon on the machine.
        script = "mount --bind %s/run /run && exec %s" % (self.dir, CHARON)
        env = dict(os.environ, STRONGSWAN_CONF=os.path.join(self.dir, "strongswan.conf"))
        self.proc = lab.spawn(1, ["sh", "-c", script], "charon.out", env=env)
        self.lab.logs.append(os.path.join(self.dir, "charon.log"))
        wait_for("charon's vici socket", lambda: self.swanctl("--stats", check=False)
                 .returncode == 0)
        self.swanctl("--load-all", "--file", self.conf)

    def swanctl(self, *args, check=True):
        return run("swanctl", args[0], "--uri", self.uri, *args[1:], check=check)

    def list_sas(self):
        return self.swanctl("--list-sas", "--raw", check=False).stdout

    def ike_state(self):
        m = re.search(r"\bstate=(\w+)", self.list_sas())
        return m.group(1) if m else None

    def child(self):
        """(spi_in, spi_out) of an INSTALLED CHILD_SA, as charon sees it."""
        text = self.list_sas()
        m = re.search(r"child-sas \{.*?state=INSTALLED.*?spi-in=([0-9a-f]+) "
                      r"spi-out=([0-9a-f]+)", text, re.S)
        return (m.group(1), m.group(2)) if m else None

    def key_pairs(self):
        """(initiator-to-responder, responder-to-initiator) key||salt hex strings of every
        CHILD_SA in charon's level-4 log."""
        with open(os.path.join(self.dir, "charon.log")) as f:
            lines = f.read().splitlines()
        keys, pairs, current = {}, [], None
        for line in lines:
            m = re.search(r"encryption (initiator|responder) key => \d+ bytes", line)
            if m:
                current = m.group(1)
                keys[current] = ""
                continue
            m = re.search(r"\[CHD\]\s+\d+: ((?:[0-9A-F]{2} )+)", line)
            if current and m:
                keys[current] += m.group(1).replace(" ", "").lower()
                continue
            if current:
                if current == "responder" and "initiator" in keys:
                    pairs.append((keys["initiator"], keys["responder"]))
                    keys = {}
                current = None
        return pairs


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


def scenario_espnicd_initiator(lab, binary):
    charon = Charon(lab)
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


def scenario_espnicd_responder(lab, binary):
    charon = Charon(lab)
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


def scenario_child_rekey(lab, binary):
    charon = Charon(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True, child_rekey_time=2))
    wait_for("two rekeys", lambda: sum(r["op"] == "install" for r in ours.records()) >= 3)

    def settled():
        live = list(ours.installed().values())
        return len(live) == 1 and charon.child() == (live[0]["out"]["spi"], live[0]["in"]["spi"])

    wait_for("one live pair on both sides", settled)
    assert_keys_match(charon, ours, True)


def scenario_ike_rekey(lab, binary):
    charon = Charon(lab)
    ours = Espnicd(lab, binary, 0, peer(start=True, ike_rekey_time=2))
    first = wait_for("IKE_SA up", ours.established)["spi_i"]
    wait_for("IKE_SA rekeyed", lambda: (ours.established() or {}).get("spi_i", first) != first)
    new = ours.established()
    wait_for("charon has the new IKE_SA",
             lambda: new["spi_i"] in charon.list_sas() and first not in charon.list_sas())
    assert charon.ike_state() == "ESTABLISHED"
    assert_keys_match(charon, ours, True)


def scenario_strongswan_rekeys(lab, binary):
    """charon initiates, rekeys its CHILD_SA and its IKE_SA and checks our liveness: our
    responder side of CREATE_CHILD_SA and INFORMATIONAL."""
    charon = Charon(lab, dpd="1s", ike_rekey="5s", child_rekey="2s")
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


def scenario_invalid_ke(lab, binary):
    """We guess X25519 for the KE, charon only takes ECP-256 (which we also offer): it
    answers INVALID_KE_PAYLOAD and we retry with its group."""
    charon = Charon(lab, ike="aes256gcm16-prfsha256-ecp256")
    ours = Espnicd(lab, binary, 0,
                   peer(start=True, ike_proposals=["aes256gcm16-prfsha256-x25519-ecp256"]))
    wait_for("espnicd IKE_SA up", ours.established)
    wait_for("charon CHILD_SA installed", charon.child)
    assert "retrying with it" in ours.log_text()
    assert "ECP_256" in charon.swanctl("--list-sas").stdout
    assert_keys_match(charon, ours, True)


def scenario_psk_mismatch(lab, binary):
    charon = Charon(lab)
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


def scenario_proposal_mismatch(lab, binary):
    charon = Charon(lab, ike="aes128gcm16-prfsha384-ecp384")
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


def scenario_certs_espnicd_initiator(lab, binary):
    """Certificates, espnicd initiates: our ECDSA certificate with a DN identity that carries
    an emailAddress against charon's RSA certificate, both chained to one CA."""
    charon = Charon(lab, certs=True)
    ours = Espnicd(lab, binary, 0, cert_peer(charon, start=True))
    wait_for("espnicd IKE_SA up", ours.established)
    wait_for("charon CHILD_SA installed", charon.child)
    assert charon.ike_state() == "ESTABLISHED"
    assert_keys_match(charon, ours, True)
    log = ours.log_text()
    assert "peer authenticated with its certificate (method 14)" in log, log[-3000:]
    sas = charon.swanctl("--list-sas").stdout
    assert "espnicd@espnic.example" in sas, sas


def scenario_certs_espnicd_responder(lab, binary):
    charon = Charon(lab, certs=True)
    ours = Espnicd(lab, binary, 0, cert_peer(charon))
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10")
    wait_for("espnicd IKE_SA up", ours.established)
    assert not ours.established()["initiator"]
    assert_keys_match(charon, ours, False)
    assert "peer authenticated with its certificate (method 14)" in ours.log_text()


def scenario_certs_untrusted(lab, binary):
    """charon's certificate is not from the CA we trust (we are given our own certificate as
    the only CA): we refuse it with a clear reason."""
    charon = Charon(lab, certs=True)
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


def scenario_certs_fragmented_initiator(lab, binary):
    """Small fragment sizes on both sides: the IKE_AUTH messages (certificates) go as RFC 7383
    fragments both ways."""
    charon = Charon(lab, certs=True, fragment_size=600)
    ours = Espnicd(lab, binary, 0, cert_peer(charon, start=True, fragment_size=600))
    fragmented(charon, ours, True)


def scenario_certs_fragmented_responder(lab, binary):
    charon = Charon(lab, certs=True, fragment_size=600)
    ours = Espnicd(lab, binary, 0, cert_peer(charon, fragment_size=600))
    wait_for("espnicd running", lambda: ours.sas() is not None)
    charon.swanctl("--initiate", "--child", "net", "--ike", "gw", "--timeout", "10")
    fragmented(charon, ours, False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--espnicd", required=True)
    ap.add_argument("--scenario", required=True)
    args = ap.parse_args()
    need_tools(CHARON, "swanctl")
    with Lab("ss" + args.scenario[:4]) as lab:
        globals()["scenario_" + args.scenario](lab, os.path.abspath(args.espnicd))
    print("PASS", args.scenario)


if __name__ == "__main__":
    main()
