import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseWifiList, securityKind, WifiScanner } from "../../../runtime/network/wifi-scan.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { installFakeNmcli } from "../../fakes/nmcli/fake-nmcli.ts";

test("nmcli's terse scan list: escaped colons and backslashes, hidden networks left out, one row per network at its strongest", () => {
  const out = [
    "Home\\:Net:80:WPA2 WPA3",
    "Home\\:Net:35:WPA2 WPA3",
    ":90:WPA2",
    "--:50:WPA2",
    "Back\\\\slash:41:WPA1 WPA2",
    "Cafe:60:",
    "Uni:70:WPA2 802.1X",
    "Broken:abc:--",
    "",
  ].join("\n");
  assert.deepEqual(parseWifiList(out), [
    { ssid: "Home:Net", signal: 80, security: "WPA2 WPA3" },
    { ssid: "Uni", signal: 70, security: "WPA2 802.1X" },
    { ssid: "Cafe", signal: 60, security: "" },
    { ssid: "Back\\slash", signal: 41, security: "WPA1 WPA2" },
    { ssid: "Broken", signal: 0, security: "" },
  ]);
  assert.deepEqual(["", "WPA2", "WPA2 802.1X", "WEP"].map(securityKind), ["open", "personal", "enterprise", "wep"]);
});

test("the scanner runs the documented command, and keeps the last good list while the hotspot spoils the scan", async () => {
  const nm = installFakeNmcli({
    devices: [{ device: "wlan0", type: "wifi", state: "disconnected", connection: "" }],
    networks: [{ ssid: "MyHome", bssid: "66:77:88:99:AA:BB", password: "x", signal: 72 }, { ssid: "MyHome", bssid: "66:77:88:99:AA:BC", password: "x", signal: 40 }],
  });
  try {
    const clock = new FakeClock();
    const scanner = new WifiScanner({ clock });
    assert.deepEqual(await scanner.scan(), { networks: [{ ssid: "MyHome", signal: 72, security: "WPA2" }], ageS: 0 });
    assert.deepEqual(nm.calls()[0]?.argv, ["-t", "-f", "SSID,SIGNAL,SECURITY", "device", "wifi", "list", "--rescan", "auto"]);
    // the radio now serves the hotspot: an empty list answers the last good one, with its age
    nm.update((s) => { s.networks = []; });
    await clock.advance(30_000);
    assert.deepEqual(await scanner.scan(), { networks: [{ ssid: "MyHome", signal: 72, security: "WPA2" }], ageS: 30 });
    nm.update((s) => { s.nm_running = false; });
    const failed = await scanner.scan();
    assert.equal(failed.networks.length, 1);
    assert.match(failed.error ?? "", /NetworkManager is not running/);
  } finally { nm.cleanup(); }
});
