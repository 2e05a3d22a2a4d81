// The settings form, rendered from gridbox's config schema (titles from keys, help from
// descriptions, defaults as placeholders, secrets as password fields that say "set"/"not set").
// A section the schema gains (a new adapter) appears here without edits to this file.

const MAIN = ["site", "admin", "home_wifi", "system", "sink", "sources", "wifi", "broker", "homeassistant", "wallbox", "hotspot", "setup_button", "http"];
const ADVANCED = ["log", "ingest", "outbox"];
const OPEN_IN_SETUP = new Set(["admin", "sink"]);
const SECRET_SET = "***";

export const fieldId = (path) => "f-" + path.join("__").replace(/[^A-Za-z0-9_-]/g, "_");
const keyOf = (path) => JSON.stringify(path);
const NAMES = { influx: "InfluxDB", influxdb: "InfluxDB", sink: "Where readings go", sources: "Sources", homeassistant: "Home Assistant", wifi: "Wi-Fi", http: "HTTP API", goe: "go-e", hoymiles: "Hoymiles", powerwall: "Powerwall", gpio: "GPIO relay", ocpp: "OCPP", site: "Site", admin: "Admin" };
const UNITS = { a: "A", w: "W", v: "V", ms: "ms", s: "s", hz: "Hz", bytes: "bytes", pct: "%", soc: "SoC %" };
function title(key, s) {
  if (s?.title) return s.title; // the schema's own title
  if (NAMES[key]) return NAMES[key];
  const m = /^(.*)_(a|w|v|ms|s|hz|bytes|pct)$/.exec(key);
  const base = (m ? m[1] : key).replace(/_/g, " ").replace(/\b(url|id|mqtt|ssid|ssh|api|tls|ca|hmac|dtu|ocpp|http|tcp|ws|sni)\b/gi, (w) => w.toUpperCase()).replace(/\bhomeassistant\b/i, "Home Assistant");
  return base.replace(/^./, (c) => c.toUpperCase()) + (m ? ` (${UNITS[m[2]]})` : "");
}
const isAdvancedKey = (key) => /_(ms|s|bytes)$/.test(key) || /^(queue_limit|max_connections|client_id|tls_servername|email|session_file|batch_max_lines|memory_max_readings|reconnect_after_auth_failures|precision|max_failures)$/.test(key);
const get = (obj, path) => path.reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}
/** append without the null placeholders of optional parts */
const add = (parent, ...children) => { for (const c of children) if (c) parent.append(c); };
export { el };

const isRecord = (s) => s && s.type === "object" && s.patternProperties && !s.properties;
const isSection = (s) => s && s.type === "object" && s.properties;
const literals = (s) => (Array.isArray(s.anyOf) && s.anyOf.every((x) => "const" in x) ? s.anyOf.map((x) => x.const) : undefined);

export class SettingsForm {
  constructor(root, schema, values, { mode, pending, onTest, onAddDevice, checks }) {
    this.root = root; this.schema = schema; this.values = values; this.mode = mode;
    this.fields = new Map(); // key -> { path, schema, input, initial, kind, errorEl, wrap }
    this.checks = new Map(checks.map((c) => [c.section, c.label]));
    this.onTest = onTest; this.onAddDevice = onAddDevice;
    this.pendingDevices = new Set(pending?.devices ?? []);
    this.render();
  }

  render() {
    const props = this.schema.properties;
    const names = Object.keys(props).filter((k) => k !== "version");
    const main = [...MAIN.filter((k) => names.includes(k)), ...names.filter((k) => !MAIN.includes(k) && !ADVANCED.includes(k))];
    for (const name of main) {
      const s = props[name];
      // an adapter registry (sources): each adapter is a section of its own, so a new one appears by itself
      const children = Object.entries(s.properties ?? {});
      if (children.length > 0 && children.every(([, c]) => isSection(c))) for (const [k, c] of children) this.root.append(this.section([name, k], c));
      else this.root.append(this.section([name], s));
    }
    const adv = el("details", { class: "section" }, el("summary", { text: "Advanced settings" }));
    const body = el("div", { class: "body" });
    for (const name of ADVANCED.filter((k) => names.includes(k))) body.append(this.section([name], props[name]));
    adv.append(body);
    this.root.append(adv);
  }

  section(path, s) {
    const name = path.join("-");
    const d = el("details", { class: "section", id: `section-${name}`, open: this.mode === "setup" && OPEN_IN_SETUP.has(path[0]) });
    d.append(el("summary", { text: title(path[path.length - 1], s) + (s.description ? ` — ${s.description}` : "") }));
    const body = el("div", { class: "body" });
    this.fieldsInto(body, path, s);
    if (name === "broker") body.append(this.devices());
    this.testButton(body, path);
    d.append(body);
    return d;
  }

  /** a "Test" button for a section that has a check on the server (keyed by its dotted path) */
  testButton(container, path) {
    const key = path.join(".");
    if (!this.checks.has(key)) return;
    const out = el("p", { class: "result", role: "status", "aria-live": "polite", hidden: true });
    const btn = el("button", { type: "button", class: "secondary test", text: this.checks.get(key), onclick: () => this.onTest(key, btn, out) });
    container.append(el("div", { class: "actions" }, btn), out);
  }

  fieldsInto(container, path, s) {
    const more = el("details", { class: "more" }, el("summary", { text: "More settings" }));
    const entries = Object.entries(s.properties).sort(([a], [b]) => (a === "enabled" ? -1 : b === "enabled" ? 1 : 0));
    // a nested section is shown, not tucked away, when it is an adapter: it can be enabled, or a sibling picks it by type
    const picked = new Set(entries.flatMap(([, c]) => literals(c) ?? []).map(String));
    for (const [key, child] of entries) {
      const p = [...path, key];
      if (isSection(child)) {
        const shown = "enabled" in child.properties || picked.has(key);
        const box = shown ? el("fieldset", { id: `section-${p.join("-")}` }, el("legend", { text: title(key, child) })) : el("details", { class: "more" }, el("summary", { text: title(key, child) + (child.description ? ` — ${child.description}` : "") }));
        const inner = el("div", {});
        if (shown && child.description) inner.append(el("p", { class: "section-help", text: child.description }));
        this.fieldsInto(inner, p, child);
        this.testButton(inner, p);
        box.append(inner);
        (shown ? container : more).append(box);
        continue;
      }
      const f = this.field(p, key, child, s.required ?? []);
      if (!f) continue;
      (isAdvancedKey(key) ? more : container).append(f);
    }
    if (more.children.length > 1) container.append(more);
  }

  field(path, key, s, required) {
    const id = fieldId(path);
    const current = get(this.values, path);
    const description = key === "password_hash" ? "Choose a password of at least 8 characters. gridbox stores only a hash of it." : s.description;
    const help = description ? el("p", { class: "help", id: `${id}-help`, text: description + (s.default !== undefined && typeof s.default !== "object" && s.default !== "" ? ` (default: ${s.default})` : "") }) : null;
    const errorEl = el("p", { class: "error", id: `${id}-error`, hidden: true });
    const described = [help && `${id}-help`, `${id}-error`].filter(Boolean).join(" ");
    const wrap = el("div", { class: "field", "data-path": path.join(".") });
    let input, kind, initial;
    const opts = literals(s);
    if (key === "password_hash") {
      kind = "password";
      initial = "";
      input = el("input", { type: "password", id, autocomplete: "new-password", "aria-describedby": described, placeholder: current ? "set — leave empty to keep it" : "not set" });
      const confirm = el("input", { type: "password", id: `${id}-confirm`, autocomplete: "new-password", "aria-label": `${title(path[path.length - 2])} password again` });
      add(wrap, el("label", { for: id, text: `${title(path[path.length - 2])} password` }), help, input,
        el("label", { for: `${id}-confirm`, text: "The same password again" }), confirm,
        el("p", { class: "secret-state", text: current ? "A password is set." : "No password is set yet." }), errorEl);
      this.fields.set(keyOf(path), { path, s, input, confirm, initial, kind, errorEl, wrap });
      return wrap;
    }
    if (s.type === "boolean") {
      kind = "boolean"; initial = current ?? s.default ?? false;
      input = el("input", { type: "checkbox", id, "aria-describedby": described, checked: initial === true });
      wrap.classList.add("check");
      add(wrap, input, el("label", { for: id, text: title(key, s) }), help, errorEl);
    } else if (opts) {
      kind = "enum"; initial = String(current ?? s.default ?? "");
      input = el("select", { id, "aria-describedby": described });
      for (const o of opts) input.append(el("option", { value: String(o), text: String(o), selected: String(o) === initial }));
      add(wrap, el("label", { for: id, text: title(key, s) }), help, input, errorEl);
    } else if (s.type === "integer" || s.type === "number") {
      kind = "number"; initial = current === undefined ? "" : String(current);
      input = el("input", { type: "number", id, inputmode: "decimal", step: s.type === "integer" ? "1" : "any", min: s.minimum, max: s.maximum, value: initial, placeholder: s.default !== undefined ? String(s.default) : "", "aria-describedby": described });
      add(wrap, el("label", { for: id, text: title(key, s) }), help, input, errorEl);
    } else if (s.type === "string" && s.secret) {
      kind = "secret"; initial = "";
      const isSet = current === SECRET_SET;
      input = el("input", { type: "password", id, autocomplete: "off", "aria-describedby": `${described} ${id}-state`, placeholder: isSet ? "set — leave empty to keep it" : "not set" });
      const state = el("p", { class: "secret-state", id: `${id}-state`, text: isSet ? "Status: set" : "Status: not set" });
      add(wrap, el("label", { for: id, text: title(key, s) }), help, input, state, errorEl);
      this.fields.set(keyOf(path), { path, s, input, initial, kind, errorEl, wrap, state });
      return wrap;
    } else if (s.type === "string") {
      kind = "string"; initial = current === undefined ? "" : String(current);
      input = el("input", { type: "text", id, value: initial, placeholder: s.default ? String(s.default) : "", autocomplete: "off", autocapitalize: "off", spellcheck: "false", "aria-describedby": described });
      add(wrap, el("label", { for: id, text: title(key, s) }), help, input, errorEl);
    } else if (s.type === "array" && s.items?.type === "string") {
      kind = "lines"; initial = (current ?? []).join("\n");
      input = el("textarea", { id, "aria-describedby": described, rows: 3 });
      input.value = initial;
      add(wrap, el("label", { for: id, text: `${title(key, s)} (one per line)` }), help, input, errorEl);
    } else if (isRecord(s) && Object.values(s.patternProperties)[0]?.type === "string") {
      kind = "map"; initial = Object.entries(current ?? {}).map(([k, v]) => `${k}: ${v}`).join("\n");
      input = el("textarea", { id, "aria-describedby": described, rows: 3 });
      input.value = initial;
      add(wrap, el("label", { for: id, text: `${title(key, s)} (one "name: value" per line)` }), help, input, errorEl);
    } else if (isRecord(s)) {
      if (path.join(".") === "broker.devices") return null; // the device list below
      const n = Object.keys(current ?? {}).length;
      add(wrap, el("p", { class: "help", text: `${title(key, s)}: ${n} configured. ${s.description ?? ""} (edit these in the config file)` }), errorEl);
      this.fields.set(keyOf(path), { path, s, input: null, initial: null, kind: "readonly", errorEl, wrap });
      return wrap;
    } else {
      return null;
    }
    this.fields.set(keyOf(path), { path, s, input, initial, kind, errorEl, wrap });
    return wrap;
  }

  devices() {
    const box = el("fieldset", { id: "devices" }, el("legend", { text: "ESP32 grid monitors" }));
    const list = el("ul", { id: "device-list" });
    const ids = Object.keys(get(this.values, ["broker", "devices"]) ?? {});
    for (const id of ids) list.append(el("li", { text: id }));
    for (const id of this.pendingDevices) if (!ids.includes(id)) list.append(el("li", { text: `${id} (new: saved with the settings)` }));
    if (list.children.length === 0) list.append(el("li", { text: "none yet" }));
    const nameInput = el("input", { type: "text", id: "new-device-id", autocomplete: "off", placeholder: "e.g. kitchen (empty: gridbox picks one)" });
    const out = el("div", { id: "device-credentials", "aria-live": "polite" });
    const btn = el("button", { type: "button", class: "secondary", text: "Add an ESP32", onclick: () => this.onAddDevice(nameInput, btn, out, list) });
    box.append(list, el("div", { class: "field" }, el("label", { for: "new-device-id", text: "Name of the new device" }), nameInput), el("div", { class: "actions" }, btn), out);
    return box;
  }

  /** The fields the owner changed, as { path, value } (null: back to the default); client-side errors shown. */
  changes() {
    const out = []; let bad = 0;
    for (const f of this.fields.values()) {
      if (!f.input) continue;
      const v = f.kind === "boolean" ? f.input.checked : f.input.value;
      if (f.kind === "password") {
        if (v === "" && f.confirm.value === "") continue;
        if (v !== f.confirm.value) { this.showError(f, "The two passwords differ."); bad++; continue; }
        if (v.length < 8) { this.showError(f, "Use at least 8 characters."); bad++; continue; }
        out.push({ path: f.path, value: { password: v } });
        continue;
      }
      if (f.kind === "secret") { if (v !== "") out.push({ path: f.path, value: v }); continue; }
      if (v === f.initial) continue;
      if (f.kind === "number") out.push({ path: f.path, value: v.trim() === "" ? null : Number(v) });
      else if (f.kind === "enum") { const o = literals(f.s).find((x) => String(x) === v); out.push({ path: f.path, value: o }); }
      else if (f.kind === "lines") out.push({ path: f.path, value: v.split("\n").map((l) => l.trim()).filter(Boolean) });
      else if (f.kind === "map") out.push({ path: f.path, value: Object.fromEntries(v.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => { const i = l.indexOf(":"); return [l.slice(0, i).trim(), l.slice(i + 1).trim()]; })) });
      else out.push({ path: f.path, value: v });
    }
    return { changes: out, bad };
  }

  clearErrors() {
    for (const f of this.fields.values()) { f.errorEl.hidden = true; f.errorEl.textContent = ""; f.input?.removeAttribute("aria-invalid"); }
  }

  showError(f, message) {
    f.errorEl.textContent = message; f.errorEl.hidden = false;
    f.input?.setAttribute("aria-invalid", "true");
    for (let p = f.wrap.parentElement; p; p = p.parentElement) if (p.tagName === "DETAILS") p.open = true;
  }

  /** Shows each problem at its field (or the nearest one above it); returns those with no field. */
  showProblems(problems) {
    this.clearErrors();
    const unplaced = [];
    for (const pr of problems) {
      const parts = pr.path ? pr.path.split(".") : [];
      let f;
      for (let n = parts.length; n > 0 && !f; n--) f = this.fields.get(keyOf(parts.slice(0, n)));
      if (f) { this.showError(f, f.errorEl.hidden ? pr.message : `${f.errorEl.textContent} ${pr.message}`); pr.fieldId = f.input?.id ?? f.errorEl.id; }
      else unplaced.push(pr);
    }
    return unplaced;
  }

  /** Fills in what an import found; secrets stay on the server and show as "set (imported)". */
  fill(fields) {
    let n = 0;
    for (const { path, value } of fields) {
      let f = this.fields.get(keyOf(path));
      if (!f) {
        const parent = this.fields.get(keyOf(path.slice(0, -1)));
        if (parent?.kind === "map") { parent.input.value = `${parent.input.value ? parent.input.value + "\n" : ""}${path[path.length - 1]}: ${value}`; n++; }
        continue;
      }
      if (value && typeof value === "object" && value.secret) { if (f.state) f.state.textContent = "Status: set (imported; saved with the settings)"; n++; continue; }
      if (f.kind === "boolean") f.input.checked = value === true; else f.input.value = String(value);
      n++;
      for (let p = f.wrap.parentElement; p; p = p.parentElement) if (p.tagName === "DETAILS") p.open = true;
    }
    return n;
  }
}
