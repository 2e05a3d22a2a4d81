import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { detectImagerSystem } from "../../../runtime/system/imager-detect.ts";

/** What Imager set, read from fixture roots shaped like the systems it leaves behind. */
interface Fixture { hostname?: string; zone?: string; timezoneFile?: string; adminKeys?: string; record?: object }
function root(f: Fixture): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-imager-"));
  mkdirSync(join(dir, "etc"), { recursive: true });
  if (f.hostname) writeFileSync(join(dir, "etc/hostname"), `${f.hostname}\n`);
  if (f.zone) symlinkSync(`/usr/share/zoneinfo/${f.zone}`, join(dir, "etc/localtime"));
  if (f.timezoneFile) writeFileSync(join(dir, "etc/timezone"), `${f.timezoneFile}\n`);
  writeFileSync(join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\ngridbox:x:998:998::/var/lib/gridbox:/usr/sbin/nologin\nowner:x:1000:1000:,,,:/home/owner:/bin/bash\n");
  if (f.adminKeys !== undefined) { mkdirSync(join(dir, "home/owner/.ssh"), { recursive: true }); writeFileSync(join(dir, "home/owner/.ssh/authorized_keys"), f.adminKeys); }
  if (f.record) { mkdirSync(join(dir, "var/lib/gridbox-image"), { recursive: true }); writeFileSync(join(dir, "var/lib/gridbox-image/imager.json"), JSON.stringify(f.record)); }
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test("Raspberry Pi OS after Imager's customisation: host name, time zone and the admin's key are found on the system itself", () => {
  const r = root({ hostname: "gridbox-kitchen", zone: "Europe/Berlin", timezoneFile: "Europe/Berlin", adminKeys: "# from Imager\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB owner@laptop\n\n" });
  try {
    assert.deepEqual(detectImagerSystem({ root: r.dir }), { hostname: "gridbox-kitchen", timezone: "Europe/Berlin", sshKeys: 1, from: "system" });
  } finally { r.done(); }
});

test("fresh systems: default host names and zones are nobody's choice (our image before and after first boot, Raspberry Pi OS, Debian)", () => {
  for (const f of [
    { hostname: "gridbox-a0a5", zone: "Etc/UTC" },
    { hostname: "gridbox", zone: "Etc/UTC", timezoneFile: "Etc/UTC", adminKeys: "" },
    { hostname: "raspberrypi", zone: "Europe/London", timezoneFile: "Europe/London" },
    { hostname: "debian" },
    {},
  ] as Fixture[]) {
    const r = root(f);
    try { assert.deepEqual(detectImagerSystem({ root: r.dir }), { from: "none" }, JSON.stringify(f)); } finally { r.done(); }
  }
});

test("a zone link without Imager's /etc/timezone is not Imager's; the image shim's record is exact and wins", () => {
  const r = root({ hostname: "gridbox-a0a5", zone: "Europe/Berlin", record: { hostname: "gridbox-a0a5", timezone: "Europe/Berlin", ssh_keys: 2, wifi_ssid: "MyHome" } });
  try {
    assert.deepEqual(detectImagerSystem({ root: r.dir }), { hostname: "gridbox-a0a5", timezone: "Europe/Berlin", sshKeys: 2, wifiSsid: "MyHome", from: "record" });
  } finally { r.done(); }
  const s = root({ hostname: "gridbox-a0a5", zone: "Europe/Berlin" });
  try { assert.deepEqual(detectImagerSystem({ root: s.dir }), { from: "none" }); } finally { s.done(); }
});

test("a record that no longer matches the system (the owner changed the name since) does not claim it", () => {
  const r = root({ hostname: "gridbox-garage", zone: "Etc/UTC", record: { hostname: "gridbox-kitchen", timezone: "Europe/Berlin" } });
  try {
    assert.deepEqual(detectImagerSystem({ root: r.dir }), { hostname: "gridbox-garage", from: "record" });
  } finally { r.done(); }
});
