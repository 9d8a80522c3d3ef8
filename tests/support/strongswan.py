"""strongSwan as the tests' peer: one swanctl.conf template, a PKI made by the openssl CLI,
and one Charon (the demo's, host/demo/sitelab.py, with what tests read back: IKE state and
SPIs, and the CHILD_SA keys from its level-4 log). lab_charon() starts it in the right-hand
namespace of a Lab (tests/support/lab.py), site_charon() in gw-b of the demo's sites."""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "host",
                                "demo"))
from lab import LEFT, LEFT_NET, RIGHT, RIGHT_NET, run  # noqa: E402
from sitelab import CHARON, GW_A, GW_B, NET_A, NET_B  # noqa: E402,F401  (CHARON re-exported)
from sitelab import Charon as SiteCharon  # noqa: E402

PSK = "interop-shared-secret"
IKE_PROPOSAL = "aes256gcm16-prfsha256-x25519"
ESP_PROPOSAL = "aes256gcm16"

# Identities of the certificate scenarios: espnicd's DN carries an emailAddress.
ESPNICD_DN = "C=CH, O=espnic, CN=espnicd, E=espnicd@espnic.example"
CHARON_DN = "C=CH, O=espnic, CN=strongswan"


def swanctl_connection(name, local_addr, remote_addr, local_ts, remote_ts, local_id, remote_id,
                       ike=IKE_PROPOSAL, esp=ESP_PROPOSAL, auth="psk", certs=None, dpd="0s",
                       ike_rekey="4h", child_rekey="1h", child_life="2h", version=2,
                       aggressive=False):
    """One swanctl connection (child "net", tunnel mode, nothing started by charon itself,
    no random jitter on the rekey times); version 1 for IKEv1."""
    return """  {name} {{
    local_addrs = {local_addr}
    remote_addrs = {remote_addr}
    version = {version}
    aggressive = {aggressive}
    proposals = {ike}
    dpd_delay = {dpd}
    rekey_time = {ike_rekey}
    over_time = 60s
    rand_time = 0
    fragmentation = yes
    local {{
      auth = {auth}
      id = "{local_id}"{certs}
    }}
    remote {{
      auth = {auth}
      id = "{remote_id}"
    }}
    children {{
      net {{
        local_ts = {local_ts}
        remote_ts = {remote_ts}
        esp_proposals = {esp}
        mode = tunnel
        start_action = none
        rekey_time = {child_rekey}
        life_time = {child_life}
        rand_time = 0
      }}
    }}
  }}
""".format(name=name, local_addr=local_addr, remote_addr=remote_addr, ike=ike, dpd=dpd,
           ike_rekey=ike_rekey, auth=auth, local_id=local_id,
           certs="\n      certs = %s" % certs if certs else "", remote_id=remote_id,
           local_ts=local_ts, remote_ts=remote_ts, esp=esp, child_rekey=child_rekey,
           child_life=child_life, version=version,
           aggressive="yes" if aggressive else "no")


def swanctl_secret(name, id1, id2, psk):
    return '  ike-%s {\n    id-1 = %s\n    id-2 = %s\n    secret = "%s"\n  }\n' % (
        name, id1, id2, psk)


def swanctl_conf(connections, secrets=()):
    return "connections {\n%s}\nsecrets {\n%s}\n" % ("".join(connections), "".join(secrets))


class Pki:
    """A CA (RSA), espnicd's certificate (ECDSA P-256, DN with emailAddress, SAN
    DNS:espnicd.espnic.example) and charon's (RSA, SAN DNS:strongswan.espnic.example), made
    by the openssl CLI for this run only. Charon's files go into its swanctl directories.
    key "rsa" or "ec" gives both certificates that key type (IKEv1 signs with one method for
    both sides: RSA, or ECDSA P-256)."""

    def __init__(self, lab, charon_dir, key=None):
        d = self.dir = lab.path("pki-" + key if key else "pki")
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

        ec = "ec:" + self._p256(d)
        self.ours = leaf("espnicd", "rsa:2048" if key == "rsa" else ec,
                         "/C=CH/O=espnic/CN=espnicd/emailAddress=espnicd@espnic.example",
                         "DNS:espnicd.espnic.example")
        theirs = leaf("strongswan", ec if key == "ec" else "rsa:2048",
                      "/C=CH/O=espnic/CN=strongswan", "DNS:strongswan.espnic.example")
        for sub in ("x509", "x509ca", "rsa", "ecdsa"):
            os.makedirs(os.path.join(charon_dir, sub), exist_ok=True)
            if os.path.exists(os.path.join(charon_dir, sub, "strongswan.key")):
                os.remove(os.path.join(charon_dir, sub, "strongswan.key"))  # an earlier Pki's
        shutil.copy(theirs[0], os.path.join(charon_dir, "x509", "strongswan.pem"))
        shutil.copy(self.ca, os.path.join(charon_dir, "x509ca", "ca.pem"))
        # PKCS#1 (SEC 1 for EC) for the pkcs1 and openssl plugins.
        run("openssl", "ec" if key == "ec" else "rsa", "-in", theirs[1], "-out",
            os.path.join(charon_dir, "ecdsa" if key == "ec" else "rsa", "strongswan.key"),
            *(() if key == "ec" else ("-traditional",)))

    @staticmethod
    def _p256(d):
        path = os.path.join(d, "p256.param")
        run("openssl", "ecparam", "-name", "prime256v1", "-out", path)
        return path


class Charon(SiteCharon):
    """The demo's charon with what the tests read back from it."""

    pki = None

    def ike_state(self):
        m = re.search(r"\bstate=(\w+)", self.list_sas())
        return m.group(1) if m else None

    def ike_spis(self):
        """(initiator SPI, responder SPI) of each IKE_SA charon has."""
        return re.findall(r"initiator-spi=([0-9a-f]+) responder-spi=([0-9a-f]+)",
                          self.list_sas())

    def ike_sa_counts(self):
        """(ESTABLISHED IKE_SAs, INSTALLED CHILD_SAs)."""
        out = self.swanctl("--list-sas", check=False).stdout
        return len(re.findall(r": #\d+, ESTABLISHED", out)), len(re.findall(r"INSTALLED", out))

    def key_pairs(self):
        """(initiator-to-responder, responder-to-initiator) key||salt hex strings of every
        CHILD_SA in charon's level-4 log (log_keys)."""
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


def lab_charon(lab, ike=IKE_PROPOSAL, esp=ESP_PROPOSAL, psk=PSK, dpd="0s", ike_rekey="4h",
               child_rekey="1h", certs=False, fragment_size=1280, version=2,
               aggressive=False):
    """charon in a Lab's right-hand namespace (198.18.0.2, 198.18.2.0/24) with connection
    "gw" to espnicd on the left (198.18.0.1, 198.18.1.0/24); level-4 logs (keys, for
    key_pairs). certs: a Pki (charon.pki), public key authentication with DNs."""
    pki = Pki(lab, lab.path("charon")) if certs else None
    conn = swanctl_connection(
        "gw", RIGHT, LEFT, RIGHT_NET, LEFT_NET, CHARON_DN if certs else RIGHT,
        ESPNICD_DN if certs else LEFT, ike=ike, esp=esp, auth="pubkey" if certs else "psk",
        certs="strongswan.pem" if certs else None, dpd=dpd, ike_rekey=ike_rekey,
        child_rekey=child_rekey, version=version, aggressive=aggressive)
    charon = Charon(lab, 1, swanctl_conf([conn], [swanctl_secret("gw", LEFT, RIGHT, psk)]),
                    log_keys=True, fragment_size=fragment_size)
    charon.pki = pki
    return charon


# charon refuses to answer aggressive mode with PSK (an offline attack on the PSK) unless
# told otherwise.
AGGRESSIVE_PSK = "i_dont_care_about_security_and_use_aggressive_mode_psk = yes"


def site_charon(sites, esp=ESP_PROPOSAL, child_rekey="1h", child_life="66m", psk=PSK,
                ike=IKE_PROPOSAL, version=2, aggressive=False, certs=None, remote_ts=NET_A):
    """charon in gw-b of the demo's sites (198.18.0.2, LAN B) with connection "gw" to gw-a
    (198.18.0.1, LAN A); level-4 logs. certs "rsa" or "ec": a Pki of that key type
    (charon.pki), public key authentication with DNs. remote_ts: espnicd's side as charon
    sees it (swanctl syntax, several comma separated)."""
    pki = Pki(sites, sites.path("charon"), key=certs) if certs else None
    conn = swanctl_connection("gw", GW_B, GW_A, NET_B, remote_ts, CHARON_DN if certs else GW_B,
                              ESPNICD_DN if certs else GW_A, ike=ike, esp=esp,
                              auth="pubkey" if certs else "psk",
                              certs="strongswan.pem" if certs else None,
                              child_rekey=child_rekey, child_life=child_life, version=version,
                              aggressive=aggressive)
    charon = Charon(sites, "gwb", swanctl_conf([conn], [swanctl_secret("gw", GW_A, GW_B, psk)]),
                    log_keys=True, options=AGGRESSIVE_PSK if aggressive else "")
    charon.pki = pki
    return charon
