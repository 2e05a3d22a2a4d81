// gridbox's one page: setup (no config yet), failure (the config has problems: each one listed at
// its field, fixable here), and the admin page (login, live status, settings). Talks to /api/setup/*.
import { el, SettingsForm } from "./form.js";
import { startLive } from "./live.js";
import { enhanceSystemSections, joinNotice } from "./system-sections.js";

const app = document.getElementById("app");
const statusEl = document.getElementById("status");
const modeLine = document.getElementById("mode-line");
const logoutBtn = document.getElementById("logout");
let state = null;
let form = null;
let stopLive = null;
/** keys the owner chose to remove from the file (unknown keys of a broken config): sent with the next save */
let removals = [];

const say = (text) => { statusEl.textContent = text; if (text) setTimeout(() => { if (statusEl.textContent === text) statusEl.textContent = ""; }, 6000); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(path, body) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (state?.auth?.csrf) headers["x-csrf-token"] = state.auth.csrf;
  const res = await fetch(`/api/setup/${path}`, { method: body === undefined ? "GET" : "POST", headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  let data = {};
  try { data = await res.json(); } catch { /* empty */ }
  return { status: res.status, data };
}

async function load() {
  const r = await api("state");
  state = r.data;
  if (stopLive) { stopLive(); stopLive = null; }
  app.replaceChildren();
  logoutBtn.hidden = !state.auth.loggedIn;
  modeLine.textContent = { setup: "Setup: no configuration yet", failed: "Cannot start: the configuration has problems", running: "Running" }[state.mode] ?? state.mode;
  if (state.lastApply) {
    const a = state.lastApply;
    app.append(el("div", { class: `banner ${a.ok ? "ok" : "bad"}`, role: a.ok ? "status" : "alert", id: "last-apply" }, el("strong", { text: a.ok ? "Applied. " : "Not applied. " }), a.message));
  }
  if (state.auth.required && !state.auth.configured) {
    app.append(el("div", { class: "banner bad", role: "alert", text: "No admin password is configured, so settings cannot be changed here. Set admin.password_hash in the config file (gridbox passwd makes one) and send gridbox SIGHUP." }));
    return;
  }
  if (state.auth.required && !state.auth.loggedIn) return renderLogin();
  if (state.mode === "failed") renderProblems();
  if (state.mode === "running") {
    const tabs = el("div", { class: "tabs", role: "tablist" });
    const panel = el("div", { id: "panel" });
    const show = (which) => {
      for (const b of tabs.children) b.setAttribute("aria-selected", String(b.dataset.tab === which));
      panel.replaceChildren();
      if (stopLive) { stopLive(); stopLive = null; }
      if (which === "status") stopLive = startLive(panel, api);
      else renderSettings(panel);
    };
    tabs.append(el("button", { type: "button", role: "tab", "data-tab": "status", text: "Live status", onclick: () => show("status") }),
      el("button", { type: "button", role: "tab", "data-tab": "settings", text: "Settings", onclick: () => show("settings") }));
    app.append(tabs, panel);
    show("status");
    return;
  }
  if (state.mode === "setup") app.append(el("div", { class: "card" }, el("h2", { text: "Welcome" }), el("p", { text: "Fill in what you have: your home Wi-Fi, InfluxDB, your Powerwall, ESP32 grid monitors, Home Assistant, the wallbox. Choose an admin password: after setup this page asks for it. Or import the settings of a tool you used before." })));
  const panel = el("div", {});
  app.append(panel);
  await renderSettings(panel);
}

function renderLogin() {
  const pw = el("input", { type: "password", id: "login-password", autocomplete: "current-password", required: true });
  const err = el("p", { class: "error", id: "login-error", role: "alert", hidden: true });
  const btn = el("button", { type: "submit", text: "Log in" });
  const f = el("form", { class: "card", id: "login-form" }, el("h2", { text: "Admin login" }), el("div", { class: "field" }, el("label", { for: "login-password", text: "Admin password" }), pw), err, el("div", { class: "actions" }, btn));
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    btn.disabled = true;
    const r = await api("login", { password: pw.value });
    btn.disabled = false;
    if (r.status === 200) { pw.value = ""; await load(); return; }
    err.textContent = r.data.error ?? `login failed (${r.status})`; err.hidden = false; pw.focus();
  });
  app.append(f);
  pw.focus();
}

function renderProblems() {
  const list = el("ul", { class: "problems", id: "problem-list" });
  removals = [];
  for (const p of state.problems) {
    const li = el("li", {}, el("code", { text: p.path || "(whole file)" }), ": ", p.message);
    // a key the schema does not know has no field to fix it in: offer to remove it
    if (p.path && /^unknown key/.test(p.message)) {
      const btn = el("button", { type: "button", class: "secondary remove-key", text: `Remove ${p.path} from the file`, onclick: () => {
        removals.push({ path: p.path.split("."), value: null });
        btn.replaceWith(el("span", { class: "result ok", text: "removed when you save" }));
      } });
      li.append(" ", btn);
    }
    list.append(li);
  }
  app.append(el("div", { class: "banner bad", role: "alert" }, el("h2", { text: `The configuration has ${state.problems.length} problem${state.problems.length === 1 ? "" : "s"}` }),
    el("p", { text: "gridbox keeps this page open instead of running. Fix each problem below (it is shown at its field) and save." }), list));
}

async function renderSettings(panel) {
  const r = await api("form");
  if (r.status !== 200) { panel.append(el("p", { class: "error", text: r.data.error ?? "cannot load the settings" })); return; }
  const formEl = el("form", { id: "settings", novalidate: true });
  const summary = el("div", { id: "save-problems", role: "alert" });
  panel.append(importBox(), formEl, summary);
  form = new SettingsForm(formEl, r.data.schema, r.data.values, { mode: state.mode, pending: r.data.pending, checks: state.checks, onTest: runTest, onAddDevice: addDevice });
  enhanceSystemSections(form, api); // home Wi-Fi scan list, steps Imager already set (not awaited: the scan takes seconds)
  if (state.mode === "failed") form.showProblems(state.problems);
  const save = el("button", { type: "submit", id: "save", text: state.mode === "setup" ? "Save and start gridbox" : "Save and apply" });
  formEl.append(el("div", { class: "actions" }, save));
  formEl.addEventListener("submit", async (e) => { e.preventDefault(); await saveSettings(save, summary); });
}

async function saveSettings(btn, summary) {
  form.clearErrors();
  summary.replaceChildren();
  const { changes: edited, bad } = form.changes();
  const changes = [...edited, ...removals];
  if (bad > 0) { say("Please fix the fields marked in red."); return; }
  btn.disabled = true;
  say("Checking…");
  const r = await api("config", { changes });
  if (r.status === 422 || r.status === 400) {
    btn.disabled = false;
    const problems = r.data.problems ?? [{ path: "", message: r.data.error }];
    const unplaced = form.showProblems(problems);
    const list = el("ul", { class: "problems" });
    for (const p of problems) list.append(el("li", {}, p.fieldId ? el("a", { href: `#${p.fieldId}`, text: p.path || "config" }) : el("code", { text: p.path || "config" }), `: ${p.message}`));
    summary.append(el("div", { class: "banner bad" }, el("strong", { text: `Nothing was saved: ${problems.length} problem${problems.length === 1 ? "" : "s"}${unplaced.length ? "" : " (marked at the fields)"}.` }), list));
    say("Nothing was saved: see the marked fields.");
    summary.scrollIntoView({ block: "nearest" });
    return;
  }
  if (r.status !== 202) { btn.disabled = false; say(r.data.error ?? `saving failed (${r.status})`); return; }
  say("Saved. gridbox is restarting with the new settings…");
  joinNotice(app, changes, state.mode); // a new home Wi-Fi: what happens to this phone's connection now
  await waitForGeneration(r.data.generation);
  await load();
}

async function waitForGeneration(before) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    await sleep(500);
    try {
      const r = await api("state");
      if (r.status === 200 && r.data.generation !== before && !r.data.busy) return;
    } catch { /* restarting */ }
  }
}

async function runTest(section, btn, out) {
  const { changes } = form.changes();
  btn.disabled = true; out.hidden = false; out.className = "result"; out.textContent = "Testing…";
  const r = await api(`check/${section}`, { changes });
  btn.disabled = false;
  const ok = r.status === 200 && r.data.ok;
  out.className = `result ${ok ? "ok" : "bad"}`;
  out.textContent = r.status === 200 ? r.data.message : r.data.error ?? `test failed (${r.status})`;
}

async function addDevice(nameInput, btn, out, list) {
  btn.disabled = true;
  const r = await api("devices", { id: nameInput.value.trim() || undefined });
  btn.disabled = false;
  if (r.status !== 200) { out.replaceChildren(el("p", { class: "error", role: "alert", text: r.data.error ?? "could not add the device" })); return; }
  const d = r.data;
  const qr = el("div", { class: "qr", role: "img", "aria-label": `QR code with the credentials of ${d.id}` });
  qr.innerHTML = d.qrSvg; // made by gridbox's server from the payload below, not from user input
  const dl = el("dl", {}, el("dt", { text: "Broker" }), el("dd", {}, el("code", { text: d.host })), el("dt", { text: "Port" }), el("dd", {}, el("code", { text: String(d.port) })),
    el("dt", { text: "Device id" }), el("dd", {}, el("code", { text: d.id })), el("dt", { text: "Password" }), el("dd", {}, el("code", { text: d.password })));
  out.replaceChildren(el("div", { class: "device-creds" }, el("strong", { text: `Flash these into ${d.id}. They are shown only now: gridbox keeps only a hash of the password. The device can connect after you save.` }), dl, qr));
  if (list.textContent === "none yet") list.replaceChildren();
  list.append(el("li", { text: `${d.id} (new: saved with the settings)` }));
  nameInput.value = "";
}

function importBox() {
  const file = el("input", { type: "file", id: "import-file", accept: ".env,.conf,.ini,.txt,text/plain" });
  const out = el("div", { id: "import-result", "aria-live": "polite" });
  const btn = el("button", { type: "button", class: "secondary", text: "Import", onclick: async () => {
    const f = file.files?.[0];
    if (!f) { out.replaceChildren(el("p", { class: "error", text: "Choose a file first." })); return; }
    const r = await api("import", { text: await f.text() });
    if (r.status !== 200) { out.replaceChildren(el("p", { class: "error", text: r.data.error ?? "import failed" })); return; }
    const n = form.fill(r.data.fields);
    const items = [...r.data.problems.map((p) => el("li", { class: "error", text: p })), ...r.data.notes.map((p) => el("li", { text: p }))];
    out.replaceChildren(el("p", { class: r.data.format === "unknown" ? "result bad" : "result ok", text: r.data.format === "unknown" ? "Not imported." : `Read as ${r.data.format}: ${n} settings filled in. Check them, then save.` }), el("ul", {}, ...items));
  } });
  return el("details", { class: "section", id: "import" }, el("summary", { text: "Import from a tool you used before" }),
    el("div", { class: "body" }, el("p", { class: "help", text: `Accepted: ${state.importFormats.join(", ")}.` }), el("div", { class: "field" }, el("label", { for: "import-file", text: "File to import" }), file), el("div", { class: "actions" }, btn), out));
}

logoutBtn.addEventListener("click", async () => { await api("logout", {}); await load(); });
load().catch((err) => { app.replaceChildren(el("p", { class: "error", text: `The page could not load: ${err.message}` })); });
