import { strict as assert } from "node:assert";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { activeLeases, leaseFileFor, leasesActive, phoneOnHotspot, stationCount } from "../../../runtime/network/hotspot-phones.ts";

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

/** a fake `iw` first on PATH, printing what `iw dev wlan0 station dump` prints (or failing as it does without the device) */
function fakeIw(dir: string, stations: number): void {
  const block = (i: number): string => `Station 5e:3a:11:22:33:4${i} (on wlan0)\n\tinactive time:\t1200 ms\n\trx bytes:\t12345\n\tsignal:  \t-48 dBm\n\tassociated:\tyes\n`;
  writeFileSync(join(dir, "iw"), `#!/bin/sh\n[ "$2" = wlan0 ] || { echo "command failed: No such device (-19)" >&2; exit 237; }\ncat <<'X'\n${Array.from({ length: stations }, (_, i) => block(i)).join("")}X\n`);
  chmodSync(join(dir, "iw"), 0o755);
}

test("a phone: a recent portal connection, a station on the AP, or an active lease; none of them: no phone; sources that cannot be read say nothing", async () => {
  assert.equal(leaseFileFor("wlan0"), "/var/lib/NetworkManager/dnsmasq-wlan0.leases");
  const dir = mkdtempSync(join(tmpdir(), "gridbox-phones-"));
  const oldPath = process.env.PATH;
  process.env.PATH = `${dir}:${oldPath}`;
  try {
    const leaseFile = join(dir, "dnsmasq-wlan0.leases");
    const probe = { iface: "wlan0", leaseFile, nowMs: NOW, portalUsedMs: undefined, recentMs: 300_000 };
    fakeIw(dir, 0);
    assert.equal(await stationCount("wlan0"), 0);
    assert.equal(await stationCount("wlan9"), undefined, "iw failed: says nothing");
    assert.equal(await leasesActive(leaseFile, NOW), false, "no file: no lease");
    assert.equal(await leasesActive(dir, NOW), undefined, "unreadable (EISDIR here; EACCES under the unit): says nothing");
    assert.equal(await phoneOnHotspot(probe), false);
    assert.equal(await phoneOnHotspot({ ...probe, portalUsedMs: NOW - 60_000 }), true, "the page was opened a minute ago");
    assert.equal(await phoneOnHotspot({ ...probe, portalUsedMs: NOW - 400_000 }), false, "too long ago");
    fakeIw(dir, 2);
    assert.equal(await stationCount("wlan0"), 2);
    assert.equal(await phoneOnHotspot(probe), true, "associated stations");
    fakeIw(dir, 0);
    writeFileSync(leaseFile, `${s(NOW + 60_000)} 5e:3a:11:22:33:44 10.42.0.57 * *\n`);
    assert.equal(await phoneOnHotspot(probe), true, "an active lease");
    assert.equal(await phoneOnHotspot({ ...probe, nowMs: NOW + 120_000 }), false, "expired by then");
  } finally { process.env.PATH = oldPath; rmSync(dir, { recursive: true, force: true }); }
});
