import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../../runtime/config/paths.ts";
import { freePort } from "../support/victoria-metrics.ts";
import { stringify } from "yaml";
import { hashPassword } from "../../runtime/core/password-hash.ts";
import { productionLaunch } from "../bench/bench-kit.ts";
import { startDemoPowerwall } from "../sim/powerwall/demo-site.ts";
import { startDemoWallbox } from "../sim/wallbox/demo-wallbox.ts";

/**
 * The production bundle (`make build`, what image/systemd/gridbox.service runs) starts under plain
 * node: version inlined, config schema and TEDAPI protobuf loaded, the CLI answering.
 */
test("make build gives a bundle that runs without tsx", () => {
  execFileSync("make", ["-s", "build"], { cwd: REPO_ROOT, stdio: "pipe" });
  const bundle = join(REPO_ROOT, "dist/runtime/gridbox.mjs");
  assert.ok(existsSync(bundle));
  assert.ok(existsSync(join(REPO_ROOT, "dist/runtime/tedapi.proto")), "tedapi.proto ships beside the bundle");
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
  assert.equal(execFileSync(process.execPath, [bundle, "--version"], { encoding: "utf8" }).trim(), pkg.version);
  const out = execFileSync(process.execPath, [bundle, "config", "check", "--config", join(REPO_ROOT, "gridbox.example.yaml")], { encoding: "utf8" });
  assert.match(out, /gridbox\.example\.yaml: ok/);
  assert.ok(!readFileSync(bundle, "utf8").includes('from "tsx'), "the bundle must not need tsx");
});

test("the systemd unit runs the bundle's path with plain node", () => {
  const unit = readFileSync(join(REPO_ROOT, "image/systemd/gridbox.service"), "utf8");
  assert.match(unit, /^ExecStart=\/usr\/bin\/node .*\/dist\/runtime\/gridbox\.mjs serve --config \/etc\/gridbox\/gridbox\.yaml$/m);
});

test("the bundle serves the setup page (its files ship beside it) in setup mode", async () => {
  execFileSync("make", ["-s", "build"], { cwd: REPO_ROOT, stdio: "pipe" });
  assert.ok(existsSync(join(REPO_ROOT, "dist/runtime/ui/index.html")), "provisioning/ui ships beside the bundle");
  const dir = mkdtempSync(join(tmpdir(), "gridbox-bundle-"));
  const port = await freePort();
  const child = spawn(process.execPath, [join(REPO_ROOT, "dist/runtime/gridbox.mjs"), "serve", "--config", join(dir, "missing.yaml")], {
    env: { ...process.env, GRIDBOX_HTTP__HOST: "127.0.0.1", GRIDBOX_HTTP__PORT: String(port) }, stdio: "ignore",
  });
  try {
    let health: unknown;
    for (let i = 0; i < 100 && health === undefined; i++) {
      health = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.json(), () => undefined);
      if (health === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((health as { mode?: string } | undefined)?.mode, "setup");
    for (const f of ["", "app.js", "uplot.js"]) {
      const res = await fetch(`http://127.0.0.1:${port}/setup/${f}`, { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 200, f);
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
});

/**
 * The production bundle bundles its npm packages (only native ones stay in node_modules), so every
 * lazily loaded area must still load from it: the bundle as systemd runs it, with the Powerwall
 * source (protobufjs), the go-e wallbox driver and Home Assistant over the embedded broker (MQTT.js)
 * switched on, against the simulators. Runs after the test above built it.
 */
test("the production bundle runs the optional areas against the simulators", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-bundle-"));
  const pw = await startDemoPowerwall({ mode: "tedapi", dir, scenario: "day", solarPeakW: 8000, intervalMs: 1000 });
  const wb = await startDemoWallbox({ driver: "goe", mode: "solar" });
  const httpPort = await freePort();
  const haPassword = "bundle-ha-password";
  const cfg = join(dir, "gridbox.yaml");
  writeFileSync(cfg, stringify({
    version: 1,
    site: { name: "bundle" },
    log: { level: "warn", format: "json" },
    http: { host: "127.0.0.1", port: httpPort },
    broker: {
      tcp: { host: "127.0.0.1", port: await freePort() },
      ws: { host: "127.0.0.1", port: await freePort() },
      clients: { "gridbox-homeassistant": { password_hash: await hashPassword(haPassword), publish: ["homeassistant/#", "gridbox/#"], subscribe: ["homeassistant/status", "gridbox/+/+/set"] } },
    },
    homeassistant: { enabled: true, mqtt: { broker: "embedded", username: "gridbox-homeassistant", password: haPassword } },
    powerwall: pw.config,
    wallbox: wb.config,
    outbox: { store: { path: join(dir, "outbox.db") } },
  }), { mode: 0o600 });
  const launch = productionLaunch();
  const proc = spawn(process.execPath, [...launch.args, "serve", "--config", cfg], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...launch.env } });
  let err = "";
  proc.stderr?.on("data", (d: Buffer) => { err += d.toString(); });
  try {
    const url = `http://127.0.0.1:${httpPort}`;
    let status: Record<string, unknown> = {};
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      assert.equal(proc.exitCode, null, `gridbox exited: ${err}`);
      try {
        status = await (await fetch(`${url}/status`, { signal: AbortSignal.timeout(1000) })).json() as Record<string, unknown>;
        const health = await (await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })).json() as { components?: Record<string, { state?: string }> };
        const up = (name: string): boolean => Object.entries(health.components ?? {}).some(([k, c]) => k.startsWith(name) && c.state === "ok");
        if (up("powerwall") && up("homeassistant") && up("wallbox")) break;
      } catch { /* starting */ }
      await new Promise((r) => setTimeout(r, 250));
    }
    const health = await (await fetch(`${url}/health`)).json() as { components: Record<string, { state: string }> };
    for (const name of ["powerwall", "homeassistant", "wallbox"]) {
      assert.ok(Object.entries(health.components).some(([k, c]) => k.startsWith(name) && c.state === "ok"), `${name} is ok in the bundle: ${JSON.stringify(health)} ${err}`);
    }
    assert.ok(status, "status answers");
    assert.doesNotMatch(err, /Cannot find module|ERR_MODULE_NOT_FOUND|Dynamic require/);
  } finally {
    await new Promise<void>((r) => { if (proc.exitCode !== null) return r(); proc.once("exit", () => r()); proc.kill("SIGTERM"); });
    await wb.stop();
    await pw.sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
