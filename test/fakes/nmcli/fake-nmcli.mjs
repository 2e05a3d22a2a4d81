// A fake NetworkManager CLI for tests. It replays real nmcli --terse output formats (fields
// separated by ':', with ':' and '\' inside values escaped by '\'), real error texts on stderr
// with nmcli's exit codes (3 timeout, 4 activation failed, 8 NetworkManager not running,
// 10 no such device/connection/network), and records every call ({ t, argv }) in calls.jsonl.
// State and faults live in $FAKE_NMCLI_DIR/scenario.json (see fake-nmcli.ts); connect mutates it.
// Each call also records its pid and LC_ALL, so tests can check that no nmcli outlives its caller
// and that every call ran in the C locale. The scenario is replaced atomically (write + rename):
// several nmcli may run at once, and none may read a half-written file.
import { appendFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.FAKE_NMCLI_DIR;
if (!dir) { process.stderr.write("fake nmcli: FAKE_NMCLI_DIR is not set\n"); process.exit(1); }
const argv = process.argv.slice(2);
appendFileSync(join(dir, "calls.jsonl"), JSON.stringify({ t: Date.now(), argv, pid: process.pid, lc_all: process.env.LC_ALL ?? null }) + "\n");
const file = join(dir, "scenario.json");
const s = JSON.parse(readFileSync(file, "utf8"));
const save = () => { const tmp = `${file}.${process.pid}.tmp`; writeFileSync(tmp, JSON.stringify(s, null, 2)); renameSync(tmp, file); };
const esc = (v) => String(v ?? "").replace(/\\/g, "\\\\").replace(/:/g, "\\:");
const out = (text) => process.stdout.write(text);
const fail = (code, text) => { process.stderr.write(text + "\n"); process.exit(code); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (s.nm_running === false) fail(8, "Error: NetworkManager is not running.");

// global options
let i = 0, terse = false, fields, wait, getValues = false;
for (; i < argv.length && argv[i].startsWith("-"); i++) {
  if (argv[i] === "--terse" || argv[i] === "-t") terse = true;
  else if (argv[i] === "--fields" || argv[i] === "-f") fields = argv[++i].toLowerCase().split(",");
  else if (argv[i] === "--get-values" || argv[i] === "-g") { terse = true; getValues = true; fields = argv[++i].toLowerCase().split(","); }
  else if (argv[i] === "-w" || argv[i] === "--wait") wait = Number(argv[++i]);
  else fail(2, `Error: Option '${argv[i]}' is unknown, try 'nmcli -help'.`);
}
const rest = argv.slice(i);
const device = (name) => s.devices.find((d) => d.device === name);
const arg = (name) => { const k = rest.indexOf(name); return k >= 0 ? rest[k + 1] : undefined; };

async function main() {
  const [obj, cmd, sub] = rest;
  if (obj === "device" && cmd === "status") {
    if (!terse) fail(2, "fake nmcli: only --terse output is emulated");
    const f = fields ?? ["device", "type", "state", "connection"];
    for (const d of s.devices) out(f.map((k) => esc(d[k])).join(":") + "\n");
    return;
  }
  if (obj === "device" && cmd === "wifi" && (sub === undefined || sub === "list")) {
    const ifname = arg("ifname");
    if (ifname && !device(ifname)) fail(10, `Error: Device '${ifname}' not found.`);
    const wifiDevs = s.devices.filter((d) => d.type === "wifi" && (!ifname || d.device === ifname));
    const f = fields ?? ["in-use", "bssid", "ssid", "mode", "chan", "rate", "signal", "bars", "security"];
    for (const d of wifiDevs) {
      if (d.state === "unavailable") continue;
      for (const n of s.networks) {
        const active = d.state === "connected" && d.connection === n.ssid ? "yes" : "no";
        const row = { active, ssid: n.ssid, bssid: n.bssid, mode: n.mode ?? "Infra", chan: n.chan ?? 6, freq: `${n.freq ?? 2437} MHz`, signal: n.signal ?? 70,
          security: n.security ?? "WPA2", "wpa-flags": n.wpa ?? "(none)", "rsn-flags": n.rsn ?? "pair_ccmp group_ccmp psk", device: d.device };
        out(f.map((k) => esc(row[k])).join(":") + "\n");
      }
    }
    return;
  }
  if (obj === "device" && cmd === "wifi" && sub === "connect") {
    const ssid = rest[3];
    const password = arg("password");
    const ifname = arg("ifname");
    const fault = (s.faults?.connect ?? []).shift();
    if (fault !== undefined) save();
    if (fault === "busy") fail(4, "Error: Connection activation failed: (35) Device or resource busy.");
    if (fault === "hang") { await sleep(s.faults?.hang_ms ?? 60_000); fail(3, `Error: Timeout ${wait ?? 90} sec expired.`); }
    if (fault === "not_authorized") fail(4, "Error: Connection activation failed: Not authorized to control networking.");
    const d = ifname ? device(ifname) : s.devices.find((x) => x.type === "wifi");
    if (!d) fail(10, `Error: Device '${ifname}' not found.`);
    if (d.type !== "wifi") fail(10, `Error: Device '${d.device}' is not a Wi-Fi device.`);
    if (d.state === "unavailable") fail(4, "Error: Connection activation failed: (2) No suitable device found for this connection (device " + d.device + " not available because device is not available).");
    const net = s.networks.find((n) => n.ssid === ssid);
    if (!net) fail(10, `Error: No network with SSID '${ssid}' found.`);
    if (net.password !== password) {
      if (s.faults?.wrong_password === "timeout") { await sleep(s.faults?.timeout_ms ?? 200); fail(3, `Error: Timeout ${wait ?? 90} sec expired.`); }
      if (s.faults?.errors_on_stdout) { out("Error: Connection activation failed: (7) Secrets were required, but not provided.\n"); return; }
      fail(4, "Error: Connection activation failed: (7) Secrets were required, but not provided.");
    }
    if (s.faults?.connect_delay_ms) await sleep(s.faults.connect_delay_ms);
    s.connections ??= {};
    s.connections[ssid] ??= { "ipv4.never-default": "no", "ipv6.never-default": "no" };
    d.state = "connected";
    d.connection = ssid;
    save();
    out(`Device '${d.device}' successfully activated with '5a1e7c2e-3b0c-4f0e-9a53-${String(s.devices.indexOf(d)).padStart(12, "0")}'.\n`);
    return;
  }
  // the setup hotspot's profile (runtime/network/setup-hotspot.ts): add, up, down, delete, with real nmcli's texts
  const profileName = () => (rest[2] === "id" ? rest[3] : rest[2]);
  if (obj === "connection" && cmd === "add") {
    const props = {};
    for (let k = 2; k + 1 < rest.length; k += 2) props[rest[k]] = rest[k + 1];
    const name = props["con-name"];
    s.connections ??= {};
    s.connections[name] = props;
    save();
    out(`Connection '${name}' (6f1c2a4e-0d3b-4c2a-9e5f-000000000001) successfully added.\n`);
    return;
  }
  if (obj === "connection" && cmd === "up") {
    const name = profileName();
    const c = s.connections?.[name];
    if (!c) fail(10, `Error: unknown connection '${name}'.`);
    const fault = (s.faults?.hotspot_up ?? []).shift();
    if (fault !== undefined) save();
    if (fault === "supplicant_timeout") fail(4, "Error: Connection activation failed: 802.1X supplicant took too long to authenticate");
    const d = device(c.ifname);
    if (!d || d.state === "unavailable") fail(4, `Error: Connection activation failed: No suitable device found for this connection (device ${c.ifname} not available because device is not available).`);
    if (c.type === "wifi" && c["802-11-wireless.mode"] !== "ap") {
      // a client profile (the home Wi-Fi): the radio leaves whatever it served (the hotspot) first
      d.state = "connecting"; d.connection = name; save();
      if (s.faults?.join_delay_ms) await sleep(s.faults.join_delay_ms);
      const net = s.networks.find((n) => n.ssid === c.ssid);
      const fallBack = () => { d.state = "disconnected"; d.connection = ""; save(); };
      if (!net) { fallBack(); fail(4, "Error: Connection activation failed: The Wi-Fi network could not be found\nHint: use 'journalctl -xe NM_CONNECTION=5a1e7c2e NM_DEVICE=" + d.device + "' to get more details."); }
      if ((net.password ?? "") !== (c["wifi-sec.psk"] ?? "")) {
        fallBack();
        if (s.faults?.wrong_password === "timeout") { await sleep(s.faults?.timeout_ms ?? 200); fail(3, `Error: Timeout ${wait ?? 90} sec expired.`); }
        fail(4, "Error: Connection activation failed: Secrets were required, but not provided\nHint: use 'journalctl -xe NM_CONNECTION=5a1e7c2e NM_DEVICE=" + d.device + "' to get more details.");
      }
    }
    d.state = "connected"; d.connection = name; save();
    out(`Connection successfully activated (D-Bus active path: /org/freedesktop/NetworkManager/ActiveConnection/7)\n`);
    return;
  }
  if (obj === "connection" && cmd === "down") {
    const name = profileName();
    const d = s.devices.find((x) => x.connection === name && x.state === "connected");
    if (!d) fail(10, `Error: '${name}' is not an active connection.`);
    d.state = "disconnected"; d.connection = ""; save();
    out(`Connection '${name}' successfully deactivated (D-Bus active path: /org/freedesktop/NetworkManager/ActiveConnection/7)\n`);
    return;
  }
  if (obj === "connection" && cmd === "delete") {
    const name = profileName();
    if (!s.connections?.[name]) fail(10, `Error: unknown connection '${name}'.\nError: cannot delete unknown connection(s): 'id' '${name}'.`);
    delete s.connections[name]; save();
    out(`Connection '${name}' (6f1c2a4e-0d3b-4c2a-9e5f-000000000001) successfully deleted.\n`);
    return;
  }
  if (obj === "connection" && cmd === "modify") {
    const name = rest[2] === "id" ? rest[3] : rest[2];
    const props = rest.slice(rest[2] === "id" ? 4 : 3);
    if (!s.connections?.[name]) fail(10, `Error: unknown connection '${name}'.`);
    for (let k = 0; k + 1 < props.length; k += 2) s.connections[name][props[k]] = props[k + 1];
    save();
    return;
  }
  if (obj === "connection" && cmd === "show" && rest[2] === "id" && getValues) {
    // one property value per line, as `nmcli -g a,b connection show id NAME` prints them
    const c = s.connections?.[rest[3]];
    if (!c) fail(10, `Error: ${rest[3]} - no such connection profile.`);
    const value = (k) => k === "802-11-wireless.ssid" ? (c[k] ?? c.ssid) : k === "802-11-wireless.mode" ? (c[k] ?? (c.type === "wifi" ? "infrastructure" : ""))
      : k === "connection.interface-name" ? (c[k] ?? c.ifname ?? "") : c[k];
    for (const k of fields) out(esc(value(k)) + "\n");
    return;
  }
  if (obj === "connection" && (cmd === "show" || cmd === undefined) && rest.length <= 2) {
    if (!terse) fail(2, "fake nmcli: only --terse output is emulated");
    const f = fields ?? ["name", "uuid", "type", "device"];
    for (const [name, c] of Object.entries(s.connections ?? {})) {
      const dev = s.devices.find((x) => x.connection === name && x.state === "connected");
      const row = { name, uuid: "6f1c2a4e-0d3b-4c2a-9e5f-000000000001", type: c.type === "wifi" ? "802-11-wireless" : (c.type ?? "802-11-wireless"), device: dev?.device ?? "" };
      out(f.map((k) => esc(row[k])).join(":") + "\n");
    }
    return;
  }
  if (obj === "general" && cmd === "hostname") {
    if (sub === undefined) { out(`${s.hostname ?? "gridbox"}\n`); return; }
    if (s.faults?.hostname === "not_authorized") fail(1, "Error: failed to set hostname: Insufficient privileges");
    s.hostname = sub; save();
    return;
  }
  if (obj === "device" && cmd === "reapply") {
    const d = device(rest[2]);
    if (!d) fail(10, `Error: Device '${rest[2]}' not found.`);
    if (d.state !== "connected") fail(1, `Error: Reapplying connection to device '${d.device}' (${d.device}) failed: Device is not activated`);
    out(`Connection successfully reapplied to device '${d.device}'.\n`);
    return;
  }
  if (obj === "device" && cmd === "disconnect") {
    const d = device(rest[2]);
    if (!d) fail(10, `Error: Device '${rest[2]}' not found.`);
    d.state = "disconnected"; d.connection = ""; save();
    out(`Device '${d.device}' successfully disconnected.\n`);
    return;
  }
  fail(2, `Error: argument '${rest.join(" ")}' not understood (fake nmcli emulates only what gridbox calls).`);
}
await main();
