import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../../runtime/config/paths.ts";
import { freePort } from "../support/victoria-metrics.ts";

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
