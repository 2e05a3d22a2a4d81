import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../../../runtime/config/paths.ts";

/**
 * The setup hotspot's network half against a real NetworkManager and its dnsmasq, in namespaces of
 * this run's own (nm-netns.sh; needs root, network-manager, dnsmasq-base, udev and dbus, which
 * `make test` installs): see captive-inside.ts for what runs there.
 */
const HARNESS = join(import.meta.dirname, "nm-netns.sh");
const INSIDE = join(import.meta.dirname, "captive-inside.ts");
const CAPTIVE_CONF = join(REPO_ROOT, "image/networkmanager/gridbox-captive.conf");

interface Http { status: number; location: string | null; type: string | null; body: string }
interface Result {
  upError: string | null;
  profile: Record<string, string>;
  profileAfterDown: number;
  dhcp: { address: string; router: string; dns: string; captivePortalOption: string | null; resolved: Record<string, string[]> };
  http: { android: Http; apple: Http; other: Http; api: Http | null };
  leases: { file: string; mode: string; phone: boolean };
}

test("setup hotspot and captive portal against a real NetworkManager and dnsmasq", { timeout: 150_000 }, async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile("unshare", ["--mount", "--net", "--propagation", "private", HARNESS, CAPTIVE_CONF, process.execPath, "--import", "tsx", INSIDE],
      { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000, killSignal: "SIGKILL" },
      (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)));
  });
  const r = JSON.parse(stdout.trim().split("\n").pop() as string) as Result;

  // the profile SetupHotspot makes, as NetworkManager stored it
  assert.deepEqual(r.profile, {
    "802-11-wireless.ssid": "gridbox-AB12", "802-11-wireless.mode": "ap", "ipv4.method": "shared", "ipv4.addresses": "10.42.0.1/24",
    "802-11-wireless-security.key-mgmt": "wpa-psk", "802-11-wireless-security.proto": "rsn", "802-11-wireless-security.psk": "pw-never-printed-9",
    "connection.autoconnect": "no",
  });
  assert.ok(r.upError, "no Wi-Fi radio here: activation fails");
  assert.doesNotMatch(r.upError, /pw-never-printed-9/, "the hotspot password is not in the error");
  assert.match(r.upError, /Wi-Fi device is unavailable/);
  assert.equal(r.profileAfterDown, 0, "down() removes the profile");

  // DHCP: an address in NM's shared range, the Pi as router and DNS, and option 114 with the RFC 8908 API
  assert.match(r.dhcp.address, /^10\.42\.0\.\d+$/);
  assert.equal(r.dhcp.router, "10.42.0.1");
  assert.equal(r.dhcp.dns, "10.42.0.1");
  assert.equal(r.dhcp.captivePortalOption, "http://10.42.0.1/captive-portal/api");
  // captive DNS: every name, the OS probes' included, is the Pi
  for (const [name, addrs] of Object.entries(r.dhcp.resolved)) assert.deepEqual(addrs, ["10.42.0.1"], name);
  // the client's lease is in the file gridbox reads to postpone home Wi-Fi retries (hotspot-phones.ts), and NM's
  // dnsmasq makes it readable by others; its folder here is the harness's (Debian's /var/lib/NetworkManager is 0700 root)
  assert.equal(r.leases.file, "/var/lib/NetworkManager/dnsmasq-vt0.leases");
  assert.equal(r.leases.phone, true, "a phone on the hotspot");
  assert.equal(Number.parseInt(r.leases.mode, 8) & 0o004, 0o004, `lease file mode ${r.leases.mode}`);

  // over the wire: probes and other hosts go to the portal; the API says captive, with the page
  for (const probe of [r.http.android, r.http.apple, r.http.other]) {
    assert.equal(probe.status, 302);
    assert.equal(probe.location, "http://10.42.0.1/");
  }
  assert.ok(r.http.api);
  assert.equal(r.http.api.status, 200);
  assert.equal(r.http.api.type, "application/captive+json");
  assert.deepEqual(JSON.parse(r.http.api.body), { captive: true, "user-portal-url": "http://10.42.0.1/" });
});
