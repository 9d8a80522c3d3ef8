#!/usr/bin/python3
"""espnicd's web console over HTTPS, at the HTTP level (ctest espnicd_web_http, label
"integration"; no root, no namespaces: one espnicd on 127.0.0.1 with the recording dataplane).
python3-requests, the certificate checked against the self-signed one espnicd made at its first
start (its subjectAltName has 127.0.0.1).

  - `espnic web passwd` writes a 0600 scrypt hash (a short password refused, exit 2);
  - the pages are served without login, with CSP and friends; the API answers 401 without one;
  - a wrong password is 401, a malformed login body 400, five wrong ones pause logins (429);
  - login sets a Secure, HttpOnly, SameSite=Strict, __Host- cookie and returns the CSRF token;
  - every write without the token, or with another one, is 403 and changes nothing;
  - with it, objects are created, changed and deleted through the same API (same validation:
    a malformed network is a 400 naming the field);
  - the PSK never appears in any answer (objects, lists, status, peer configuration, events);
  - GET card (503 without a card), GET events (the changes), logout ends the session.

    test_web_http.py --espnicd ESPNICD --espnic ESPNIC"""
import argparse
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

import requests

PASSWORD = "web-console-Password-1"
PSK = "web-Http-Secret-PSK-77"
SEEN = []


def fail(msg):
    print("FAIL: " + msg, flush=True)
    raise SystemExit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok: " + msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Console:
    def __init__(self, base, cert):
        self.base, self.http, self.cert = base, requests.Session(), cert
        self.csrf = None

    def req(self, method, path, body=None, csrf=True, raw=None, ctype="application/json"):
        headers = {"Content-Type": ctype} if body is not None or raw is not None else {}
        if csrf and self.csrf:
            headers["X-CSRF-Token"] = self.csrf if csrf is True else csrf
        r = self.http.request(method, self.base + path, headers=headers,
                              data=raw if raw is not None else
                              (json.dumps(body) if body is not None else None), timeout=30,
                              verify=self.cert)
        SEEN.append(r.text)
        SEEN.append(str(r.headers))
        return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--espnicd", required=True)
    ap.add_argument("--espnic", required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="espnic-web-http-")
    state = os.path.join(tmp, "state")
    os.mkdir(state, 0o700)
    port = free_port()
    conf = os.path.join(tmp, "espnicd.json")
    with open(conf, "w") as f:
        json.dump({"listen": "127.0.0.1", "port": free_port(), "natt_port": free_port(),
                   "dataplane": "record:" + os.path.join(tmp, "dp.jsonl"),
                   "web": {"address": "127.0.0.1", "port": port}}, f)
    proc = None
    try:
        p = subprocess.run([args.espnic, "web", "passwd", "-S", state], input="short\n",
                           capture_output=True, text=True)
        check(p.returncode == 2 and "8" in p.stderr, "a short password is refused: "
              + p.stderr.strip())
        p = subprocess.run([args.espnic, "web", "passwd", "-S", state], input=PASSWORD + "\n",
                           capture_output=True, text=True)
        check(p.returncode == 0, "espnic web passwd: " + p.stdout.strip())
        pw = os.path.join(state, "web-password")
        st = os.stat(pw)
        with open(pw) as f:
            text = f.read()
        check(stat.S_IMODE(st.st_mode) == 0o600 and text.startswith("scrypt$")
              and PASSWORD not in text, "the password file is a 0600 scrypt hash")

        log = open(os.path.join(tmp, "espnicd.log"), "w")
        proc = subprocess.Popen([args.espnicd, "-c", conf, "-S", state, "-a",
                                 os.path.join(tmp, "api.sock")], stdout=log, stderr=log)
        cert = os.path.join(state, "web-cert.pem")
        base = "https://127.0.0.1:%d" % port
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                fail("espnicd exited: " + open(log.name).read())
            try:
                if os.path.exists(cert) and requests.get(base + "/", verify=cert,
                                                         timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                fail("the console did not come up: " + open(log.name).read())
            time.sleep(0.1)
        check(stat.S_IMODE(os.stat(os.path.join(state, "web-key.pem")).st_mode) == 0o600,
              "the self-signed certificate's key is 0600")

        c = Console(base, cert)
        r = c.req("GET", "/")
        check(r.status_code == 200 and "<form id=\"login-form\">" in r.text
              and "default-src 'self'" in r.headers.get("Content-Security-Policy", "")
              and r.headers.get("X-Frame-Options") == "DENY", "the page, with CSP, no framing")
        for path in ("/app.js", "/style.css", "/chart.js"):
            r = c.req("GET", path)
            check(r.status_code == 200 and len(r.text) > 100
                  and r.headers.get("X-Content-Type-Options") == "nosniff", "GET " + path)
        for path in ("/api/v1/ipsec/status", "/api/v1/ipsec/sessions", "/whoami",
                     "/api/v1/ipsec/card"):
            r = c.req("GET", path)
            check(r.status_code == 401, "GET %s without login: 401" % path)
        r = c.req("POST", "/api/v1/ipsec/local-endpoints", {"name": "x",
                                                            "local_address": "127.0.0.1"})
        check(r.status_code == 401, "a write without login: 401")
        r = c.req("GET", "/../etc/passwd")
        check(r.status_code in (401, 404), "no file outside the pages")

        r = c.req("POST", "/login", {"password": "not-the-password"})
        check(r.status_code == 401 and r.json()["error_message"] == "wrong password"
              and "Set-Cookie" not in r.headers, "a wrong password: 401, no cookie")
        r = c.req("POST", "/login", raw="password=x", ctype="application/x-www-form-urlencoded")
        check(r.status_code == 400 and "password" in r.json()["error_message"],
              "a malformed login: 400")
        r = c.req("POST", "/login", {"password": PASSWORD})
        check(r.status_code == 200 and len(r.json()["csrf_token"]) == 64, "login")
        cookie = r.headers["Set-Cookie"]
        for attr in ("__Host-espnic-session=", "Secure", "HttpOnly", "SameSite=Strict",
                     "Path=/"):
            check(attr in cookie, "the session cookie has " + attr)
        c.csrf = r.json()["csrf_token"]
        r = c.req("GET", "/whoami")
        check(r.status_code == 200 and r.json()["csrf_token"] == c.csrf,
              "a reloaded page gets its CSRF token back")

        ep = {"name": "ep", "local_address": "127.0.0.1"}
        r = c.req("POST", "/api/v1/ipsec/local-endpoints", ep, csrf=False)
        check(r.status_code == 403 and "CSRF" in r.json()["error_message"],
              "a write without the CSRF token: 403 (%s)" % r.json()["error_message"])
        r = c.req("POST", "/api/v1/ipsec/local-endpoints", ep, csrf="0" * 64)
        check(r.status_code == 403, "a write with another CSRF token: 403")
        r = c.req("GET", "/api/v1/ipsec/local-endpoints")
        check(r.json()["result_count"] == 0, "nothing was written")
        r = c.req("POST", "/api/v1/ipsec/local-endpoints", ep)
        check(r.status_code == 201, "with the token: endpoint created")
        session = {"name": "s1", "local_endpoint": "ep", "peer_address": "198.18.0.2",
                   "local_networks": ["198.19.1.0/24"], "remote_networks": ["198.19.2.0/24"],
                   "psk": PSK, "connection_initiation_mode": "RESPOND_ONLY"}
        bad = dict(session, local_networks=["198.19.1.1/24"])
        r = c.req("POST", "/api/v1/ipsec/sessions", bad)
        check(r.status_code == 400 and r.json().get("field") == "local_networks[0]",
              "a malformed form: 400 naming the field (%s)" % r.json()["error_message"])
        r = c.req("POST", "/api/v1/ipsec/sessions", session)
        check(r.status_code == 201 and r.json()["psk_configured"] is True,
              "session created with a PSK")
        r = c.req("PATCH", "/api/v1/ipsec/sessions/s1", {"description": "branch"})
        check(r.status_code == 200, "session changed")
        for path in ("sessions", "sessions/s1", "sessions/s1/status", "status", "statistics",
                     "sessions/s1/peer-config?format=swanctl", "events"):
            r = c.req("GET", "/api/v1/ipsec/" + path)
            check(r.status_code == 200, "GET " + path)
        r = c.req("GET", "/api/v1/ipsec/sessions/s1/peer-config?format=swanctl&include_secret=1")
        check(r.status_code == 400, "include_secret refused as on the socket")
        r = c.req("GET", "/api/v1/ipsec/card")
        check(r.status_code == 503 and "not a card" in r.json()["error_message"],
              "GET card without a card: 503")
        r = c.req("GET", "/api/v1/ipsec/events")
        msgs = [e["message"] for e in r.json()["results"]]
        check("session s1 created" in msgs and "session s1 changed" in msgs,
              "the events list the changes: %s" % msgs[:3])
        r = c.req("DELETE", "/api/v1/ipsec/sessions/s1", csrf=False)
        check(r.status_code == 403, "a delete without the token: 403")
        r = c.req("DELETE", "/api/v1/ipsec/sessions/s1")
        check(r.status_code == 204, "deleted with the token")
        check(not any(PSK in s for s in SEEN), "the PSK appears in no answer")

        r = c.req("POST", "/logout")
        check(r.status_code == 200 and "Max-Age=0" in r.headers.get("Set-Cookie", ""),
              "logout")
        c.csrf = None
        r = c.req("GET", "/api/v1/ipsec/status")
        check(r.status_code == 401, "after logout: 401")
        codes = [c.req("POST", "/login", {"password": "wrong-%d" % i}).status_code
                 for i in range(6)]
        check(codes[:5] == [401] * 5 and codes[5] == 429,
              "five wrong passwords pause logins: %s" % codes)
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
        proc = None
        check(rc == 0, "espnicd exits 0")
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
