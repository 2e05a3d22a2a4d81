import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { activeLeases, leaseFileFor, phoneOnHotspot } from "../../../runtime/network/hotspot-phones.ts";

const NOW = Date.UTC(2026, 10, 30, 15, 0, 0);
const s = (ms: number): number => Math.floor(ms / 1000);

test("dnsmasq lease lines: unexpired and infinite leases count, expired and malformed lines do not", () => {
  const text = [
    `${s(NOW + 3_600_000)} 5e:3a:11:22:33:44 10.42.0.57 Pixel-7 01:5e:3a:11:22:33:44`,
    `${s(NOW - 1000)} aa:bb:cc:dd:ee:ff 10.42.0.12 iPhone *`,
    `0 12:34:56:78:9a:bc 10.42.0.99 * *`,
    "duid 00:01:00:01:2c:1f:aa:bb:cc:dd:ee:ff",
    "",
    "garbage line",
  ].join("\n");
  assert.deepEqual(activeLeases(text, NOW), [{ mac: "5e:3a:11:22:33:44", ip: "10.42.0.57" }, { mac: "12:34:56:78:9a:bc", ip: "10.42.0.99" }]);
  assert.deepEqual(activeLeases("", NOW), []);
});

test("the lease file: NetworkManager's path per interface; missing means no phone; unreadable is an error that names the file", async () => {
  assert.equal(leaseFileFor("wlan0"), "/var/lib/NetworkManager/dnsmasq-wlan0.leases");
  const dir = mkdtempSync(join(tmpdir(), "gridbox-leases-"));
  try {
    assert.equal(await phoneOnHotspot(join(dir, "none.leases"), NOW), false);
    const f = join(dir, "dnsmasq-wlan0.leases");
    writeFileSync(f, `${s(NOW + 60_000)} 5e:3a:11:22:33:44 10.42.0.57 * *\n`);
    assert.equal(await phoneOnHotspot(f, NOW), true);
    assert.equal(await phoneOnHotspot(f, NOW + 120_000), false, "expired by then");
    await assert.rejects(phoneOnHotspot(dir, NOW), /cannot read the hotspot's DHCP leases/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
