import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hotspotSettingsFor } from "../../../runtime/boot/listen-address.ts";
import { REPO_ROOT, stateFile } from "../../../runtime/config/paths.ts";
import { installFakeNmcli } from "../../fakes/nmcli/fake-nmcli.ts";
import { freePort } from "../../support/victoria-metrics.ts";

/** `gridbox serve` with no config on a Pi-like machine: the setup hotspot comes up and the page answers phones' probes. */
function get(port: number, path: string, host: string): Promise<{ status: number; location: string | undefined; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { body += c; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, type: res.headers["content-type"], body }));
    }).on("error", reject).end();
  });
}

test("the hotspot section comes from the file, else from GRIDBOX_HOTSPOT__* and defaults (setup mode has no file); off by default", () => {
  assert.equal(hotspotSettingsFor("/nonexistent/gridbox.yaml", {}).enabled, false);
  const s = hotspotSettingsFor("/nonexistent/gridbox.yaml", { GRIDBOX_HOTSPOT__ENABLED: "true", GRIDBOX_HOTSPOT__INTERFACE: "wlan1" });
  assert.deepEqual(s, { enabled: true, interface: "wlan1", address: "10.42.0.1/24", portal_port: 80, offline_minutes: 10, home_retry_minutes: 5, button_window_minutes: 30 });
});

test("serve without a config: the setup hotspot comes up through nmcli and every probe opens the setup page", { timeout: 60_000 }, async () => {
  const nm = installFakeNmcli({ devices: [{ device: "wlan0", type: "wifi", state: "disconnected", connection: "" }], networks: [] });
  const dir = mkdtempSync(join(tmpdir(), "gridbox-setup-"));
  const port = await freePort();
  const portalPort = await freePort(); // 80 on the Pi
  const proc = spawn(process.execPath, [join(REPO_ROOT, "runtime/cli/bin.js"), "serve", "--config", join(dir, "missing.yaml")], {
    env: { ...process.env, GRIDBOX_HTTP__HOST: "127.0.0.1", GRIDBOX_HTTP__PORT: String(port), GRIDBOX_HOTSPOT__ENABLED: "true", GRIDBOX_HOTSPOT__PORTAL_PORT: String(portalPort) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  proc.stderr?.on("data", (d: Buffer) => { err += d.toString(); });
  try {
    for (let i = 0; i < 300; i++) {
      if (nm.read().devices[0]?.connection === "gridbox-setup") break; // `connection up` finished, not only started
      assert.equal(proc.exitCode, null, err);
      await new Promise((r) => setTimeout(r, 100));
    }
    const up = nm.calls().find((c) => c.argv.includes("up"))?.argv ?? [];
    assert.deepEqual(up.slice(-3), ["up", "id", "gridbox-setup"], `hotspot activated: ${err}`);
    assert.equal(nm.read().devices[0]?.connection, "gridbox-setup");
    assert.ok(!err.includes(String(nm.read().connections?.["gridbox-setup"]?.["wifi-sec.psk"])), "the hotspot password is not logged");

    const android = await get(port, "/generate_204", "connectivitycheck.gstatic.com");
    assert.equal(android.status, 302);
    assert.match(android.location ?? "", /^http:\/\/127\.0\.0\.1:\d+\/setup\/$/);
    const apple = await get(port, "/hotspot-detect.html", "captive.apple.com");
    assert.equal(apple.status, 302);
    const api = await get(port, "/captive-portal/api", "10.42.0.1");
    assert.equal(api.type, "application/captive+json");
    assert.equal((JSON.parse(api.body) as { captive: boolean }).captive, true);
    const health = await get(port, "/health", "127.0.0.1");
    assert.equal((JSON.parse(health.body) as { mode: string }).mode, "setup");

    // the hotspot's port (80 on the Pi: http://10.42.0.1/ in DHCP option 114 and on the card) is the
    // same server, and the portal URLs it gives name that port
    const viaPortal = await get(portalPort, "/generate_204", "connectivitycheck.gstatic.com");
    assert.equal(viaPortal.status, 302);
    assert.equal(viaPortal.location, `http://127.0.0.1:${portalPort}/setup/`);
    const apiViaPortal = await get(portalPort, "/captive-portal/api", "10.42.0.1");
    assert.deepEqual(JSON.parse(apiViaPortal.body), { captive: true, "user-portal-url": `http://127.0.0.1:${portalPort}/setup/` });
    const pageViaPortal = await get(portalPort, "/setup/", "127.0.0.1");
    assert.equal(pageViaPortal.status, 200);
    assert.match(pageViaPortal.type ?? "", /^text\/html/);
    await new Promise<void>((r) => { proc.once("exit", () => r()); proc.kill("SIGTERM"); });
    assert.equal(nm.calls().at(-1)?.argv.includes("delete"), true, "stopping serve took the hotspot down and removed its profile");
    assert.equal(nm.read().devices[0]?.state, "disconnected");
  } finally {
    await new Promise<void>((r) => { if (proc.exitCode !== null) return r(); proc.once("exit", () => r()); proc.kill("SIGTERM"); });
    nm.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("gridbox setup-file writes the hotspot's name and password the hotspot itself uses (for the card's boot partition)", async () => {
  const { execFileSync } = await import("node:child_process");
  const { readFileSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "gridbox-setupfile-"));
  try {
    const out = execFileSync(process.execPath, [join(REPO_ROOT, "runtime/cli/bin.js"), "setup-file", join(dir, "gridbox-setup.txt")], { encoding: "utf8" });
    const kept = JSON.parse(readFileSync(stateFile("setup-hotspot.json"), "utf8")) as { ssid: string; password: string };
    assert.match(out, new RegExp(`the setup hotspot is ${kept.ssid}`));
    const text = readFileSync(join(dir, "gridbox-setup.txt"), "utf8");
    assert.ok(text.includes(kept.ssid) && text.includes(kept.password) && text.includes("http://10.42.0.1/"));
    assert.ok(text.includes("\r\n"), "CRLF, so Notepad shows lines");
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
