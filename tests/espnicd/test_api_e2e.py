#!/usr/bin/python3
"""espnicd's session-management API and the `espnic` CLI end to end (ctest label
"integration", needs root): two espnicd with state directories in network namespaces (lab.py),
every object created, changed, listed and deleted through the CLI, every validation error
through CLI and API, HTTP status codes, secrets never in any answer, live changes that touch one
session only, disable/enable, and persistence across restarts (also after SIGKILL during writes).
"""
import argparse
import json
import os
import pty
import signal
import stat
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "demo"))
from lab import LEFT, RIGHT, Lab, run, wait_for  # noqa: E402
from sitelab import UnixHTTP  # noqa: E402

PSK = "e2e-Secret-Key-42"
PSK2 = "other-Secret-9999"
SEEN = []  # every answer of the daemon and every CLI output: no secret may appear in them
DAEMONS = []


class Daemon:
    def __init__(self, lab, binary, cli, side, listen=None, sock=None, extra=None):
        self.lab, self.binary, self.cli, self.side = lab, binary, cli, side
        name = "left" if side == 0 else "right"
        self.name = name
        self.state = lab.path(name + "-state")
        self.sock = sock or lab.path(name + ".sock")
        self.config = lab.path(name + ".json")
        self.log = name + ".log"
        with open(self.config, "w") as f:
            json.dump(dict({"listen": listen or (LEFT if side == 0 else RIGHT),
                            "log_level": "debug",
                            "dataplane": "record:" + lab.path(name + ".dp.jsonl")},
                           **(extra or {})), f)
        self.proc = None
        DAEMONS.append(self)
        self.start()

    def start(self):
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.proc = self.lab.spawn(self.side, [self.binary, "-c", self.config, "-S", self.state,
                                               "-a", self.sock], self.log)
        wait_for("API socket of " + self.name,
                 lambda: os.path.exists(self.sock) and self.api("GET", "/api")[0] == 200)

    def stop(self, sig=signal.SIGTERM):
        self.lab.stop(self.proc, sig)

    def api(self, method, path, body=None, ctype="application/json", raw=None):
        c = UnixHTTP(self.sock)
        headers = {}
        data = raw
        if body is not None:
            data = json.dumps(body)
        if data is not None:
            headers["Content-Type"] = ctype
        try:
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            text = r.read().decode()
        except OSError:
            return 0, None
        finally:
            c.close()
        SEEN.append(text)
        if r.getheader("Content-Type", "").startswith("application/json") and text:
            return r.status, json.loads(text)
        return r.status, text

    def espnic(self, *args, stdin=None, expect=0):
        p = subprocess.run([self.cli] + list(args) + ["--socket", self.sock], input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        SEEN.append(p.stdout)
        SEEN.append(p.stderr)
        if expect is not None and p.returncode != expect:
            raise AssertionError("espnic %s: exit %d, expected %d\n%s%s" % (
                " ".join(args), p.returncode, expect, p.stdout, p.stderr))
        return p

    def json(self, *args):
        return json.loads(self.espnic(*args, "--json").stdout)

    def status(self, session):
        code, st = self.api("GET", "/api/v1/ipsec/sessions/%s/status" % session)
        assert code == 200, (code, st)
        return st

    def up(self, session):
        st = self.status(session)
        return st if st["status"] == "UP" else None

    def finish(self):
        """Stops a running daemon: exit 0 and no sanitizer report (ASan/UBSan builds)."""
        if self.proc.poll() is None:
            rc = self.lab.stop(self.proc)
            text = self.log_text()
            assert rc == 0, "%s exited %d" % (self.name, rc)
            assert "Sanitizer" not in text and "runtime error" not in text, self.name

    def log_text(self):
        with open(self.lab.path(self.log)) as f:
            return f.read()


def psk_file(lab, name, secret):
    path = lab.path(name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return path


def setup_pair(lab, d, local, peer, local_net, remote_net, name="s1", secret=PSK, extra=()):
    d.espnic("endpoint", "add", "ep", "--address", local, expect=None)
    d.espnic("session", "add", name, "--endpoint", "ep", "--peer", peer, "--local-networks",
             local_net, "--remote-networks", remote_net, "--psk-file", "-", *extra, stdin=secret)


def assert_no_secrets(extra=()):
    for text in SEEN:
        for secret in (PSK, PSK2) + tuple(extra):
            assert secret not in (text or ""), "a secret appeared in an answer: %r" % text[:300]


def esp_keys(*daemons):
    """The ESP keys (hex, both cases, and with the salt) of every CHILD_SA the daemons
    installed, from their recording dataplanes (the only place they are written)."""
    keys = set()
    for d in daemons:
        with open(d.lab.path(d.name + ".dp.jsonl")) as f:
            for line in f:
                todo = [json.loads(line)]
                while todo:
                    o = todo.pop()
                    if isinstance(o, list):
                        todo.extend(o)
                    elif isinstance(o, dict):
                        todo.extend(o.values())
                        if o.get("key"):
                            for k in (o["key"], o["key"] + o.get("salt", "")):
                                keys.update((k.lower(), k.upper()))
    return keys


def assert_no_esp_keys(*daemons):
    """No ESP key in an answer, a CLI output or the daemons' (debug) logs."""
    keys = esp_keys(*daemons)
    assert keys, "no CHILD_SA installed: nothing to search for"
    assert_no_secrets(keys)
    for d in daemons:
        with open(d.lab.path(d.log)) as f:
            log = f.read()
        for k in keys:
            assert k not in log, "an ESP key appeared in %s's log" % d.name
    print("%d ESP keys searched for in %d answers and %d logs: none found"
          % (len(keys), len(SEEN), len(daemons)))


# ---- scenarios ----

def scenario_objects(lab, args):
    d = Daemon(lab, args.espnicd, args.espnic, 0)
    # endpoints
    d.espnic("endpoint", "add", "ep", "--address", LEFT, "--local-id", "gw.left.example",
             "--description", "left gateway", "--tag", "site=lab")
    ep = d.json("endpoint", "show", "ep")
    assert ep["local_address"] == LEFT and ep["local_id"] == "gw.left.example"
    assert ep["tags"] == [{"scope": "site", "tag": "lab"}]
    d.espnic("endpoint", "set", "ep", "--description", "changed")
    assert d.json("endpoint", "show", "ep")["description"] == "changed"
    assert "ep" in d.espnic("endpoint", "list").stdout
    # profiles of each kind, with the system defaults listed and read-only
    d.espnic("profile", "ike", "add", "ike1", "--encryption", "aes_gcm_256,aes_256", "--digest",
             "sha2_384", "--dh-groups", "group20,group31", "--lifetime", "28800")
    ike = d.json("profile", "ike", "show", "ike1")
    assert ike["encryption_algorithms"] == ["AES_GCM_256", "AES_256"]
    assert ike["dh_groups"] == ["GROUP20", "GROUP31"] and ike["sa_life_time"] == 28800
    d.espnic("profile", "ike", "set", "ike1", "--lifetime", "43200")
    assert d.json("profile", "ike", "show", "ike1")["sa_life_time"] == 43200
    # DF CLEAR needs a dataplane setting that does not exist yet: refused, not stored
    p = d.espnic("profile", "tunnel", "add", "tun1", "--df-policy", "clear", expect=3)
    assert "df_policy" in p.stderr, p.stderr
    d.espnic("profile", "tunnel", "add", "tun1", "--encryption", "AES_GCM_256", "--pfs", "no",
             "--df-policy", "copy", "--lifetime", "1800")
    tun = d.json("profile", "tunnel", "show", "tun1")
    assert tun["enable_perfect_forward_secrecy"] is False and tun["df_policy"] == "COPY"
    d.espnic("profile", "tunnel", "set", "tun1", "--encryption", "aes_128", "--digest",
             "sha2_256")
    assert d.json("profile", "tunnel", "show", "tun1")["digest_algorithms"] == ["SHA2_256"]
    d.espnic("profile", "dpd", "add", "dpd1", "--mode", "on-demand", "--interval", "10",
             "--retries", "3", "--action", "clear")
    dpd = d.json("profile", "dpd", "show", "dpd1")
    assert dpd["dpd_probe_mode"] == "ON_DEMAND" and dpd["retry_count"] == 3
    d.espnic("profile", "dpd", "set", "dpd1", "--enabled", "no")
    assert d.json("profile", "dpd", "show", "dpd1")["enabled"] is False
    for kind, default in (("ike", "espnic-default-ike-profile"),
                          ("tunnel", "espnic-default-tunnel-profile"),
                          ("dpd", "espnic-default-dpd-profile")):
        names = d.espnic("profile", kind, "list", "--names").stdout.split()
        # the default, ours, and (IKE and tunnel) the six compliance suites' own
        assert default in names and len(names) == (2 if kind == "dpd" else 8), names
        system = [p for p in d.json("profile", kind, "list")["results"] if p["system_owned"]]
        assert len(system) == len(names) - 1, system
        for p in system:
            d.espnic("profile", kind, "delete", p["name"], expect=3)
            d.espnic("profile", kind, "set", p["name"], "--description", "x", expect=3)
    # sessions
    setup_pair(lab, d, LEFT, RIGHT, "198.18.1.0/24", "198.18.2.0/24",
               extra=("--ike-profile", "ike1", "--tunnel-profile", "tun1", "--dpd-profile",
                      "dpd1", "--peer-id", "gw.right.example", "--description", "a session",
                      "--tag", "env=test", "--keying-tries", "3", "--rekey", "no",
                      "--margin-time", "60", "--unique-ids", "never", "--force-encap", "yes",
                      "--make-before-break", "yes", "--initiation", "respond-only"))
    s = d.json("session", "show", "s1")
    for key, value in (("ike_profile", "ike1"), ("tunnel_profile", "tun1"),
                       ("dpd_profile", "dpd1"), ("peer_id", "gw.right.example"),
                       ("keying_tries", 3), ("rekey", False), ("margin_time", 60),
                       ("unique_ids", "NEVER"), ("force_udp_encapsulation", True),
                       ("make_before_break", True), ("psk_configured", True),
                       ("connection_initiation_mode", "RESPOND_ONLY"), ("enabled", True)):
        assert s[key] == value, (key, s[key])
    assert "psk" not in s
    d.espnic("session", "set", "s1", "--remote-networks", "198.18.2.0/24,198.18.3.0/24",
             "--psk-file", psk_file(lab, "psk2", PSK2))
    assert d.json("session", "show", "s1")["remote_networks"] == ["198.18.2.0/24",
                                                                  "198.18.3.0/24"]
    listing = d.espnic("session", "list").stdout
    assert "s1" in listing and "198.18.3.0/24" in listing
    assert d.json("session", "list")["result_count"] == 1
    d.espnic("session", "disable", "s1")
    assert d.json("session", "show", "s1")["enabled"] is False
    assert d.status("s1")["reason"] == "session disabled"
    d.espnic("session", "enable", "s1")
    assert d.json("session", "show", "s1")["enabled"] is True
    st = d.espnic("session", "status", expect=None)
    assert "s1" in st.stdout
    d.espnic("session", "statistics", "s1")
    d.espnic("session", "status", "s1", expect=5)  # respond-only, nobody there: not up
    # the peer's configuration: the API never hands out the PSK (include_secret is refused,
    # saying why); the CLI fills in the caller's own PSK file, only into a 0600 file
    text = d.espnic("session", "peer-config", "s1").stdout
    assert "REPLACE-WITH-THE-PRE-SHARED-KEY" in text and "remote_addrs = " + LEFT in text
    assert "--psk-file" in text, text  # where the key is to come from
    code, body = d.api("GET", "/api/v1/ipsec/sessions/s1/peer-config?format=swanctl"
                       "&include_secret=true")
    assert code == 400 and "never hands out" in body["error_message"], (code, body)
    p = d.espnic("session", "peer-config", "s1", "--include-secret", expect=2)
    assert "--include-secret" in p.stderr and "--output" in p.stderr, p.stderr
    conf = lab.path("peer-s1.conf")
    d.espnic("session", "peer-config", "s1", "--psk-file", lab.path("psk2"), expect=2)
    d.espnic("session", "peer-config", "s1", "--psk-file", lab.path("psk2"), "--output", conf)
    assert os.stat(conf).st_mode & 0o777 == 0o600
    with open(conf) as f:
        assert 'secret = "%s"' % PSK2 in f.read()
    os.chmod(conf, 0o644)  # an existing file: rewritten with mode 0600
    d.espnic("session", "peer-config", "s1", "--psk-file", lab.path("psk2"), "--output", conf)
    assert os.stat(conf).st_mode & 0o777 == 0o600
    link = lab.path("peer-s1.link")
    os.symlink(lab.path("peer-s1.elsewhere"), link)  # never followed
    d.espnic("session", "peer-config", "s1", "--psk-file", lab.path("psk2"), "--output", link,
             expect=1)
    assert not os.path.exists(lab.path("peer-s1.elsewhere"))
    # the secrets file: mode 0600, the objects file holds no secret
    assert os.stat(os.path.join(d.state, "secrets.json")).st_mode & 0o777 == 0o600
    with open(os.path.join(d.state, "config.json")) as f:
        assert PSK2 not in f.read()
    # in use: 409; then delete everything
    d.espnic("profile", "ike", "delete", "ike1", expect=3)
    d.espnic("endpoint", "delete", "ep", expect=3)
    d.espnic("session", "delete", "s1")
    d.espnic("session", "show", "s1", expect=4)
    for kind, name in (("ike", "ike1"), ("tunnel", "tun1"), ("dpd", "dpd1")):
        d.espnic("profile", kind, "delete", name)
        d.espnic("profile", kind, "show", name, expect=4)
    d.espnic("endpoint", "delete", "ep")
    assert d.json("endpoint", "list")["result_count"] == 0
    with open(os.path.join(d.state, "secrets.json")) as f:
        assert json.load(f) == {"sessions": {}, "local_endpoints": {}, "bgp_passwords": {}}
    # help everywhere, usage errors
    for args_ in (["--help"], ["session", "--help"], ["session", "add", "--help"],
                  ["profile", "--help"], ["profile", "ike", "--help"],
                  ["profile", "tunnel", "list", "--help"], ["endpoint", "--help"]):
        subprocess.run([args.espnic] + args_, check=True, stdout=subprocess.PIPE)
    d.espnic("session", "frobnicate", expect=2)
    d.espnic("session", "add", "x", "--psk", "visible", expect=2)
    for bad, says in ((["session", "add", "x", "--bogus", "1"], "unknown option --bogus"),
                      (["session", "list", "--json=yes"], "--json takes no value"),
                      (["session", "add", "x", "--local", "198.18.5.0/24"], "ambiguous"),
                      (["endpoint", "add", "x", "--key", "k"], "--key is not accepted"),
                      (["session", "show", "a", "b"], "exactly one NAME"),
                      (["profile", "ike", "add", "p", "--lifetime", "soon"], "not a number")):
        assert says in d.espnic(*bad, expect=2).stderr, bad
    p = subprocess.run([args.espnic, "session", "add", "x", "--endpoint"],
                       stderr=subprocess.PIPE, text=True)
    assert p.returncode == 2 and "--endpoint needs a value" in p.stderr, p.stderr
    assert_no_secrets()


def scenario_errors(lab, args):
    d = Daemon(lab, args.espnicd, args.espnic, 0)
    setup_pair(lab, d, LEFT, RIGHT, "198.18.1.0/24", "198.18.2.0/24")

    def cli_error(field, *cmd, stdin=PSK2):
        p = d.espnic(*cmd, stdin=stdin, expect=None)
        assert p.returncode == 3, (cmd, p.returncode, p.stderr)
        assert "(field %s)" % field in p.stderr, (field, p.stderr)

    base = ["session", "add", "s2", "--endpoint", "ep", "--peer", "198.18.0.3", "--psk-file",
            "-"]
    cli_error("local_networks[0]", *base, "--local-networks", "198.18.5.1/24",
              "--remote-networks", "198.18.6.0/24")
    cli_error("remote_networks[0]", *base, "--local-networks", "198.18.5.0/24",
              "--remote-networks", "198.18.6.0/40")
    cli_error("local_networks", *base, "--local-networks", "", "--remote-networks",
              "198.18.6.0/24")
    cli_error("remote_networks", *base, "--local-networks", "198.18.5.0/24")
    cli_error("remote_networks", *base, "--local-networks", "198.18.1.0/25",
              "--remote-networks", "198.18.2.0/24")  # overlaps s1
    cli_error("psk", *base, "--local-networks", "198.18.5.0/24", "--remote-networks",
              "198.18.6.0/24", stdin="k" * 129)
    # shorter than 16 bytes: refused, saying why (one captured exchange suffices offline)
    p = d.espnic(*base, "--local-networks", "198.18.5.0/24", "--remote-networks",
                 "198.18.6.0/24", stdin="k" * 15, expect=3)
    assert "at least 16 bytes" in p.stderr and "offline" in p.stderr, p.stderr
    cli_error("ike_profile", *base, "--local-networks", "198.18.5.0/24", "--remote-networks",
              "198.18.6.0/24", "--ike-profile", "nope")
    cli_error("local_endpoint", "session", "add", "s2", "--endpoint", "nope", "--peer",
              "198.18.0.3", "--psk-file", "-", "--local-networks", "198.18.5.0/24",
              "--remote-networks", "198.18.6.0/24")
    cli_error("name", "session", "add", "s1", "--endpoint", "ep", "--peer", "198.18.0.3",
              "--psk-file", "-", "--local-networks", "198.18.5.0/24", "--remote-networks",
              "198.18.6.0/24")
    cli_error("peer_address", "session", "add", "s2", "--endpoint", "ep", "--peer", RIGHT,
              "--psk-file", "-", "--local-networks", "198.18.5.0/24", "--remote-networks",
              "198.18.6.0/24")  # one session per gateway pair
    cli_error("description", "session", "set", "s1", "--description", "d" * 1025)
    cli_error("authentication_mode", "session", "set", "s1", "--compliance-suite", "prime")
    cli_error("compliance_suite", "session", "set", "s1", "--compliance-suite", "suite-c")
    cli_error("name", "endpoint", "add", "ep", "--address", LEFT)
    cli_error("dh_groups[0]", "profile", "ike", "add", "i", "--dh-groups", "group2")
    cli_error("ike_version", "profile", "ike", "add", "i", "--ike-version", "ike_v3")
    cli_error("encryption_algorithms", "profile", "ike", "add", "i", "--ike-version", "ike_v1",
              "--encryption", "aes_gcm_128")
    # nothing half-applied: s1 unchanged, no s2
    assert d.json("session", "list")["result_count"] == 1
    assert d.json("session", "show", "s1")["description"] == ""
    # the API's status codes
    code, body = d.api("POST", "/api/v1/ipsec/sessions", raw="{not json")
    assert code == 400 and "not JSON" in body["error_message"]
    code, body = d.api("POST", "/api/v1/ipsec/sessions", raw="{}", ctype="text/plain")
    assert code == 415
    code, body = d.api("DELETE", "/api/v1/ipsec/sessions")
    assert code == 405
    code, body = d.api("POST", "/api/v1/ipsec/sessions/s1")
    assert code == 405
    code, body = d.api("GET", "/api/v1/ipsec/nothing")
    assert code == 404
    code, body = d.api("GET", "/api/v1/ipsec/sessions/ghost")
    assert code == 404
    code, body = d.api("PUT", "/api/v1/ipsec/sessions/s1", {"peer_address": RIGHT})
    assert code == 400 and body["field"] in ("local_endpoint", "local_networks"), body  # PUT replaces
    code, body = d.api("PATCH", "/api/v1/ipsec/sessions/s1", {"peer_address": "x"})
    assert code == 400 and body["field"] == "peer_address", body
    code, body = d.api("PATCH", "/api/v1/ipsec/sessions/s1", {"enabled": False})
    assert code == 200 and body["enabled"] is False
    # connect: refused for a disabled session, unknown names, other methods
    code, body = d.api("POST", "/api/v1/ipsec/sessions/s1/connect")
    assert code == 409 and "disabled" in body["error_message"], body
    assert d.api("GET", "/api/v1/ipsec/sessions/s1/connect")[0] == 405
    d.espnic("session", "connect", "ghost", expect=4)
    d.espnic("session", "connect", expect=2)
    # what the gateway will not do is refused by name, not as an unknown field
    for field, value, words in (("transform_protocol", "AH", "only ESP"),
                                ("ipcomp", True, "not supported")):
        code, body = d.api("POST", "/api/v1/ipsec/tunnel-profiles", {"name": "t", field: value})
        assert code == 400 and body["field"] == field and words in body["error_message"], body
    code, body = d.api("POST", "/api/v1/ipsec/tunnel-profiles",
                       {"name": "t", "transform_protocol": "esp", "ipcomp": False})
    assert code == 201 and body["transform_protocol"] == "ESP", body
    assert d.api("DELETE", "/api/v1/ipsec/tunnel-profiles/t")[0] == 204
    code, body = d.api("PUT", "/api/v1/ipsec/dpd-profiles/d1", {"retry_count": 5})
    assert code == 201
    code, body = d.api("PUT", "/api/v1/ipsec/dpd-profiles/d1", {"retry_count": 6})
    assert code == 200 and body["retry_count"] == 6 and body["dpd_probe_interval"] == 60
    code, body = d.api("DELETE", "/api/v1/ipsec/dpd-profiles/d1")
    assert code == 204
    code, body = d.api("PATCH", "/api/v1/ipsec/dpd-profiles/espnic-default-dpd-profile",
                       {"retry_count": 5})
    assert code == 403
    code, body = d.api("POST", "/api/v1/ipsec/sessions", raw="x" * 70000)
    assert code == 413
    code, body = d.api("GET", "/api/v1/ipsec/sessions/s1/peer-config?format=ipsec.conf")
    assert code == 400 and body["field"] == "format"
    for path in ("/api/v1/ipsec/sessions", "/api/v1/ipsec/sessions/s1",
                 "/api/v1/ipsec/sessions/s1/status", "/api/v1/ipsec/status",
                 "/api/v1/ipsec/statistics", "/api/v1/ipsec/sessions/s1/peer-config"):
        code, _ = d.api("GET", path)
        assert code == 200, path
    # hostile input: odd bodies and paths never crash espnicd or change s1 behind our back
    before = d.api("GET", "/api/v1/ipsec/sessions/s1")[1]
    bodies = ["[]", "null", "1", '"x"', '{"name": 5}', '{"tags": "x"}', '{"tags": [1]}',
              '{"local_networks": null}', '{"local_networks": [null]}', '{"psk": 7}',
              '{"enabled": null}', '{"a": {"b": {"c": []}}}', '{"psk": "\\u0000x"}',
              '{"description": "\\u0001"}', "{" * 5000, '{"name": "' + "n" * 5000 + '"}',
              '{"keying_tries": 1e99}', '{"margin_time": -5}', '{"peer_id": ""}',
              '{"local_networks": ["' + "1" * 100 + '"]}']
    paths = ["/api/v1/ipsec/sessions", "/api/v1/ipsec/sessions/s1",
             "/api/v1/ipsec/sessions/%2e%2e", "/api/v1/ipsec/sessions/" + "x" * 600,
             "/api/v1/ipsec/sessions/s1/status/extra", "/api/v1/ipsec//sessions",
             "/api/v1/ipsec/tunnel-profiles/t", "/api/v2/ipsec/sessions"]
    for path in paths:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            if method == "DELETE" and path.endswith("/s1"):
                continue
            for body in bodies[:3] if method in ("GET", "DELETE", "HEAD") else bodies:
                code, _ = d.api(method, path, raw=body)
                assert 200 <= code < 500, (method, path, body[:40], code)
    assert d.proc.poll() is None, "espnicd died"
    after = d.api("GET", "/api/v1/ipsec/sessions/s1")[1]
    for key in ("peer_address", "local_networks", "remote_networks", "psk_configured"):
        assert after[key] == before[key], key
    # psk generate: a 0600 file of letters and digits, never printed; bad lengths refused
    key = lab.path("generated.psk")
    p = subprocess.run([args.espnic, "psk", "generate", key, "--length", "40"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=True)
    with open(key) as f:
        generated = f.read()
    assert len(generated) == 41 and generated[:40].isalnum() and generated[40] == "\n"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert generated[:40] not in p.stdout + p.stderr
    d.espnic("session", "set", "s1", "--psk-file", key)  # espnicd takes it
    for bad in (["--length", "15"], ["--length", "129"], ["--length", "x"], []):
        p = subprocess.run([args.espnic, "psk", "generate"] + bad, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        assert p.returncode == 2 and "espnic:" in p.stderr, (bad, p.returncode, p.stderr)
    for prog, name in ((args.espnic, "espnic"), (args.espnicd, "espnicd")):
        p = subprocess.run([prog, "--version"], stdout=subprocess.PIPE, text=True, check=True)
        assert p.stdout.startswith(name + " ") and p.stdout.split()[1][0].isdigit(), p.stdout
    p = subprocess.run([args.espnicd, "--help"], stdout=subprocess.PIPE, text=True, check=True)
    assert "usage: espnicd" in p.stdout
    # espnicd down (it must stop cleanly after all that): exit code 1
    d.finish()
    p = d.espnic("session", "list", expect=1)
    assert "cannot reach espnicd" in p.stderr
    assert_no_secrets()


LEFT2 = "198.18.0.11"  # a second address of the left gateway (a second session)
LEFT3 = "198.18.0.12"  # a third (a session that neither side initiates)
LEFT4 = "198.18.0.13"  # a fourth (an ON_DEMAND session that sees no traffic)


def scenario_bgp(lab, args):
    """A route-based session's tunnel interface, static routes and BGP through the CLI: every
    option reaching the API (read back with GET), set keeping the BGP options not given, the
    BGP password only from a file of mode 0600 or standard input (a file others may read is
    refused, the password never in an answer, an error, the CLI's output or the log), show and
    status with the BGP fields, bad arguments (exit 2 naming the option)."""
    d = Daemon(lab, args.espnicd, args.espnic, 0)
    d.espnic("endpoint", "add", "ep", "--address", LEFT)
    pw, pw2, bad_pw = "bgp-Md5-Secret-77", "bgp-Other-Secret-88", "bgp Spaced Secret 99"
    secrets = (pw, pw2, bad_pw)
    pw_file = psk_file(lab, "bgp.pw", pw)  # mode 0600
    routes, lans = ["198.18.20.0/24", "198.18.21.0/24"], ["198.18.1.0/24", "198.18.3.0/24"]
    base = ["--type", "RouteBasedIPSecVpnSession", "--endpoint", "ep", "--peer", RIGHT,
            "--psk-file", "-"]
    d.espnic("session", "add", "r1", *base, "--vlan", "10", "--tunnel-interface",
             "169.254.10.1/30", "--tunnel-interface-name", "vti10", "--static-routes",
             ",".join(routes), "--bgp-local-as", "65001", "--bgp-peer-as", "65002",
             "--bgp-keepalive", "3", "--bgp-hold-time", "9", "--bgp-bfd", "yes",
             "--bgp-announce", ",".join(lans), "--bgp-password-file", pw_file, stdin=PSK)
    s = d.json("session", "show", "r1")
    assert s["resource_type"] == "RouteBasedIPSecVpnSession" and s["vlan"] == 10, s
    assert s["tunnel_interface"] == "169.254.10.1/30" and s["tunnel_interface_name"] == "vti10"
    assert s["static_routes"] == routes, s
    assert s["bgp"] == {"local_asn": 65001, "peer_asn": 65002, "keepalive_time": 3,
                        "hold_down_time": 9, "bfd": True, "announce": lans,
                        "password_configured": True}, s["bgp"]

    def stored_password():
        with open(os.path.join(d.state, "secrets.json")) as f:
            return json.load(f)["bgp_passwords"].get("r1")

    assert stored_password() == pw
    # show: the bgp object's fields one a line, whether a password is configured, never it
    out = d.espnic("session", "show", "r1").stdout
    for line in ("bgp.local_asn", "bgp.peer_asn", "bgp.announce", "bgp.bfd"):
        assert line in out, out
    assert any(ln.split() == ["bgp.password_configured", "yes"] for ln in out.splitlines()), out
    assert "198.18.1.0/24,198.18.3.0/24" in out, out
    # set: the options given change, the other BGP options and the password stay
    d.espnic("session", "set", "r1", "--bgp-keepalive", "5")
    b = d.json("session", "show", "r1")["bgp"]
    assert b == {"local_asn": 65001, "peer_asn": 65002, "keepalive_time": 5,
                 "hold_down_time": 9, "bfd": True, "announce": lans,
                 "password_configured": True}, b
    assert stored_password() == pw
    d.espnic("session", "set", "r1", "--bgp-remote-as", "65003", "--bgp-bfd", "no",
             "--bgp-announce", "198.18.4.0/24", "--bgp-hold-time", "30", "--static-routes", "",
             "--vlan", "11", "--tunnel-interface", "169.254.11.1/30")
    s = d.json("session", "show", "r1")
    assert s["bgp"]["peer_asn"] == 65003 and s["bgp"]["bfd"] is False, s
    assert s["bgp"]["announce"] == ["198.18.4.0/24"] and s["bgp"]["hold_down_time"] == 30, s
    assert s["bgp"]["keepalive_time"] == 5 and s["bgp"]["local_asn"] == 65001, s
    assert s["static_routes"] == [] and s["vlan"] == 11, s
    assert s["tunnel_interface"] == "169.254.11.1/30" and stored_password() == pw
    d.espnic("session", "set", "r1", "--bgp-announce", "")
    assert d.json("session", "show", "r1")["bgp"]["announce"] == []
    # the password from standard input, then removed
    d.espnic("session", "set", "r1", "--bgp-password-file", "-", stdin=pw2 + "\n")
    assert stored_password() == pw2
    d.espnic("session", "set", "r1", "--no-bgp-password")
    assert stored_password() is None
    assert d.json("session", "show", "r1")["bgp"]["password_configured"] is False
    d.espnic("session", "set", "r1", "--bgp-password-file", pw_file)
    assert stored_password() == pw
    # status: the tunnel interface and the neighbour (FRR is not running here: its state is
    # whatever espnicd reports, the fields are there); exit 5, the session is not up
    st = json.loads(d.espnic("session", "status", "r1", "--json", expect=5).stdout)
    nb = st["tunnel_interface"]["bgp"]
    assert nb["neighbor"] == "169.254.11.2" and nb["peer_asn"] == 65003, nb
    out = d.espnic("session", "status", "r1", expect=5).stdout
    assert "tunnel interface vti10 169.254.11.1/30 VLAN 11" in out, out
    assert ("BGP neighbor 169.254.11.2 AS 65003 (local AS 65001): %s, %d prefixes received"
            % (nb["state"], nb["prefixes_received"])) in out, out
    out = d.espnic("session", "status").stdout
    assert "BGP 169.254.11.2 AS 65003 %s" % nb["state"] in out, out
    # bad arguments: exit 2, the option named, nothing changed
    before = d.json("session", "show", "r1")
    os.chmod(pw_file, 0o644)
    p = d.espnic("session", "set", "r1", "--bgp-password-file", pw_file, expect=2)
    assert "--bgp-password-file %s: mode 0644" % pw_file in p.stderr, p.stderr
    os.chmod(pw_file, 0o640)
    p = d.espnic("session", "set", "r1", "--bgp-password-file", pw_file, expect=2)
    assert "mode 0640" in p.stderr and "chmod 600" in p.stderr, p.stderr
    os.chmod(pw_file, 0o600)
    # a PSK file others may read: refused the same way (one reader for both secrets)
    loose = psk_file(lab, "psk.loose", PSK2)
    os.chmod(loose, 0o604)
    p = d.espnic("session", "set", "r1", "--psk-file", loose, expect=2)
    assert "--psk-file %s: mode 0604" % loose in p.stderr and PSK2 not in p.stderr, p.stderr
    empty = psk_file(lab, "bgp.empty", "")
    dirname = lab.path("bgp.dir")
    os.mkdir(dirname, 0o700)
    for bad, says in (
            (["--bgp-password", pw], "--bgp-password is not accepted"),
            (["--bgp-pass", pw], "--bgp-pass is ambiguous"),
            (["--bgp-password-file", lab.path("nonexistent")], "--bgp-password-file"),
            (["--bgp-password-file", empty], "--bgp-password-file %s: empty" % empty),
            (["--bgp-password-file", dirname], "a directory"),
            (["--bgp-local-as", "AS65001"], "--bgp-local-as: not a number"),
            (["--bgp-peer-as", ""], "--bgp-peer-as: not a number"),
            (["--bgp-keepalive", "3s"], "--bgp-keepalive: not a number"),
            (["--bgp-hold-time", "x"], "--bgp-hold-time: not a number"),
            (["--bgp-bfd", "maybe"], "--bgp-bfd: yes or no"),
            (["--no-bgp", "--bgp-local-as", "1"], "--no-bgp removes"),
            (["--no-bgp", "--bgp-password-file", pw_file], "--no-bgp removes"),
            (["--no-bgp=yes"], "--no-bgp takes no value"),
            (["--bgp-password-file", pw_file, "--no-bgp-password"], "give one of them"),
            (["--vlan", "ten"], "--vlan: not a number")):
        p = d.espnic("session", "set", "r1", *bad, expect=2)
        assert says in p.stderr, (bad, p.stderr)
    # standard input a terminal: refused (it would echo the password)
    master, slave = pty.openpty()
    try:
        p = subprocess.run([args.espnic, "session", "set", "r1", "--bgp-password-file", "-",
                            "--socket", d.sock], stdin=slave, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(slave)
        os.close(master)
    assert p.returncode == 2 and "standard input is a terminal" in p.stderr, p.stderr
    p = subprocess.run([args.espnic, "session", "set", "r1", "--bgp-password-file"],
                       stderr=subprocess.PIPE, text=True)
    assert p.returncode == 2 and "--bgp-password-file needs a value" in p.stderr, p.stderr
    for cmd in (["show", "r1", "--no-bgp"], ["status", "r1", "--bgp-password-file", pw_file]):
        p = d.espnic("session", *cmd, expect=2)
        assert "only with add or set" in p.stderr, p.stderr
    p = d.espnic("session", "show", "r1", "--bgp-local-as", "1", expect=2)
    assert "unknown option --bgp-local-as" in p.stderr, p.stderr
    assert d.json("session", "show", "r1") == before and stored_password() == pw
    # refused by espnicd (exit 3, the field named): out of range, incomplete, a bad password
    # (not echoed)
    for bad, field in ((["--bgp-hold-time", "1"], "bgp.hold_down_time"),
                       (["--bgp-keepalive", "0"], "bgp.keepalive_time"),
                       (["--bgp-local-as", "0"], "bgp.local_asn"),
                       (["--bgp-announce", "198.18.4.1/24"], "bgp.announce[0]"),
                       (["--static-routes", "198.18.9.0/40"], "static_routes[0]")):
        p = d.espnic("session", "set", "r1", *bad, expect=3)
        assert "(field %s)" % field in p.stderr, (bad, p.stderr)
    p = d.espnic("session", "set", "r1", "--bgp-password-file", "-", stdin=bad_pw, expect=3)
    assert "(field bgp.password)" in p.stderr, p.stderr
    assert stored_password() == pw
    p = d.espnic("session", "add", "r2", *base, "--vlan", "12", "--tunnel-interface",
                 "169.254.12.1/30", "--bgp-keepalive", "5", stdin=PSK, expect=3)
    assert "local_asn and peer_asn" in p.stderr, p.stderr
    # one BGP router: another session's local AS is refused
    p = d.espnic("session", "add", "r2", *base, "--vlan", "12", "--tunnel-interface",
                 "169.254.12.1/30", "--bgp-local-as", "65009", "--bgp-peer-as", "65010",
                 stdin=PSK, expect=3)
    assert "(field bgp.local_asn)" in p.stderr, p.stderr
    # --no-bgp: the session has no BGP, and so no password
    d.espnic("session", "set", "r1", "--no-bgp")
    s = d.json("session", "show", "r1")
    assert "bgp" not in s and stored_password() is None, s
    assert s["psk_configured"] is True and s["vlan"] == 11 and s["tunnel_interface_name"] == "vti10"
    p = d.espnic("session", "add", "r3", *base, "--no-bgp", stdin=PSK, expect=2)
    assert "--no-bgp: only with set" in p.stderr, p.stderr
    st = json.loads(d.espnic("session", "status", "r1", "--json", expect=5).stdout)
    assert "bgp" not in st["tunnel_interface"], st
    # the password never left the secrets file: no answer, no CLI output, no log, no config
    with open(os.path.join(d.state, "config.json")) as f:
        assert not any(x in f.read() for x in secrets)
    assert not any(x in d.log_text() for x in secrets)
    assert_no_secrets(secrets)


def two_daemons(lab, args):
    run("ip", "-n", lab.ns[0], "addr", "add", LEFT2 + "/32", "dev", "lo")
    left = Daemon(lab, args.espnicd, args.espnic, 0, listen="0.0.0.0")
    right = Daemon(lab, args.espnicd, args.espnic, 1)
    setup_pair(lab, right, RIGHT, LEFT, "198.18.2.0/24", "198.18.1.0/24",
               extra=("--initiation", "respond-only"))
    setup_pair(lab, left, LEFT, RIGHT, "198.18.1.0/24", "198.18.2.0/24")
    return left, right


def tunnel_spis(st):
    return sorted(t["spi_in"] for t in st["tunnels"] if t["state"] == "INSTALLED")


def scenario_live(lab, args):
    left, right = two_daemons(lab, args)
    st = wait_for("s1 up on the left", lambda: left.up("s1"))
    wait_for("s1 up on the right", lambda: right.up("s1"))
    t = st["tunnels"][0]
    assert t["encryption_algorithm"] == "AES_GCM_128" and t["dh_group"] in ("GROUP14", "NONE")
    assert st["ike_sa"]["encryption_algorithm"] == "AES_128"
    assert "established_at" in t and "counters" in t
    first = tunnel_spis(st)
    # a second session between the same gateways: s1 stays as it is
    setup_pair(lab, right, RIGHT, LEFT2, "198.18.2.0/24", "198.18.11.0/24", name="s2",
               secret=PSK2, extra=("--initiation", "respond-only"))
    left.espnic("endpoint", "add", "ep2", "--address", LEFT2)
    left.espnic("session", "add", "s2", "--endpoint", "ep2", "--peer", RIGHT,
                "--local-networks", "198.18.11.0/24", "--remote-networks", "198.18.2.0/24",
                "--psk-file", "-", stdin=PSK2)
    wait_for("s2 up", lambda: left.up("s2") and right.up("s2"))
    assert tunnel_spis(left.status("s1")) == first
    # change s2 (its tunnel profile, on both sides): s2 is re-established, s1 untouched
    s2_before = tunnel_spis(left.status("s2"))
    for d in (left, right):
        d.espnic("profile", "tunnel", "add", "t256", "--encryption", "aes_gcm_256")
        d.espnic("session", "set", "s2", "--tunnel-profile", "t256")
    st2 = wait_for("s2 re-established with AES-GCM-256",
                   lambda: (lambda s: s if s and s["tunnels"][0]["encryption_algorithm"]
                            == "AES_GCM_256" else None)(left.up("s2")))
    assert tunnel_spis(st2) != s2_before
    assert tunnel_spis(left.status("s1")) == first, "s1 was touched by a change of s2"
    # disable s1: its tunnels go down on both sides, s2 stays
    s2_now = tunnel_spis(left.status("s2"))
    left.espnic("session", "disable", "s1")
    wait_for("s1 down", lambda: left.status("s1")["status"] == "DOWN"
             and right.status("s1")["status"] != "UP")
    assert left.status("s1")["reason"] == "session disabled"
    assert tunnel_spis(left.status("s2")) == s2_now
    left.espnic("session", "enable", "s1")
    wait_for("s1 up again", lambda: left.up("s1") and right.up("s1"))
    assert tunnel_spis(left.status("s2")) == s2_now
    # a wrong PSK on our side: down with the reason
    left.espnic("session", "set", "s1", "--psk-file", "-", stdin="wrong-key-wrong-key")
    wait_for("authentication failed reported",
             lambda: left.status("s1").get("reason") == "authentication failed")
    left.espnic("session", "set", "s1", "--psk-file", "-", stdin=PSK)
    wait_for("s1 up with the right key", lambda: left.up("s1"))
    # no IKE proposal in common
    left.espnic("profile", "ike", "add", "nomatch", "--encryption", "aes_256", "--digest",
                "sha2_512", "--dh-groups", "group21")
    left.espnic("session", "set", "s2", "--ike-profile", "nomatch")
    wait_for("no proposal chosen reported",
             lambda: left.status("s2").get("reason") == "no proposal chosen")
    # keying_tries: one failed attempt and the supervisor gives up, saying so
    left.espnic("session", "set", "s2", "--keying-tries", "1")
    st = wait_for("keying_tries given up", lambda: (lambda st: st if st.get("reason", "")
                  .startswith("given up") else None)(left.status("s2")), timeout=60)
    # (failures in a row: those before the change count too)
    assert st["reason"] == "given up after %d attempts (keying_tries)" % st["failures"], st
    assert st["failures"] >= 1 and st["status"] == "DOWN", st
    wait_for("the give-up logged", lambda: "session s2: given up after" in left.log_text())
    assert left.up("s1")
    assert left.status("s1")["failures"] == 0
    # ON_DEMAND without traffic: down, waiting for the first packet
    run("ip", "-n", lab.ns[0], "addr", "add", LEFT4 + "/32", "dev", "lo")
    left.espnic("endpoint", "add", "ep4", "--address", LEFT4)
    left.espnic("session", "add", "s4", "--endpoint", "ep4", "--peer", RIGHT,
                "--local-networks", "198.18.13.0/24", "--remote-networks", "198.18.3.0/24",
                "--initiation", "on-demand", "--psk-file", "-", stdin=PSK2)
    st = left.status("s4")
    assert st["status"] == "DOWN" and st["reason"] == (
        "waiting for traffic (ON_DEMAND: the first packet initiates)"), st
    left.espnic("session", "delete", "s4")
    # connect: a session that neither side initiates comes up when one side is asked to
    run("ip", "-n", lab.ns[0], "addr", "add", LEFT3 + "/32", "dev", "lo")
    setup_pair(lab, right, RIGHT, LEFT3, "198.18.2.0/24", "198.18.12.0/24", name="s3",
               secret=PSK2, extra=("--initiation", "respond-only"))
    left.espnic("endpoint", "add", "ep3", "--address", LEFT3)
    left.espnic("session", "add", "s3", "--endpoint", "ep3", "--peer", RIGHT,
                "--local-networks", "198.18.12.0/24", "--remote-networks", "198.18.2.0/24",
                "--initiation", "respond-only", "--psk-file", "-", stdin=PSK2)
    assert left.status("s3")["reason"] == "waiting for the peer to initiate"
    assert "initiating" in right.espnic("session", "connect", "s3").stdout
    st3 = wait_for("s3 up after connect", lambda: left.up("s3") and right.up("s3"))
    assert st3["ike_sa"]["initiator"] is True  # right's status: right initiated
    assert "nothing to do" in right.espnic("session", "connect", "s3").stdout
    assert tunnel_spis(right.status("s3")) == tunnel_spis(st3)
    # Status and lists of both daemons, with their tunnels up, into the answers searched.
    for d in (left, right):
        for path in ("sessions", "sessions/s1", "sessions/s1/status", "sessions/s2/status",
                     "sessions/s1/statistics", "status", "statistics"):
            d.api("GET", "/api/v1/ipsec/" + path)
        d.espnic("session", "status")
        d.espnic("session", "status", "s1", "--json")
    assert_no_esp_keys(left, right)


def scenario_restart(lab, args):
    left, right = two_daemons(lab, args)
    wait_for("s1 up", lambda: left.up("s1") and right.up("s1"))
    before = left.json("session", "show", "s1")
    # SIGHUP re-reads the configuration file: the sessions stay, their SAs untouched
    spis = tunnel_spis(left.status("s1"))
    reloads = left.log_text().count("configuration reloaded")
    left.proc.send_signal(signal.SIGHUP)
    wait_for("reload logged",
             lambda: left.log_text().count("configuration reloaded") > reloads)
    assert tunnel_spis(left.status("s1")) == spis and left.up("s1")
    # restart the initiator: the session comes back as configured and up again
    left.stop()
    left.start()
    after = left.json("session", "show", "s1")
    assert before == after, (before, after)
    wait_for("s1 up after the left restart", lambda: left.up("s1") and right.up("s1"))
    # restart the responder: the initiator notices and comes back up
    right.stop()
    right.start()
    assert right.json("session", "list")["result_count"] == 1
    wait_for("s1 up after the right restart", lambda: left.up("s1") and right.up("s1"),
             timeout=60)
    # SIGKILL while the state is being written: what is left loads, nothing is torn
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            left.api("PATCH", "/api/v1/ipsec/sessions/s1", {"description": "write %d" % i})
            i += 1

    th = threading.Thread(target=writer)
    th.start()
    wait_for("some writes", lambda: "write 5" in json.dumps(
        left.api("GET", "/api/v1/ipsec/sessions/s1")[1]))
    left.stop(signal.SIGKILL)
    stop.set()
    th.join()
    for name in ("config.json", "secrets.json"):
        with open(os.path.join(left.state, name)) as f:
            json.load(f)
    left.start()
    s = left.json("session", "show", "s1")
    assert s["description"].startswith("write ") and s["psk_configured"]
    wait_for("s1 up after SIGKILL", lambda: left.up("s1") and right.up("s1"), timeout=60)
    assert_no_secrets()


# ---- certificates ----

LEFT_DN = "C=CH, O=espnic, CN=left gateway"
RIGHT_FQDN = "right.espnic.example"


def make_pki(lab):
    """A CA, the left gateway's certificate (ECDSA P-256, DN only) and the right one's (RSA,
    SAN DNS:right.espnic.example), and a stray key, made by the openssl CLI for this run."""
    d = lab.path("pki")
    os.makedirs(d)
    f = {n: os.path.join(d, n) for n in ("ca.pem", "ca.key", "left.pem", "left.key",
                                          "right.pem", "right.key", "stray.key")}
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", f["ca.key"], "-out", f["ca.pem"], "-days", "2", "-subj",
        "/C=CH/O=espnic/CN=espnic e2e CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    for name, newkey, subj, san in (
            ("left", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
             "/C=CH/O=espnic/CN=left gateway", None),
            ("right", ["-newkey", "rsa:2048"], "/C=CH/O=espnic/CN=right gateway",
             "DNS:" + RIGHT_FQDN)):
        csr, ext = os.path.join(d, name + ".csr"), os.path.join(d, name + ".ext")
        with open(ext, "w") as fh:
            fh.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n")
            if san:
                fh.write("subjectAltName=%s\n" % san)
        run("openssl", "req", "-new", *newkey, "-nodes", "-keyout", f[name + ".key"], "-out",
            csr, "-subj", subj)
        run("openssl", "x509", "-req", "-in", csr, "-CA", f["ca.pem"], "-CAkey", f["ca.key"],
            "-CAcreateserial", "-out", f[name + ".pem"], "-days", "2", "-extfile", ext)
    run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-out", f["stray.key"])
    for k in ("ca.key", "left.key", "right.key", "stray.key"):
        os.chmod(f[k], 0o600)
    return f


def key_body(path):
    """A line from the middle of a PEM private key: must never appear in an answer."""
    with open(path) as fh:
        lines = [ln for ln in fh.read().splitlines() if ln and not ln.startswith("-----")]
    return lines[len(lines) // 2]


def scenario_certs(lab, args):
    pki = make_pki(lab)
    secrets = [key_body(pki["left.key"]), key_body(pki["right.key"])]
    left = Daemon(lab, args.espnicd, args.espnic, 0)
    right = Daemon(lab, args.espnicd, args.espnic, 1)
    with open(pki["left.key"]) as fh:
        left_key = fh.read()
    with open(pki["right.key"]) as fh:
        right_key = fh.read()
    # validation through the CLI: each error names its field, nothing is stored
    p = left.espnic("endpoint", "add", "ep", "--address", LEFT, "--cert-file", pki["left.pem"],
                    "--key-file", pki["stray.key"], expect=3)
    assert "private_key" in p.stderr, p.stderr
    p = left.espnic("endpoint", "add", "ep", "--address", LEFT, "--cert-file", pki["ca.key"],
                    "--key-file", "-", stdin=left_key, expect=3)
    assert "certificate" in p.stderr, p.stderr
    left.espnic("endpoint", "add", "ep", "--address", LEFT, "--private-key", "x", expect=2)
    assert left.api("GET", "/api/v1/ipsec/local-endpoints/ep")[0] == 404
    # the endpoints: certificate from a file, the key from standard input and from a file
    left.espnic("endpoint", "add", "ep", "--address", LEFT, "--cert-file", pki["left.pem"],
                "--key-file", "-", stdin=left_key)
    right.espnic("endpoint", "add", "ep", "--address", RIGHT, "--cert-file", pki["right.pem"],
                 "--key-file", pki["right.key"])
    ep = left.json("endpoint", "show", "ep")
    assert ep["private_key_configured"] is True and "private_key" not in ep
    assert "BEGIN CERTIFICATE" in ep["certificate"]
    common = ["--auth-mode", "certificate", "--ca-file", pki["ca.pem"]]
    p = left.espnic("session", "add", "s1", "--endpoint", "ep", "--peer", RIGHT,
                    "--local-networks", "198.18.1.0/24", "--remote-networks", "198.18.2.0/24",
                    "--local-id", "dn:C=CH, O=espnic, CN=somebody else",
                    "--remote-id", "fqdn:" + RIGHT_FQDN, *common, expect=3)
    assert "local_id" in p.stderr, p.stderr
    p = left.espnic("session", "add", "s1", "--endpoint", "ep", "--peer", RIGHT,
                    "--local-networks", "198.18.1.0/24", "--remote-networks", "198.18.2.0/24",
                    "--auth-mode", "certificate", expect=3)
    assert "trusted_ca" in p.stderr, p.stderr
    right.espnic("session", "add", "s1", "--endpoint", "ep", "--peer", LEFT,
                 "--local-networks", "198.18.2.0/24", "--remote-networks", "198.18.1.0/24",
                 "--local-id", "fqdn:" + RIGHT_FQDN, "--remote-id", "dn:" + LEFT_DN,
                 "--initiation", "respond-only", *common)
    left.espnic("session", "add", "s1", "--endpoint", "ep", "--peer", RIGHT,
                "--local-networks", "198.18.1.0/24", "--remote-networks", "198.18.2.0/24",
                "--local-id", LEFT_DN, "--remote-id", "fqdn:" + RIGHT_FQDN, *common)
    s = left.json("session", "show", "s1")
    assert s["local_id"] == "dn:" + LEFT_DN and s["authentication_mode"] == "CERTIFICATE"
    # --crl-file reaches trusted_crl, which takes PEM CRLs only
    bad_crl = lab.path("bad.crl")
    with open(bad_crl, "w") as fh:
        fh.write("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")
    p = left.espnic("session", "set", "s1", "--crl-file", bad_crl, expect=3)
    assert "trusted_crl" in p.stderr, p.stderr
    assert s["psk_configured"] is False
    st = wait_for("certificate session up on the left", lambda: left.up("s1"))
    wait_for("certificate session up on the right", lambda: right.up("s1"))
    assert "peer authenticated with its certificate" in left.log_text()
    assert "peer authenticated with its certificate" in right.log_text()
    # status: per tunnel counters (zero with the recording dataplane), stable JSON
    assert st["tunnels"][0]["counters"]["packets_in"] == 0
    table = left.espnic("session", "status").stdout
    assert "PKTS-IN" in table and st["tunnels"][0]["spi_in"] in table, table
    # the private key: only in secrets.json (mode 0600), never in config.json or an answer
    for d, body in ((left, secrets[0]), (right, secrets[1])):
        sec = os.path.join(d.state, "secrets.json")
        assert os.stat(sec).st_mode & 0o777 == 0o600
        with open(sec) as fh:
            assert body in fh.read()
        with open(os.path.join(d.state, "config.json")) as fh:
            assert body not in fh.read()
        for path in ("/api/v1/ipsec/local-endpoints", "/api/v1/ipsec/local-endpoints/ep",
                     "/api/v1/ipsec/sessions/s1", "/api/v1/ipsec/status",
                     "/api/v1/ipsec/sessions/s1/peer-config?format=swanctl"):
            assert d.api("GET", path)[0] == 200
        d.espnic("session", "peer-config", "s1")
        d.espnic("endpoint", "list")
        d.espnic("endpoint", "show", "ep", "--json")
    # an unchanged certificate session is not re-established by an unrelated change
    spis = tunnel_spis(left.status("s1"))
    left.espnic("endpoint", "set", "ep", "--description", "renamed")
    assert tunnel_spis(left.status("s1")) == spis
    # a restart loads the key from the state directory: the session comes back
    left.stop()
    left.start()
    wait_for("certificate session up again after a restart", lambda: left.up("s1"))
    for text in SEEN:
        for body in secrets:
            assert body not in (text or ""), "a private key appeared in an answer"
    assert_no_secrets()


def as_user(uid, gid, groups=()):
    """preexec_fn: the child runs as uid/gid with the supplementary groups given."""
    def switch():
        os.setgroups(list(groups))
        os.setgid(gid)
        os.setuid(uid)
    return switch


def api_as(d, uid, gid, groups=()):
    """GET /api through the CLI as another user: (exit code, stderr)."""
    p = subprocess.run([d.cli, "endpoint", "list", "--socket", d.sock], text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       preexec_fn=as_user(uid, gid, groups))
    return p.returncode, p.stderr


def scenario_access(lab, args):
    """Who may use the API socket: made by bind() with mode 0600 (0660 and the api_group with
    one), never changed through its path; each connection's credentials (SO_PEERCRED) are
    checked, so a socket opened up by mistake still serves only root, espnicd's user and the
    group."""
    os.chmod(lab.dir, 0o711)  # other users may reach the sockets below, not list them
    pub = lab.path("pub")
    os.mkdir(pub, 0o755)
    d = Daemon(lab, args.espnicd, args.espnic, 0, sock=os.path.join(pub, "plain.sock"))
    st = os.stat(d.sock)
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_gid == 0, oct(st.st_mode)
    code, err = api_as(d, 4242, 4242)
    assert code == 1 and "cannot reach" in err, (code, err)  # the mode keeps it out
    os.chmod(d.sock, 0o666)  # a mistake by someone: the credentials check still holds
    code, err = api_as(d, 4242, 4242)
    assert code == 3 and "uid 4242 may not use this API" in err, (code, err)
    assert "request from uid 4242 refused" in d.log_text()
    d.espnic("endpoint", "list")  # root still may
    d.finish()
    # with an api_group: mode 0660 and that group; its members (primary or supplementary)
    # are served, others are not even let in by the mode
    g = Daemon(lab, args.espnicd, args.espnic, 1, sock=os.path.join(pub, "group.sock"),
               extra={"api_group": "4243"})
    st = os.stat(g.sock)
    assert stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == 4243, (oct(st.st_mode), st.st_gid)
    assert st.st_uid == 0
    assert api_as(g, 4242, 4243)[0] == 0
    assert api_as(g, 4242, 4242, groups=(4243,))[0] == 0
    code, err = api_as(g, 4244, 4244)
    assert code == 1 and "cannot reach" in err, (code, err)
    os.chmod(g.sock, 0o666)
    code, err = api_as(g, 4244, 4244)
    assert code == 3 and "uid 4244 may not use this API" in err, (code, err)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--espnicd", required=True)
    ap.add_argument("--espnic", required=True)
    ap.add_argument("--scenario", required=True)
    args = ap.parse_args()
    args.espnicd, args.espnic = os.path.abspath(args.espnicd), os.path.abspath(args.espnic)
    with Lab("api" + args.scenario[:4]) as lab:
        globals()["scenario_" + args.scenario](lab, args)
        for d in DAEMONS:
            d.finish()
    print("PASS", args.scenario)


if __name__ == "__main__":
    main()
