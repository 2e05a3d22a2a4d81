import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { deviceSuffix, loadOrCreateIdentity, setupFileText } from "../../../runtime/network/hotspot-identity.ts";

const files = (m: Record<string, string>) => (p: string): string | undefined => m[p];

test("the hotspot name comes from the Pi's serial, else the Wi-Fi MAC", () => {
  assert.equal(deviceSuffix(files({ "/sys/firmware/devicetree/base/serial-number": "10000000a1b2c3d4\0" })), "C3D4");
  assert.equal(deviceSuffix(files({ "/proc/cpuinfo": "Hardware\t: BCM2835\nSerial\t\t: 00000000deadbeef\n" })), "BEEF");
  assert.equal(deviceSuffix(files({ "/sys/class/net/wlan0/address": "dc:a6:32:01:9f:7e\n" })), "9F7E");
  assert.equal(deviceSuffix(files({})), "0000");
});

test("the identity is made once, kept 0600, and read back the same", () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-hotspot-"));
  try {
    const file = join(dir, "state", "setup-hotspot.json");
    const a = loadOrCreateIdentity(file, "9F7E");
    assert.equal(a.ssid, "gridbox-9F7E");
    assert.match(a.password, /^[a-hj-km-np-z2-9]{12}$/, "12 characters, none of 0 o 1 l i");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(loadOrCreateIdentity(file, "FFFF"), a, "kept: the card's setup file stays true");
    const text = setupFileText(a, "http://10.42.0.1/");
    assert.ok(text.includes(a.ssid) && text.includes(a.password) && text.includes("http://10.42.0.1/"));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
