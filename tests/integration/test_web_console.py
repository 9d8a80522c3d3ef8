#!/usr/bin/python3
"""The web console in a real browser (ctest integration_web_console, label "integration",
root): headless Chromium driven by Selenium (Debian's chromium, chromium-driver,
python3-selenium) against site A of `espnic demo` (host/demo: espnicd on simulated card A, its
console relayed to the host's 127.0.0.1 as `espnic demo --web` does; site B a second espnicd
on card B, a responder configured with the CLI).

  1. a wrong password is refused with a message; the right one logs in;
  2. the local endpoint through its form; the session through its form with the keyboard
     only (Tab, typing, Enter): first with a malformed network (the error names it and the
     field is marked), then corrected;
  3. a write without the CSRF token (a fetch from the page) gets a clear 403;
  4. the session comes up (Connect pressed from the keyboard), its page shows UP, the SPIs
     and the algorithms; with a ping running through the tunnel the counters move and the
     packets/s graph gets points above zero; screenshots of the session page and overview;
  5. the peer configuration (swanctl) downloads, with the PSK's placeholder only;
  6. Disable: DOWN with the reason "session disabled"; Delete: gone from the overview;
  7. the PSK appears in no page and no response the browser received;
  8. a console with 1000 sessions (a third espnicd, recording dataplane, its state written
     directly): the overview's render time is measured and printed, not asserted.

    test_web_console.py ESPNIC ESPNICD ESPNIC_SIM [--shots DIR]"""
import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "..", "host", "demo"))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from espnic_demo import SESSION, Demo, Gateway  # noqa: E402
from lab import need_root, need_tools  # noqa: E402
from sitelab import GW_A, GW_B, HOST_B, NET_A, NET_B, wait_for  # noqa: E402

T0 = time.monotonic()
PSK = "Web-Console-PSK-" + secrets.token_hex(8)
PASSWORD = "console-" + secrets.token_hex(6)
MANY = 1000


def log(text):
    print("[%6.2f s] %s" % (time.monotonic() - T0, text), flush=True)


def fail(msg):
    print("FAIL: " + msg, flush=True)
    raise SystemExit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    log("ok: " + msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Every response body the page's fetch() received, kept for the PSK check (installed before
# any script of the page runs).
RECORD_FETCH = """
window.__bodies = [];
const realFetch = window.fetch;
window.fetch = async (...a) => {
  const r = await realFetch(...a);
  r.clone().text().then((t) => window.__bodies.push(t));
  return r;
};
"""


class Browser:
    def __init__(self, downloads):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                  "--window-size=1280,1000", "--disable-gpu"):
            opts.add_argument(a)
        opts.accept_insecure_certs = True  # espnicd's self-signed certificate
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.d.set_script_timeout(30)
        self.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                               {"source": RECORD_FETCH})
        self.d.execute_cdp_cmd("Page.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": downloads})
        self.sources = []

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.d.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        from selenium.webdriver.common.by import By
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        els = self.finds(css)
        return els[0].text if els else ""

    def wait(self, what, predicate, timeout=30):
        def ok():
            try:
                return predicate()
            except Exception:  # an element replaced while read: try again
                return False
        wait_for(what, ok, timeout=timeout, interval=0.1)
        self.keep()

    def keep(self):
        self.sources.append(self.d.page_source)

    def keys(self, *keys):
        """Keys to whatever has the focus, as a keyboard would."""
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(self.d).send_keys(*keys).perform()

    def select_all(self):
        """Ctrl+A in the focused field."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys
        ActionChains(self.d).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()

    def tab_to(self, css, limit=40):
        """Tab until the element css has the focus."""
        from selenium.webdriver.common.keys import Keys
        target = self.find(css)
        for _ in range(limit):
            if self.d.switch_to.active_element == target:
                return
            self.keys(Keys.TAB)
        fail("Tab never reached " + css)

    def login(self, url, password):
        from selenium.webdriver.common.keys import Keys
        self.d.get(url)
        self.wait("the login form", lambda: self.find("#login-password").is_displayed())
        self.keys(password, Keys.ENTER)

    def close(self):
        self.d.quit()


def site_b(demo):
    """Site B: the second espnicd responds; configured with the CLI, as in `espnic demo`."""
    demo.gw_b = Gateway(demo.sites, demo.args, "B", "gwb", GW_B, demo.sites.sock_b)
    demo.gw_b.espnic("endpoint", "add", "site-b", "--address", GW_B, show=False)
    demo.gw_b.espnic("session", "add", SESSION, "--endpoint", "site-b", "--peer", GW_A,
                     "--local-networks", NET_B, "--remote-networks", NET_A, "--psk-file",
                     demo.psk_file, "--initiation", "RESPOND_ONLY", show=False)


def create_session_by_keyboard(b):
    from selenium.webdriver.common.keys import Keys
    b.tab_to("#nav-new-session")
    b.keys(Keys.ENTER)
    b.wait("the session form", lambda: b.d.switch_to.active_element == b.find("#f-name"))
    # name, endpoint (a select: typing picks), peer, networks (a malformed one first), auth
    # (PSK by default), the PSK, then Enter submits.
    b.keys(SESSION, Keys.TAB, "site-a", Keys.TAB, GW_B, Keys.TAB, "198.19.1.1/24", Keys.TAB,
           NET_B, Keys.TAB, Keys.TAB, PSK, Keys.ENTER)
    b.wait("the error", lambda: "Not saved" in b.text("#message"))
    msg = b.text("#message")
    check("local_networks" in msg or "host bits" in msg,
          "a malformed network is refused with a clear message: " + msg)
    check(b.find("#f-local_networks").get_attribute("aria-invalid") == "true"
          and b.d.switch_to.active_element == b.find("#f-local_networks"),
          "the bad field is marked and has the focus")
    check(b.find("#f-psk").get_attribute("value") == "", "the PSK field was emptied")
    b.select_all()
    b.keys(NET_A, Keys.TAB, Keys.TAB, Keys.TAB, PSK, Keys.ENTER)
    b.wait("the session page", lambda: b.finds("#session-status"))
    check("created" in b.text("#message"), "session created from the keyboard: "
          + b.text("#message"))


def csrf_refusal(b):
    r = b.d.execute_async_script("""
      const done = arguments[arguments.length - 1];
      fetch('/api/v1/ipsec/sessions/%s', {method: 'PATCH', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json'}, body: '{"description": "x"}'})
        .then(async (r) => done([r.status, await r.text()]));""" % SESSION)
    check(r[0] == 403 and "CSRF" in r[1], "a write without the CSRF token: 403, " + r[1])


def watch_traffic(b, demo):
    from selenium.webdriver.common.keys import Keys
    b.find("#connect").send_keys(Keys.ENTER)  # focus is moved there by the keys, too
    b.wait("the session UP on its page", lambda: "UP" in b.text("#session-status"), timeout=60)
    st = demo.gw_a.status()
    tun = st["tunnels"][0]
    b.wait("the tunnel's SPIs", lambda: tun["spi_in"] in b.text("#tunnels"))
    check(tun["spi_out"] in b.text("#tunnels") and "AES_GCM_128" in b.text("#tunnels")
          and "ESTABLISHED" in b.text("#ike"), "the page shows the SPIs and algorithms")
    ping = demo.sites.spawn("lana", ["ping", "-i", "0.2", HOST_B], "web-ping.log")
    try:
        first = b.text("#session-packets")
        b.wait("the counters to move", lambda: b.text("#session-packets") != first
               and not b.text("#session-packets").startswith("0 /"), timeout=30)

        def peak():
            return max(b.d.execute_script(
                "return Chart.getChart('chart-packets').data.datasets[0].data") or [0])
        b.wait("the packets/s graph above zero", lambda: peak() > 0, timeout=30)
        check(True, "counters moved (%s) and the graph shows %.1f packets/s in"
              % (b.text("#session-packets"), peak()))
    finally:
        demo.sites.stop(ping, signal.SIGINT, timeout=5)


def many_sessions(args, tmp, b_factory):
    """A third espnicd (recording dataplane, 127.0.0.1) with MANY sessions in its state."""
    state = os.path.join(tmp, "many-state")
    os.mkdir(state, 0o700)
    sessions, psks = {}, {}
    for i in range(MANY):
        name = "branch-%04d" % i
        sessions[name] = {
            "connection_initiation_mode": "RESPOND_ONLY", "enabled": True,
            "local_endpoint": "ep", "peer_address": "198.18.%d.%d" % (4 + i // 250, i % 250 + 1),
            "local_networks": ["198.19.0.0/24"],
            "remote_networks": ["198.19.%d.%d/28" % (16 + i // 16, i % 16 * 16)]}
        psks[name] = "many-sessions-psk-%04d" % i
    with open(os.path.join(state, "config.json"), "w") as f:
        json.dump({"version": 1, "dpd_profiles": {}, "ike_profiles": {}, "tunnel_profiles": {},
                   "local_endpoints": {"ep": {"local_address": "127.0.0.1"}},
                   "sessions": sessions}, f)
    fd = os.open(os.path.join(state, "secrets.json"), os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"local_endpoints": {}, "sessions": psks}, f)
    subprocess.run([args.cli, "web", "passwd", "-S", state], input=PASSWORD + "\n",
                   check=True, capture_output=True, text=True)
    port = free_port()
    conf = os.path.join(tmp, "many.json")
    with open(conf, "w") as f:
        json.dump({"listen": "127.0.0.1", "port": free_port(), "natt_port": free_port(),
                   "dataplane": "record:" + os.path.join(tmp, "many.dp"), "log_level": "warn",
                   "web": {"port": port}}, f)
    logf = open(os.path.join(tmp, "many.log"), "w")
    proc = subprocess.Popen([args.espnicd, "-c", conf, "-S", state, "-a",
                             os.path.join(tmp, "many.sock")], stdout=logf, stderr=logf)
    try:
        def listening():
            if proc.poll() is not None:
                return True
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return False
        wait_for("the 1000-session espnicd", listening, timeout=120)
        if proc.poll() is not None:
            fail("the 1000-session espnicd exited: " + open(logf.name).read()[-2000:])
        b = b_factory()
        try:
            b.login("https://127.0.0.1:%d/" % port, PASSWORD)
            t = time.monotonic()
            b.wait("the overview of %d sessions" % MANY,
                   lambda: len(b.finds("#session-rows [data-session]")) == MANY, timeout=60)
            seen = time.monotonic() - t
            b.wait("a second refresh", lambda: int(b.find("body").get_attribute(
                "data-rendered") or 0) >= 2, timeout=30)
            renders = b.d.execute_script("return window.espnic.renders")
            for i, r in enumerate(renders[:2]):
                print("RENDER %d sessions (%s): fetch %.0f ms + render %.0f ms (rows built "
                      "%.0f, DOM %.0f, layout and paint %.0f) = %.0f ms"
                      % (r["sessions"], "first" if i == 0 else "refresh", r["fetch_ms"],
                         r["render_ms"], r["build_ms"], r["dom_ms"], r["paint_ms"],
                         r["total_ms"]), flush=True)
            print("RENDER login to %d rows on screen (as the test saw it): %.0f ms"
                  % (MANY, seen * 1000), flush=True)
            if args.shots:
                b.d.save_screenshot(os.path.join(args.shots, "overview-1000.png"))
        finally:
            b.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("espnic")
    ap.add_argument("espnicd")
    ap.add_argument("sim")
    ap.add_argument("--shots", help="where the screenshots go (default: not kept)")
    ap.add_argument("--many-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    need_root()
    need_tools("chromium", "chromedriver", "ping")
    try:
        import selenium  # noqa: F401
    except ImportError:
        fail("python3-selenium missing: install it (scripts/setup.sh does)")
    if a.shots:
        os.makedirs(a.shots, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="espnic-web-console-")
    downloads = os.path.join(tmp, "downloads")
    os.mkdir(downloads)
    pwfile = os.path.join(tmp, "web-password")
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(PASSWORD + "\n")
    args = types.SimpleNamespace(peer="espnic", cli=a.espnic, espnicd=a.espnicd, sim=a.sim,
                                 web=True, web_port=0, web_password_file=pwfile,
                                 setup_timeout=60, duration=None, interval=1.0, shots=a.shots)
    demo, b = None, None
    try:
        if not a.many_only:
            demo = Demo(args)
            demo.build()
            demo.write_psk()
            with open(demo.psk_file, "w") as f:
                f.write(PSK)
            demo.gw_a = Gateway(demo.sites, args, "A", "gwa", GW_A, demo.sites.sock, PASSWORD)
            demo.open_console()
            site_b(demo)
            b = Browser(downloads)
            from selenium.webdriver.common.keys import Keys
            b.login(demo.web_url, "not-the-password")
            b.wait("the refusal", lambda: "wrong password" in b.text("#message"))
            check(True, "a wrong password: " + b.text("#message"))
            b.find("#login-password").send_keys(PASSWORD, Keys.ENTER)
            b.wait("the overview", lambda: b.find("#nav").is_displayed()
                   and b.finds("#sessions"))
            # The card's health comes with the overview's own requests: wait for it.
            b.wait("the card's health", lambda: b.finds("#sa-used"))
            check(True, "logged in: the overview with the card's health")
            b.d.get(demo.web_url + "#/local-endpoints/new")
            b.wait("the endpoint form", lambda: b.finds("#f-local_address"))
            b.find("#f-name").send_keys("site-a")
            b.find("#f-local_address").send_keys(GW_A, Keys.ENTER)
            b.wait("the endpoint", lambda: "created" in b.text("#message"))
            b.d.get(demo.web_url + "#/")
            b.wait("the overview", lambda: b.finds("#session-rows"))
            create_session_by_keyboard(b)
            csrf_refusal(b)
            watch_traffic(b, demo)
            if a.shots:
                b.d.save_screenshot(os.path.join(a.shots, "session.png"))
            b.find("#peer-config").send_keys(Keys.ENTER)
            path = os.path.join(downloads, SESSION + "-swanctl.conf")
            b.wait("the peer configuration download", lambda: os.path.exists(path)
                   and os.path.getsize(path) > 0)
            with open(path) as f:
                conf = f.read()
            check("connections" in conf and "REPLACE-WITH-THE-PRE-SHARED-KEY" in conf
                  and PSK not in conf, "the swanctl.conf downloaded, with the placeholder")
            b.d.get(demo.web_url + "#/")
            b.wait("the overview with the session UP", lambda: "UP" in b.text(
                "[data-session=demo]") and b.text("#sa-used") not in ("", "0"))
            b.wait("the events", lambda: "session demo up" in b.text("#events"))
            check(True, "overview: demo UP, card SAs %s, events listed" % b.text("#sa-used"))
            if a.shots:
                b.d.save_screenshot(os.path.join(a.shots, "overview.png"))
            b.d.get(demo.web_url + "#/session/" + SESSION)
            b.wait("the session page", lambda: b.finds("#toggle"))
            b.find("#toggle").send_keys(Keys.ENTER)
            b.wait("DOWN with the reason", lambda: "DOWN" in b.text("#session-status")
                   and "session disabled" in b.text("#session-reason"), timeout=30)
            check(True, "disabled: DOWN, reason: " + b.text("#session-reason"))
            b.find("#delete").send_keys(Keys.ENTER)
            b.d.switch_to.alert.accept()
            b.wait("the overview without the session", lambda: b.finds("#session-rows")
                   and not b.finds("[data-session=demo]"))
            check("deleted" in b.text("#message"), "deleted: " + b.text("#message"))
            bodies = b.d.execute_script("return window.__bodies") or []
            leaks = [s for s in b.sources + bodies if PSK in s]
            check(not leaks and len(bodies) > 10, "the PSK is in none of %d pages and %d "
                  "responses" % (len(b.sources), len(bodies)))
            b.close()
            b = None
            demo.close()
            demo = None
        many_sessions(args, tmp, lambda: Browser(downloads))
    finally:
        if b is not None:
            b.close()
        if demo is not None:
            demo.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
