import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { HomeWifiSettings } from "../../../runtime/config/sections/home-wifi.ts";
import { preconfiguredWifi } from "../../../runtime/network/preconfigured-wifi.ts";
import { TEST_PROFILE, testHomeWifi } from "../../../runtime/network/wifi-join-test.ts";
import { WifiScanner } from "../../../runtime/network/wifi-scan.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { installFakeNmcli, type FakeDevice, type Scenario } from "../../fakes/nmcli/fake-nmcli.ts";

/** The home Wi-Fi "Test" button against the fake nmcli: in range, security vs password, a real join on a second radio. */
const PASSWORD = "correct-horse-42";
const scenario = (devices: FakeDevice[]): Scenario => ({
  devices,
  networks: [
    { ssid: "MyHome", bssid: "66:77:88:99:AA:BB", password: PASSWORD, signal: 72, security: "WPA2 WPA3" },
    { ssid: "Cafe", bssid: "00:00:00:00:00:01", password: "", signal: 55, security: "" },
    { ssid: "Office", bssid: "00:00:00:00:00:02", password: "", signal: 40, security: "WPA2 802.1X" },
  ],
});
const ONE_RADIO: FakeDevice[] = [{ device: "wlan0", type: "wifi", state: "connected", connection: "gridbox-setup" }];
const TWO_RADIOS: FakeDevice[] = [...ONE_RADIO, { device: "wlan1", type: "wifi", state: "disconnected", connection: "" }];
const s = (over: Partial<HomeWifiSettings> = {}): HomeWifiSettings => ({ ssid: "MyHome", password: PASSWORD, hidden: false, interface: "wlan0", ...over });

async function run(devices: FakeDevice[], settings: HomeWifiSettings) {
  const nm = installFakeNmcli(scenario(devices));
  try {
    const r = await testHomeWifi(settings, { scanner: new WifiScanner({ clock: new FakeClock() }), hotspotInterface: "wlan0", signal: new AbortController().signal, timeoutMs: 10_000 });
    assert.ok(!r.message.includes(settings.password ?? "\u0000"), "never quotes the password");
    return { r, nm: nm.read(), calls: nm.calls() };
  } finally { nm.cleanup(); }
}

test("one radio: in range and secured as the password expects; the real join happens on save, and the page says the hotspot drops", async () => {
  const { r, calls } = await run(ONE_RADIO, s());
  assert.equal(r.ok, true);
  assert.match(r.message, /^MyHome is in range \(signal 72 %, WPA2 WPA3\) and takes a password\. .*one free Wi-Fi radio.*real join happens when you save.*hotspot returns/);
  assert.ok(!calls.some((c) => c.argv.includes("add")), "no profile on the hotspot's radio");
});

test("refusals in words: not in range, wrong capitals, no password for a WPA network, a password for an open one, WPA-Enterprise", async () => {
  assert.match((await run(ONE_RADIO, s({ ssid: "Neighbour" }))).r.message, /^Neighbour is not in range\. .*Hidden network/);
  assert.match((await run(ONE_RADIO, s({ ssid: "myhome" }))).r.message, /myhome is not in range, but MyHome is: the name must match exactly/);
  assert.match((await run(ONE_RADIO, s({ password: undefined }))).r.message, /^MyHome needs a password \(WPA2 WPA3\)\./);
  assert.match((await run(ONE_RADIO, s({ ssid: "Cafe" }))).r.message, /Cafe is an open network: leave the password empty/);
  assert.equal((await run(ONE_RADIO, s({ ssid: "Cafe", password: undefined }))).r.ok, true);
  assert.match((await run(ONE_RADIO, s({ ssid: "Office" }))).r.message, /WPA-Enterprise/);
  const hidden = await run(ONE_RADIO, s({ ssid: "Attic", hidden: true }));
  assert.equal(hidden.r.ok, true);
  assert.match(hidden.r.message, /^Attic hides its name, so the scan cannot see it\./);
});

test("a second radio: a real association with a throw-away profile, removed afterwards; a wrong password is reported", async () => {
  const good = await run(TWO_RADIOS, s());
  assert.equal(good.r.ok, true, good.r.message);
  assert.match(good.r.message, /joined it with the second radio wlan1: the password is right/);
  const add = good.calls.find((c) => c.argv.includes("add"))?.argv ?? [];
  assert.equal(add[add.indexOf("ifname") + 1], "wlan1");
  assert.equal(add[add.indexOf("autoconnect") + 1], "no");
  assert.equal(good.nm.connections?.[TEST_PROFILE], undefined, "the test profile is gone");
  const bad = await run(TWO_RADIOS, s({ password: "wrong-password-1" }));
  assert.equal(bad.r.ok, false);
  assert.match(bad.r.message, /joining it with the second radio wlan1 failed: wrong password for MyHome/);
  assert.equal(bad.nm.connections?.[TEST_PROFILE], undefined);
});

test("Wi-Fi set up before gridbox (Imager's `preconfigured`): found with its SSID; gridbox's own profiles and access points are not", async () => {
  const nm = installFakeNmcli({
    ...scenario(ONE_RADIO),
    connections: {
      preconfigured: { type: "wifi", ssid: "Home:Net" },
      "gridbox-setup": { type: "wifi", ssid: "gridbox-9F7E", "802-11-wireless.mode": "ap" },
      "gridbox-home": { type: "wifi", ssid: "MyHome" },
      "someone-ap": { type: "wifi", ssid: "X", "802-11-wireless.mode": "ap" },
      "Wired connection 1": { type: "ethernet" },
    },
  });
  try {
    assert.deepEqual(await preconfiguredWifi(), [{ profile: "preconfigured", ssid: "Home:Net", active: false }]);
  } finally { nm.cleanup(); }
});
