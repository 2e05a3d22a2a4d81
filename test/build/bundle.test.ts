import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../../runtime/config/paths.ts";

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
