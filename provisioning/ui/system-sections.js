// The appliance's own sections on top of the schema-rendered form (form.js renders their fields):
// - Home Wi-Fi: a pick list from the Pi's Wi-Fi scan plus "other network" for hidden ones, and the
//   one-radio note (the setup hotspot closes while gridbox joins) shown before the owner saves;
// - steps Raspberry Pi Imager (or anyone before gridbox) already set are folded away with
//   "set by Raspberry Pi Imager: host name gridbox-kitchen" and a "change" button;
// - a private key pasted into the SSH key field is removed at once and never sent.
import { el } from "./form.js";

const OTHER = "__other__";

export async function enhanceSystemSections(form, api) {
  homeWifi(form, api);
  guardPrivateKeys(form);
  const r = await api("system").catch(() => null);
  if (r?.status === 200 && r.data?.imager) skipImagerSteps(form, r.data.imager);
}

/**
 * Shown once a new home Wi-Fi was saved: with one radio this phone loses the setup hotspot while
 * gridbox joins, so the page may never see the outcome; it says now where to go in both cases.
 */
export function joinNotice(app, changes, mode) {
  const at = (path) => changes.find((c) => c.path.join(".") === path);
  const ssid = at("home_wifi.ssid")?.value;
  if (!ssid && !at("home_wifi.password") && !at("home_wifi.interface")) return;
  const host = at("system.hostname")?.value;
  const name = ssid || "the home Wi-Fi";
  const where = host ? `http://${host}.local/ (or the address your router lists for ${host})` : "the address your router lists for gridbox";
  const text = mode === "setup"
    ? `gridbox is joining ${name}. This phone may lose the setup Wi-Fi now. If the join works, connect this phone to ${name} and open ${where}. If it does not, the setup Wi-Fi comes back within about a minute: connect to it again and this page says why.`
    : `gridbox is joining ${name}. If this page stops answering, open ${where} from ${name}. If the join fails, the previous Wi-Fi settings come back and this page says why.`;
  app.prepend(el("div", { class: "banner note", role: "status", id: "join-notice" }, el("strong", { text: "Joining your Wi-Fi. " }), text));
  app.scrollIntoView({ block: "start" });
}

function fieldOf(form, path) { return form.fields.get(JSON.stringify(path)); }

function homeWifi(form, api) {
  const ssid = fieldOf(form, ["home_wifi", "ssid"]);
  if (!ssid) return;
  const select = el("select", { id: "wifi-pick", "aria-describedby": "wifi-pick-status" });
  const status = el("p", { class: "help", id: "wifi-pick-status", role: "status", "aria-live": "polite", text: "Looking for networks…" });
  const rescan = el("button", { type: "button", class: "secondary", id: "wifi-rescan", text: "Scan again", onclick: () => load() });
  const note = el("p", { class: "note", id: "wifi-radio-note", text: "With one Wi-Fi radio, the setup hotspot closes while gridbox joins your network, so this page goes quiet for up to a minute after you save. If the join fails, the previous settings come back, the hotspot returns and this page says why." });
  const pick = el("div", { class: "field pick" }, el("label", { for: "wifi-pick", text: "Networks gridbox can see" }), status, el("div", { class: "pick-row" }, select, rescan));
  ssid.wrap.before(note, pick);
  select.addEventListener("change", () => {
    if (select.value === OTHER) { ssid.input.value = ""; ssid.input.focus(); return; }
    if (select.value) { ssid.input.value = select.value; ssid.input.dispatchEvent(new Event("input")); }
  });
  async function load() {
    rescan.disabled = true; status.textContent = "Looking for networks…";
    const r = await api("wifi-scan").catch(() => null);
    rescan.disabled = false;
    const nets = r?.status === 200 ? r.data.networks ?? [] : [];
    if (r?.data?.radioNote) note.textContent = `${r.data.radioNote} Save only when the settings are right.`;
    select.replaceChildren(el("option", { value: "", text: nets.length ? "Choose your network…" : "No networks found" }));
    for (const n of nets) select.append(el("option", { value: n.ssid, text: `${n.ssid} (${n.signal} %${n.security ? `, ${n.security}` : ", open"})`, selected: n.ssid === ssid.input.value }));
    select.append(el("option", { value: OTHER, text: "Other network (hidden, or not in the list)…" }));
    status.textContent = r?.status !== 200 ? (r?.data?.error ?? "The scan did not work; type the network's name below.")
      : `${nets.length} network${nets.length === 1 ? "" : "s"} found${r.data.ageS > 5 ? ` (scanned ${Math.round(r.data.ageS / 60)} min ago, before the setup hotspot started)` : ""}${r.data.error ? `; the newest scan failed: ${r.data.error}` : ""}.`;
  }
  load();
}

/** A pasted private key never leaves the browser: the field is emptied and the owner told why. */
function guardPrivateKeys(form) {
  const f = fieldOf(form, ["system", "ssh_authorized_keys"]);
  if (!f) return;
  f.input.addEventListener("input", () => {
    if (!/PRIVATE KEY-----|PuTTY-User-Key-File/.test(f.input.value)) return;
    f.input.value = f.initial;
    form.showError(f, "That was a PRIVATE key: it was removed from this field and not sent. Paste the PUBLIC key instead: the one line in the .pub file (e.g. ~/.ssh/id_ed25519.pub), starting with ssh-ed25519.");
  });
}

function skipImagerSteps(form, im) {
  const v = (path) => path.reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), form.values);
  const empty = (path) => { const x = v(path); return x === undefined || x === "" || (Array.isArray(x) && x.length === 0); };
  const who = "Raspberry Pi Imager";
  const fold = (paths, text, changeLabel, current) => {
    const wraps = paths.map((p) => fieldOf(form, p)?.wrap).filter(Boolean);
    const first = wraps[0];
    if (!first) return;
    const extra = paths[0][0] === "home_wifi" ? [...first.parentElement.querySelectorAll(".pick, #wifi-radio-note, .actions, .result")] : [];
    const hidden = [...wraps, ...extra];
    for (const w of hidden) w.hidden = true;
    const btn = el("button", { type: "button", class: "secondary change", text: changeLabel, onclick: () => {
      for (const w of hidden) w.hidden = false;
      box.remove();
      const input = first.querySelector("input, textarea, select");
      if (input && current) input.placeholder = `now: ${current}`; // the value Imager set, as the starting point
      input?.focus();
    } });
    const box = el("div", { class: "imager-set", "data-imager": paths[0].join(".") }, el("p", {}, el("strong", { text: `Set by ${who}: ` }), text), btn);
    first.before(box);
  };
  if (im.hostname && empty(["system", "hostname"])) fold([["system", "hostname"]], `host name ${im.hostname}.`, "Change the host name", im.hostname);
  if (im.timezone && empty(["system", "timezone"])) fold([["system", "timezone"]], `time zone ${im.timezone}.`, "Change the time zone", im.timezone);
  if (im.sshKeys && empty(["system", "ssh_authorized_keys"])) fold([["system", "ssh_authorized_keys"]], `${im.sshKeys} SSH key${im.sshKeys === 1 ? "" : "s"} for the admin user. Keys added here work beside ${im.sshKeys === 1 ? "it" : "them"}.`, "Add SSH keys here");
  const wifi = (im.wifi ?? [])[0];
  const wifiSsid = wifi?.ssid || im.wifiSsid;
  if (wifiSsid && empty(["home_wifi", "ssid"])) {
    fold([["home_wifi", "ssid"], ["home_wifi", "password"], ["home_wifi", "hidden"], ["home_wifi", "interface"]],
      `Wi-Fi ${wifiSsid}${wifi ? ` (NetworkManager profile "${wifi.profile}"${wifi.active ? ", connected" : ""})` : ""}. gridbox leaves it as it is.`, "Use another Wi-Fi");
  }
}
