/* espnicd's web console, in the browser: views drawn from the session API that espnicd serves
   to a logged-in browser (the same API as the UNIX socket: no model of its own here).
   #/ overview (sessions with reasons, card health, recent events), #/session/NAME (IKE_SA,
   tunnels, live Chart.js graphs of the rates), forms for sessions, profiles and endpoints.
   Every write carries the CSRF token from the login; secrets are write-only (password
   fields, never filled in from the server). Live updates: the status API polled. */
"use strict";

const API = "/api/v1/ipsec/";
const POLL_MS = 2000;
const HISTORY_MS = 5 * 60 * 1000; /* the graphs' window */
const KINDS = {
  sessions: "session", "ike-profiles": "IKE profile", "tunnel-profiles": "tunnel profile",
  "dpd-profiles": "DPD profile", "local-endpoints": "local endpoint",
};

let csrf = null;
let pollTimer = null;
let charts = [];
const history = new Map(); /* session name -> [{t, counters}] */
window.espnic = { renders: [] }; /* render figures, for the browser test */

/* ---------------------------------------------------------------- helpers */

function esc(v) {
  return String(v === undefined || v === null ? "" : v).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function $(sel) { return document.querySelector(sel); }

let saidAt = 0;

function say(text, ok) {
  const m = $("#message");
  saidAt = Date.now();
  m.textContent = text;
  m.className = ok ? "ok" : "";
  m.hidden = !text;
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const r = await fetch(path.startsWith("/") ? path : API + path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = r.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await r.json() : await r.text();
  if (r.status === 401 && path !== "/login") {
    showLogin();
    throw new Error("not logged in");
  }
  return { status: r.status, data };
}

/* One formatter: Number.toLocaleString builds a new one per call (seconds for 1000 rows). */
const NUMBER = new Intl.NumberFormat("en-US");

function fmtNum(n) {
  if (n === null || n === undefined) return "-";
  return NUMBER.format(n);
}

function fmtBytes(n) {
  if (n === null || n === undefined) return "-";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}

function age(iso) {
  if (!iso) return "-";
  let s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  const future = s < 0;
  s = Math.abs(s);
  const text = s >= 86400 ? Math.floor(s / 86400) + " d " + Math.floor(s % 86400 / 3600) + " h"
    : s >= 3600 ? Math.floor(s / 3600) + " h " + Math.floor(s % 3600 / 60) + " min"
      : s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s";
  return future ? "in " + text : text;
}

function badge(status) {
  return `<span class="badge ${esc(status)}">${esc(status)}</span>`;
}

function stopPolling() {
  if (pollTimer) clearTimeout(pollTimer);
  pollTimer = null;
  charts.forEach((c) => c.destroy());
  charts = [];
}

/* Runs fn now and every POLL_MS while the view is shown (never two at once). */
function poll(fn) {
  const view = location.hash;
  const run = async () => {
    try { await fn(); } catch (e) { if (e.message !== "not logged in") say(e.message); }
    if (location.hash === view && csrf) pollTimer = setTimeout(run, POLL_MS);
  };
  run();
}

function record(statuses) {
  const t = Date.now();
  for (const st of statuses) {
    let h = history.get(st.session);
    if (!h) history.set(st.session, h = []);
    h.push({ t, c: st.counters });
    while (h.length && h[0].t < t - HISTORY_MS) h.shift();
  }
}

/* ---------------------------------------------------------------- login */

function showLogin() {
  csrf = null;
  stopPolling();
  $("#nav").hidden = true;
  $("#view").innerHTML = "";
  $("#login-view").hidden = false;
  $("#login-password").focus();
}

async function login(ev) {
  ev.preventDefault();
  const field = $("#login-password");
  const r = await api("POST", "/login", { password: field.value });
  field.value = "";
  if (r.status !== 200) {
    say("Login failed: " + (r.data.error_message || r.status));
    field.setAttribute("aria-invalid", "true");
    field.focus();
    return;
  }
  field.removeAttribute("aria-invalid");
  csrf = r.data.csrf_token;
  say("");
  $("#login-view").hidden = true;
  $("#nav").hidden = false;
  route();
}

async function logout() {
  await api("POST", "/logout");
  say("Logged out.", true);
  showLogin();
}

/* ---------------------------------------------------------------- overview */

/* The sessions "table" is a grid of rows that skip layout and paint while off screen
   (content-visibility): the overview of 1000 sessions costs what the visible rows cost. */
function sessionRows(list) {
  const rows = [];
  const cell = (cls, v) => `<div role="cell"${cls ? ` class="${cls}"` : ""}>${v}</div>`;
  for (const st of list) {
    const c = st.counters || {};
    rows.push(`<div role="row" class="row" data-session="${esc(st.session)}">` +
      cell("", `<a href="#/session/${encodeURIComponent(st.session)}">${esc(st.session)}</a>`) +
      cell("", badge(st.status)) + cell("reason", esc(st.reason || "")) +
      cell("num", st.tunnels_up) + cell("num", fmtNum(c.packets_in)) +
      cell("num", fmtNum(c.packets_out)) + cell("num", fmtBytes(c.bytes_in)) +
      cell("num", fmtBytes(c.bytes_out)) + cell("num", fmtNum(c.errors_in)) + `</div>`);
  }
  return rows.join("");
}

function cardHtml(card) {
  if (!card || card.http_status) {
    return `<p>${esc(card ? card.error_message : "no card")}</p>`;
  }
  const pct = (u, n) => n ? (100 * u / n).toFixed(1) : "0";
  const c = card.counters;
  return `<dl class="facts"><dt>card</dt><dd>${esc(card.card)}</dd>` +
    `<dt>SAs (inbound)</dt><dd><meter min="0" max="${card.sa.capacity}" value="${card.sa.used}"></meter> ` +
    `<span id="sa-used">${card.sa.used}</span> of ${card.sa.capacity} (${pct(card.sa.used, card.sa.capacity)} %)</dd>` +
    `<dt>SPD rules</dt><dd><meter min="0" max="${card.spd.capacity}" value="${card.spd.used}"></meter> ` +
    `${card.spd.used} of ${card.spd.capacity} (${pct(card.spd.used, card.spd.capacity)} %)</dd></dl>` +
    `<h3>Ports</h3><div class="scroll"><table><thead><tr><th></th><th class="num">frames in</th><th class="num">frames out</th><th class="num">bytes out</th><th class="num">ESP</th><th class="num">clear</th></tr></thead><tbody>` +
    `<tr><th>egress (host → wire)</th><td class="num">${fmtNum(c.eg_frames_in)}</td><td class="num">${fmtNum(c.eg_frames_out)}</td><td class="num">${fmtBytes(c.eg_bytes_out)}</td><td class="num" id="card-eg-protected">${fmtNum(c.eg_protected)}</td><td class="num">${fmtNum(c.eg_bypassed)}</td></tr>` +
    `<tr><th>ingress (wire → host)</th><td class="num">${fmtNum(c.in_frames_in)}</td><td class="num">${fmtNum(c.in_frames_out)}</td><td class="num">${fmtBytes(c.in_bytes_out)}</td><td class="num" id="card-in-decrypted">${fmtNum(c.in_decrypted)}</td><td class="num">${fmtNum(c.in_bypassed)}</td></tr>` +
    `</tbody></table></div><h3>Dropped frames by reason</h3><table><tbody>` +
    card.drops.map((d) => `<tr><td>${esc(d.reason)}</td><td class="num">${fmtNum(d.frames)}</td></tr>`).join("") +
    `</tbody></table>`;
}

async function overview() {
  $("#view").innerHTML = `<h2>Sessions</h2><p id="summary"></p>
    <div class="scroll"><div role="table" id="sessions" aria-label="sessions"><div role="rowgroup">
    <div role="row" class="row head"><div role="columnheader">session</div><div role="columnheader">status</div>
    <div role="columnheader">reason</div><div role="columnheader" class="num">tunnels</div>
    <div role="columnheader" class="num">pkts in</div><div role="columnheader" class="num">pkts out</div>
    <div role="columnheader" class="num">bytes in</div><div role="columnheader" class="num">bytes out</div>
    <div role="columnheader" class="num">errors in</div></div></div>
    <div role="rowgroup" id="session-rows"></div></div></div>
    <div class="grid"><section class="card" aria-labelledby="card-h"><h2 id="card-h">Card</h2><div id="card"></div></section>
    <section class="card" aria-labelledby="events-h"><h2 id="events-h">Recent events</h2><ol class="events" id="events"></ol></section></div>`;
  poll(async () => {
    const t0 = performance.now();
    const [st, card, ev] = await Promise.all([api("GET", "status"), api("GET", "card"), api("GET", "events")]);
    const t1 = performance.now();
    const list = st.data.results || [];
    record(list);
    const tbody = $("#session-rows");
    if (!tbody) return;
    const rows = sessionRows(list);
    const tBuilt = performance.now();
    tbody.innerHTML = rows;
    const up = list.filter((s) => s.status === "UP").length;
    const tunnels = list.reduce((n, s) => n + s.tunnels_up, 0);
    $("#summary").textContent = `${list.length} sessions: ${up} up, ${list.length - up} not up; ${tunnels} tunnels.`;
    $("#card").innerHTML = cardHtml(card.data);
    $("#events").innerHTML = (ev.data.results || []).slice(0, 50).map((e) =>
      `<li><time datetime="${esc(e.time)}">${esc(e.time.replace("T", " ").replace("Z", ""))}</time>${esc(e.message)}</li>`).join("");
    void tbody.offsetHeight; /* style and layout now, to be measured apart from the paint */
    const tDom = performance.now();
    /* The figure of the browser test: fetch to the frame painted with the table in it. */
    await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
    const t2 = performance.now();
    window.espnic.renders.push({ sessions: list.length, fetch_ms: t1 - t0, build_ms: tBuilt - t1,
      dom_ms: tDom - tBuilt, paint_ms: t2 - tDom, render_ms: t2 - t1, total_ms: t2 - t0 });
    document.body.dataset.rendered = String(window.espnic.renders.length);
  });
}

/* ---------------------------------------------------------------- one session */

function rates(name) {
  const h = history.get(name) || [];
  const out = { labels: [], pin: [], pout: [], bin: [], bout: [], err: [] };
  for (let i = 1; i < h.length; i++) {
    const a = h[i - 1], b = h[i];
    const dt = (b.t - a.t) / 1000;
    if (dt <= 0 || !a.c || !b.c) continue;
    const r = (k) => Math.max(0, (b.c[k] - a.c[k]) / dt);
    out.labels.push(new Date(b.t).toLocaleTimeString("en-GB"));
    out.pin.push(r("packets_in")); out.pout.push(r("packets_out"));
    out.bin.push(r("bytes_in")); out.bout.push(r("bytes_out")); out.err.push(r("errors_in"));
  }
  return out;
}

function makeChart(id, label, sets) {
  if (typeof Chart === "undefined") return null;
  return new Chart(document.getElementById(id), {
    type: "line",
    data: { labels: [], datasets: sets.map(([l, color]) => ({ label: l, data: [], borderColor: color, backgroundColor: color, pointRadius: 0, tension: 0.2 })) },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, title: { display: true, text: label } } },
      plugins: { title: { display: true, text: label } } },
  });
}

async function sessionView(name) {
  const enc = encodeURIComponent(name);
  $("#view").innerHTML = `<h2>Session ${esc(name)}</h2>
    <div class="actions">
      <button type="button" id="connect">Connect</button>
      <button type="button" id="toggle">Disable</button>
      <a href="#/sessions/${enc}/edit" id="edit">Edit</a>
      <a href="${API}sessions/${enc}/peer-config?format=swanctl" download="${esc(name)}-swanctl.conf" id="peer-config">Download peer configuration (swanctl)</a>
      <button type="button" class="danger" id="delete">Delete</button>
    </div>
    <div class="grid"><section class="card"><h3>Status</h3><dl class="facts" id="facts"></dl></section>
    <section class="card"><h3>IKE_SA</h3><dl class="facts" id="ike"></dl></section></div>
    <h3>Tunnels (CHILD_SAs)</h3><div class="scroll"><table id="tunnels"><thead><tr><th>SPI in</th><th>SPI out</th><th>state</th>
    <th>encryption</th><th>DH</th><th>networks</th><th>age</th><th>next rekey</th><th class="num">pkts in</th><th class="num">pkts out</th><th class="num">errors</th></tr></thead><tbody></tbody></table></div>
    <h3>Traffic (per second, last minutes)</h3>
    <div class="charts"><div><canvas id="chart-packets" role="img" aria-label="packets per second"></canvas></div>
    <div><canvas id="chart-bytes" role="img" aria-label="bytes per second"></canvas></div>
    <div><canvas id="chart-drops" role="img" aria-label="inbound errors per second"></canvas></div></div>`;
  let obj = (await api("GET", "sessions/" + enc)).data;
  if (obj.http_status) { say(obj.error_message); return; }
  $("#toggle").textContent = obj.enabled ? "Disable" : "Enable";
  $("#connect").onclick = async () => {
    const r = await api("POST", "sessions/" + enc + "/connect");
    say(r.status >= 400 ? r.data.error_message : r.data.initiated ? "Connecting " + name + "…" : "Already " + r.data.ike_sa_state, r.status < 400);
  };
  $("#toggle").onclick = async () => {
    const r = await api("PATCH", "sessions/" + enc, { enabled: !obj.enabled });
    if (r.status >= 400) { say(r.data.error_message); return; }
    obj = r.data;
    $("#toggle").textContent = obj.enabled ? "Disable" : "Enable";
    say("Session " + name + (obj.enabled ? " enabled." : " disabled."), true);
  };
  $("#delete").onclick = async () => {
    if (!confirm("Delete session " + name + "?")) return;
    const r = await api("DELETE", "sessions/" + enc);
    if (r.status >= 400) { say(r.data.error_message); return; }
    say("Session " + name + " deleted.", true);
    location.hash = "#/";
  };
  charts = [
    makeChart("chart-packets", "packets/s", [["in", "#0b5cad"], ["out", "#1a7f37"]]),
    makeChart("chart-bytes", "bytes/s", [["in", "#0b5cad"], ["out", "#1a7f37"]]),
    makeChart("chart-drops", "errors/s", [["inbound errors", "#b42318"]]),
  ].filter(Boolean);
  poll(async () => {
    const r = await api("GET", "sessions/" + enc + "/status");
    if (r.status !== 200) { say(r.data.error_message); return; }
    const st = r.data;
    record([st]);
    const c = st.counters || {};
    $("#facts").innerHTML = `<dt>status</dt><dd id="session-status">${badge(st.status)}</dd>` +
      (st.reason ? `<dt>reason</dt><dd id="session-reason">${esc(st.reason)}</dd>` : "") +
      `<dt>peer</dt><dd>${esc(obj.peer_address)}</dd><dt>networks</dt><dd>${esc(obj.local_networks.join(", "))} ⇄ ${esc(obj.remote_networks.join(", "))}</dd>` +
      `<dt>packets in / out</dt><dd id="session-packets">${fmtNum(c.packets_in)} / ${fmtNum(c.packets_out)}</dd>` +
      `<dt>bytes in / out</dt><dd>${fmtBytes(c.bytes_in)} / ${fmtBytes(c.bytes_out)}</dd>`;
    const ike = st.ike_sa;
    $("#ike").innerHTML = ike ? `<dt>SPIs</dt><dd>${esc(ike.spis)}</dd><dt>version</dt><dd>${esc(ike.ike_version)}</dd>` +
      `<dt>state</dt><dd>${esc(ike.state)}</dd><dt>role</dt><dd>${ike.initiator ? "initiator" : "responder"}</dd>` +
      `<dt>algorithms</dt><dd>${esc([ike.encryption_algorithm, ike.digest_algorithm, ike.dh_group].filter(Boolean).join(", "))}</dd>` +
      `<dt>age</dt><dd>${age(ike.established_at)}</dd><dt>UDP encapsulation</dt><dd>${ike.udp_encapsulation ? "yes" : "no"}</dd>`
      : `<dt>IKE_SA</dt><dd>none</dd>`;
    $("#tunnels tbody").innerHTML = (st.tunnels || []).map((t) => {
      const k = t.counters || {};
      return `<tr><td>${esc(t.spi_in)}</td><td>${esc(t.spi_out)}</td><td>${esc(t.state)}</td>` +
        `<td>${esc(t.encryption_algorithm)}${t.digest_algorithm !== "NONE" ? " " + esc(t.digest_algorithm) : ""}</td><td>${esc(t.dh_group)}</td>` +
        `<td>${esc(t.local_networks)} ⇄ ${esc(t.remote_networks)}</td><td>${age(t.established_at)}</td><td>${t.next_rekey_at ? age(t.next_rekey_at) : "-"}</td>` +
        `<td class="num">${fmtNum(k.packets_in)}</td><td class="num">${fmtNum(k.packets_out)}</td><td class="num">${fmtNum(k.errors_in)}</td></tr>`;
    }).join("");
    const r2 = rates(name);
    const sets = [[r2.pin, r2.pout], [r2.bin, r2.bout], [r2.err]];
    charts.forEach((ch, i) => {
      ch.data.labels = r2.labels;
      sets[i].forEach((d, j) => { ch.data.datasets[j].data = d; });
      ch.update();
    });
    document.body.dataset.points = String(r2.labels.length);
  });
}

/* ---------------------------------------------------------------- forms */

const ENC = ["AES_128", "AES_256", "AES_GCM_128", "AES_GCM_256"];
const DH = ["GROUP14", "GROUP15", "GROUP16", "GROUP19", "GROUP20", "GROUP21", "GROUP31"];
const DIGEST = ["SHA1", "SHA2_256", "SHA2_384", "SHA2_512"];

/* Per kind: [field, label, type, options or hint]. Types: text, number, list (comma
   separated), select, ref (a select of objects of a kind), bool, textarea, secret. */
const FORMS = {
  sessions: [
    ["local_endpoint", "Local endpoint", "ref", "local-endpoints"],
    ["peer_address", "Peer address", "text", "the remote gateway's IP address"],
    ["local_networks", "Local networks", "list", "CIDR prefixes, comma separated"],
    ["remote_networks", "Remote networks", "list", "CIDR prefixes, comma separated"],
    ["authentication_mode", "Authentication", "select", ["PSK", "CERTIFICATE"]],
    ["psk", "Pre-shared key", "secret", "16 to 128 characters; never shown again"],
    ["trusted_ca", "Trusted CA (PEM)", "textarea", "CERTIFICATE only"],
    ["connection_initiation_mode", "Initiation", "select", ["INITIATOR", "ON_DEMAND", "RESPOND_ONLY"]],
    ["enabled", "Enabled", "bool"],
    ["ike_profile", "IKE profile", "ref", "ike-profiles"],
    ["tunnel_profile", "Tunnel profile", "ref", "tunnel-profiles"],
    ["dpd_profile", "DPD profile", "ref", "dpd-profiles"],
    ["local_id", "Local ID", "text", "default: the endpoint's"],
    ["peer_id", "Peer ID", "text", "default: the peer address"],
    ["description", "Description", "text"],
  ],
  "ike-profiles": [
    ["ike_version", "IKE version", "select", ["IKE_V2", "IKE_V1", "IKE_FLEX"]],
    ["encryption_algorithms", "Encryption", "list", ENC.join(", ")],
    ["digest_algorithms", "Digest", "list", DIGEST.join(", ")],
    ["dh_groups", "DH groups", "list", DH.join(", ")],
    ["sa_life_time", "Lifetime (s)", "number"],
    ["description", "Description", "text"],
  ],
  "tunnel-profiles": [
    ["encryption_algorithms", "Encryption", "list", ENC.join(", ")],
    ["digest_algorithms", "Digest", "list", "empty with AES-GCM"],
    ["enable_perfect_forward_secrecy", "PFS", "bool"],
    ["dh_groups", "DH groups", "list", DH.join(", ")],
    ["sa_life_time", "Lifetime (s)", "number"],
    ["sa_life_bytes", "Life bytes", "number", "0: none"],
    ["sa_life_packets", "Life packets", "number", "0: none"],
    ["description", "Description", "text"],
  ],
  "dpd-profiles": [
    ["dpd_probe_mode", "Probe mode", "select", ["PERIODIC", "ON_DEMAND"]],
    ["dpd_probe_interval", "Interval (s)", "number"],
    ["retry_count", "Retries", "number"],
    ["dpd_action", "Action", "select", ["RESTART", "CLEAR", "HOLD"]],
    ["enabled", "Enabled", "bool"],
    ["description", "Description", "text"],
  ],
  "local-endpoints": [
    ["local_address", "Local address", "text", "our IKE address"],
    ["local_id", "Local ID", "text"],
    ["certificate", "Certificate (PEM)", "textarea"],
    ["private_key", "Private key (PEM)", "secret-area", "never shown again"],
    ["description", "Description", "text"],
  ],
};

async function formView(kind, name) {
  const editing = name !== undefined;
  const spec = FORMS[kind];
  let obj = {};
  if (editing) {
    const r = await api("GET", kind + "/" + encodeURIComponent(name));
    if (r.status !== 200) { say(r.data.error_message); return; }
    obj = r.data;
  }
  const refs = {};
  for (const f of spec.filter((f) => f[2] === "ref")) {
    refs[f[3]] = ((await api("GET", f[3])).data.results || []).map((o) => o.name);
  }
  const field = (f) => {
    const [key, label, type, opt] = f;
    const id = "f-" + key;
    const v = obj[key];
    let input;
    if (type === "select" || type === "ref") {
      const options = type === "ref" ? (key === "local_endpoint" ? refs[opt] : [""].concat(refs[opt])) : opt;
      input = `<select id="${id}" name="${key}">` + options.map((o) =>
        `<option value="${esc(o)}"${o === v ? " selected" : ""}>${esc(o || "(default)")}</option>`).join("") + `</select>`;
    } else if (type === "bool") {
      input = `<input type="checkbox" id="${id}" name="${key}"${v === undefined || v ? " checked" : ""}>`;
    } else if (type === "textarea") {
      input = `<textarea id="${id}" name="${key}">${esc(v)}</textarea>`;
    } else if (type === "secret-area") {
      input = `<textarea id="${id}" name="${key}" autocomplete="off" placeholder="${obj.private_key_configured ? "stored: leave empty to keep" : ""}"></textarea>`;
    } else if (type === "secret") {
      input = `<input type="password" id="${id}" name="${key}" autocomplete="new-password" placeholder="${obj.psk_configured ? "stored: leave empty to keep" : ""}">`;
    } else {
      const val = Array.isArray(v) ? v.join(", ") : v;
      input = `<input type="${type === "number" ? "number" : "text"}" id="${id}" name="${key}" value="${esc(val)}">`;
    }
    const hint = typeof opt === "string" && type !== "ref" ? `<div class="hint" id="${id}-hint">${esc(opt)}</div>` : "";
    return `<label for="${id}">${esc(label)}</label>${input}${hint}`;
  };
  $("#view").innerHTML = `<h2>${editing ? "Edit" : "New"} ${KINDS[kind]}${editing ? " " + esc(name) : ""}</h2>
    <form class="edit" id="edit-form" novalidate>
      <label for="f-name">Name</label><input type="text" id="f-name" name="name" value="${esc(name || "")}"${editing ? " readonly" : ""} required>
      ${spec.map(field).join("")}
      <div class="actions"><button type="submit" class="primary" id="save">${editing ? "Save" : "Create"}</button>
      <a href="${kind === "sessions" ? (editing ? "#/session/" + encodeURIComponent(name) : "#/") : "#/" + (kind === "local-endpoints" ? "endpoints" : "profiles")}">Cancel</a></div>
    </form>`;
  (editing ? $("#f-" + spec[0][0]) : $("#f-name")).focus();
  $("#edit-form").onsubmit = async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [key, , type] of spec) {
      const el = document.getElementById("f-" + key);
      el.removeAttribute("aria-invalid");
      if (type === "bool") body[key] = el.checked;
      else if (type === "list") {
        if (el.value.trim() !== "" || editing) body[key] = el.value.split(",").map((s) => s.trim()).filter(Boolean);
      } else if (type === "number") {
        if (el.value !== "") body[key] = Number(el.value);
      } else if (el.value !== "") body[key] = el.value;
    }
    if (body.authentication_mode === "PSK") delete body.trusted_ca;
    if (!editing) body.name = $("#f-name").value;
    const r = editing ? await api("PATCH", kind + "/" + encodeURIComponent(name), body)
      : await api("POST", kind, body);
    /* The secret leaves the page once sent, whatever the answer. */
    document.querySelectorAll("input[type=password], textarea[name=private_key]").forEach((el) => { el.value = ""; });
    if (r.status >= 400) {
      say(`Not saved: ${r.data.error_message}`);
      const bad = r.data.field && document.getElementById("f-" + r.data.field.replace(/\[.*$/, ""));
      if (bad) { bad.setAttribute("aria-invalid", "true"); bad.setAttribute("aria-describedby", "message"); bad.focus(); }
      return;
    }
    say(`${KINDS[kind]} ${r.data.name} ${editing ? "saved" : "created"}.`, true);
    location.hash = kind === "sessions" ? "#/session/" + encodeURIComponent(r.data.name)
      : "#/" + (kind === "local-endpoints" ? "endpoints" : "profiles");
  };
}

async function listView(kinds, title) {
  let html = `<h2>${title}</h2>`;
  for (const kind of kinds) {
    const list = (await api("GET", kind)).data.results || [];
    html += `<h3>${KINDS[kind]}s</h3><p><a href="#/${kind}/new" id="new-${kind}">New ${KINDS[kind]}</a></p>
      <div class="scroll"><table><thead><tr><th>name</th><th>description</th><th></th></tr></thead><tbody>` +
      list.map((o) => `<tr><td>${esc(o.name)}</td><td>${esc(o.description)}</td><td>${o.system_owned ? "system" :
        `<a href="#/${kind}/${encodeURIComponent(o.name)}/edit">Edit</a> <button type="button" class="danger" data-kind="${kind}" data-name="${esc(o.name)}">Delete</button>`}</td></tr>`).join("") +
      `</tbody></table></div>`;
  }
  $("#view").innerHTML = html;
  document.querySelectorAll("button[data-kind]").forEach((b) => {
    b.onclick = async () => {
      if (!confirm(`Delete ${KINDS[b.dataset.kind]} ${b.dataset.name}?`)) return;
      const r = await api("DELETE", b.dataset.kind + "/" + encodeURIComponent(b.dataset.name));
      say(r.status >= 400 ? r.data.error_message : `${KINDS[b.dataset.kind]} ${b.dataset.name} deleted.`, r.status < 400);
      listView(kinds, title);
    };
  });
}

/* ---------------------------------------------------------------- routing */

async function route() {
  stopPolling();
  if (!csrf) return;
  const h = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  const parts = h.split("/");
  try {
    if (h === "") await overview();
    else if (parts[0] === "session" && parts.length === 2) await sessionView(parts[1]);
    else if (parts[0] === "profiles") await listView(["ike-profiles", "tunnel-profiles", "dpd-profiles"], "Profiles");
    else if (parts[0] === "endpoints") await listView(["local-endpoints"], "Local endpoints");
    else if (FORMS[parts[0]] && parts[1] === "new") await formView(parts[0]);
    else if (FORMS[parts[0]] && parts[2] === "edit") await formView(parts[0], parts[1]);
    else $("#view").innerHTML = `<p>No such page. <a href="#/">Overview</a></p>`;
  } catch (e) {
    if (e.message !== "not logged in") say(e.message);
  }
}

async function start() {
  $("#login-form").addEventListener("submit", login);
  $("#logout").addEventListener("click", logout);
  /* A message stays for the view a change led to, and goes with the next one. */
  window.addEventListener("hashchange", () => { if (Date.now() - saidAt > 1000) say(""); route(); });
  const r = await fetch("/whoami", { credentials: "same-origin" });
  if (r.status === 200) {
    csrf = (await r.json()).csrf_token;
    $("#nav").hidden = false;
    route();
  } else {
    showLogin();
  }
}

document.addEventListener("DOMContentLoaded", start);
