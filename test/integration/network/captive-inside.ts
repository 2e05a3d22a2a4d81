import { execFile, execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import Fastify from "fastify";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { registerCaptivePortal } from "../../../runtime/network/captive-portal.ts";
import { leaseFileFor, leasesActive } from "../../../runtime/network/hotspot-phones.ts";
import { HOTSPOT_PROFILE, SetupHotspot } from "../../../runtime/network/setup-hotspot.ts";

/**
 * Runs inside nm-netns.sh's namespace, next to a real NetworkManager; prints one JSON line.
 * 1. SetupHotspot's profile against the real nmcli: NM accepts the argv and stores an AP profile in
 *    shared mode with WPA2-PSK; activation fails here (veth, no Wi-Fi radio) with an error that does
 *    not hold the password; down() removes the profile.
 * 2. The captive half on a wired stand-in: a shared-mode profile on vt0 (NM starts its dnsmasq with
 *    image/networkmanager/gridbox-captive.conf), gridbox's captive routes on 10.42.0.1:80, and a
 *    client in the other namespace (dhcp-probe.ts) that gets an address, DHCP option 114 and DNS
 *    answers, then fetches the probes and the RFC 8908 API over HTTP.
 */
const nmcli = (...args: string[]): string => execFileSync("nmcli", args, { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
const out: Record<string, unknown> = {};

// ---- 1. the hotspot profile on the real NetworkManager
const identity = { ssid: "gridbox-AB12", password: "pw-never-printed-9" };
const hotspot = new SetupHotspot({ interface: "vt0", address: "10.42.0.1/24", identity, clock: systemClock, log: memoryLogger("error"), attempts: 1, timeoutMs: 20_000 });
// the profile exactly as SetupHotspot writes it, read back before any activation (a failed one may
// make NetworkManager forget the secret in memory)
nmcli(...hotspot.profileArgs());
const fields = nmcli("--terse", "--show-secrets", "--fields", "802-11-wireless.ssid,802-11-wireless.mode,ipv4.method,ipv4.addresses,802-11-wireless-security.key-mgmt,802-11-wireless-security.proto,802-11-wireless-security.psk,connection.autoconnect", "connection", "show", HOTSPOT_PROFILE);
out.profile = Object.fromEntries(fields.trim().split("\n").map((l) => { const k = l.indexOf(":"); return [l.slice(0, k), l.slice(k + 1)]; }));
// up() replaces it and tries to activate it: no Wi-Fi radio here, so it fails, in words
try { await hotspot.up(); out.upError = null; } catch (err) { out.upError = (err as Error).message; }
await hotspot.down();
out.profileAfterDown = nmcli("--terse", "--fields", "NAME", "connection", "show").split("\n").filter((n) => n === HOTSPOT_PROFILE).length;

// ---- 2. DHCP option 114, captive DNS and the portal over the wire
nmcli("connection", "add", "type", "ethernet", "ifname", "vt0", "con-name", "portal-wired", "ipv4.method", "shared", "ipv4.addresses", "10.42.0.1/24", "ipv6.method", "disabled");
nmcli("-w", "15", "connection", "up", "id", "portal-wired");
const app = Fastify();
registerCaptivePortal(app, { captive: () => true, portalPath: "/" });
app.get("/", async (_req, reply) => reply.type("text/html").send("<h1>gridbox setup</h1>"));
await app.listen({ host: "10.42.0.1", port: 80 });
const client = process.env.GRIDBOX_NETNS_CLIENT as string;
const inClient = (args: string[]): Promise<string> => new Promise((resolve, reject) => {
  execFile("ip", ["netns", "exec", client, ...args], { encoding: "utf8", timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout)));
});
const node = [process.execPath, "--import", "tsx"];
out.dhcp = JSON.parse(await inClient([...node, join(import.meta.dirname, "dhcp-probe.ts"), "vt1", "connectivitycheck.gstatic.com", "captive.apple.com", "www.msftconnecttest.com", "example.org"]));
// node:http, not fetch: fetch may not set the Host header, and a phone's probe names its host
const fetchScript = `import http from "node:http"; const [u, h] = process.argv.slice(1); const url = new URL(u);
http.get({ host: url.hostname, port: url.port || 80, path: url.pathname + url.search, headers: h ? { host: h } : {} }, (r) => {
  let body = ""; r.setEncoding("utf8"); r.on("data", (c) => { body += c; });
  r.on("end", () => process.stdout.write(JSON.stringify({ status: r.statusCode, location: r.headers.location ?? null, type: r.headers["content-type"] ?? null, body })));
});`;
const get = async (url: string, host?: string): Promise<unknown> => JSON.parse(await inClient([process.execPath, "--input-type=module", "-e", fetchScript, url, ...(host ? [host] : [])]));
const api = (out.dhcp as { captivePortalOption: string | null }).captivePortalOption;
out.http = {
  android: await get("http://10.42.0.1/generate_204", "connectivitycheck.gstatic.com"),
  apple: await get("http://10.42.0.1/hotspot-detect.html", "captive.apple.com"),
  other: await get("http://10.42.0.1/news", "example.org"),
  api: api ? await get(api) : null,
};
// the lease the client just got, as gridbox reads it to tell that a phone is on the hotspot
// (hotspot-phones.ts): NetworkManager's shared-mode dnsmasq file, readable by others (the unit runs as gridbox)
const leaseFile = leaseFileFor("vt0");
out.leases = { file: leaseFile, mode: (statSync(leaseFile).mode & 0o777).toString(8), phone: await leasesActive(leaseFile, Date.now()) };
await app.close();
process.stdout.write(JSON.stringify(out) + "\n");
