import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../../../runtime/config/paths.ts";

/**
 * The home Wi-Fi against a real NetworkManager in namespaces of this run's own (nm-netns.sh; root,
 * network-manager, udev, dbus: `make test` installs them); what runs there is home-wifi-inside.ts.
 */
const HARNESS = join(import.meta.dirname, "nm-netns.sh");
const INSIDE = join(import.meta.dirname, "home-wifi-inside.ts");
const CAPTIVE_CONF = join(REPO_ROOT, "image/networkmanager/gridbox-captive.conf");

test("home Wi-Fi profile, a failed join, Imager's profile and the scan against a real NetworkManager", { timeout: 150_000 }, async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile("unshare", ["--mount", "--net", "--propagation", "private", HARNESS, CAPTIVE_CONF, process.execPath, "--import", "tsx", INSIDE],
      { cwd: REPO_ROOT, encoding: "utf8", timeout: 120_000, killSignal: "SIGKILL" },
      (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)));
  });
  const r = JSON.parse(stdout.trim().split("\n").pop() as string) as Record<string, unknown>;
  assert.deepEqual(r.profile, {
    "802-11-wireless.ssid": "Home:Net", "802-11-wireless.hidden": "yes", "802-11-wireless-security.key-mgmt": "wpa-psk",
    "802-11-wireless-security.psk": "pw-never-printed-9x", "connection.autoconnect": "yes", "connection.autoconnect-priority": "10",
    "connection.interface-name": "wlan0", "ipv4.method": "auto",
  });
  assert.equal(r.keyfileMode, "600", "NetworkManager keeps the password in a 0600 keyfile");
  // real nmcli: "No suitable device found for this connection (device lo not available because profile is not compatible with device (mismatching interface name))"
  assert.equal(r.joinError, "there is no Wi-Fi interface wlan0 (home_wifi.interface)");
  assert.doesNotMatch(String(r.joinError), /pw-never-printed/);
  assert.equal((r.health as { state: string }).state, "down");
  assert.equal(r.profilesAfter, 0, "the failed profile is removed");
  assert.equal(r.passwordLogged, false);
  assert.deepEqual(r.preconfigured, [{ profile: "preconfigured", ssid: "Home:Net", active: false }]);
  const scan = r.scan as { networks: unknown[]; error?: string };
  assert.deepEqual(scan.networks, []);
});
