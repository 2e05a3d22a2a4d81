import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { componentProblems } from "../../../runtime/config/component-checks.ts";
import { parseConfig } from "../../../runtime/config/load.ts";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { ConfigError } from "../../../runtime/core/errors.ts";

const run = promisify(execFile);
const BIN = join(import.meta.dirname, "../../../runtime/cli/bin.js");

async function configCheck(yaml: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-config-check-"));
  const path = join(dir, "gridbox.yaml");
  writeFileSync(path, yaml, { mode: 0o600 });
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, "config", "check", "--config", path], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function schemaProblems(data: Record<string, unknown>): string[] {
  try { parseConfig(data); } catch (err) { assert.ok(err instanceof ConfigError); return [...err.problems]; }
  return [];
}

test("config check refuses an influx.url without a scheme, with the path and a hint (serve used to exit naming no key)", async () => {
  const r = await configCheck(`sink:\n  type: influxdb\n  influxdb:\n    url: "127.0.0.1:8086"\n`);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\/sink\/influxdb\/url: "127\.0\.0\.1:8086" is not an http:\/\/ or https:\/\/ URL.*hint: write the scheme, e\.g\. http:\/\/127\.0\.0\.1:8086/);
});

test("URLs and listen hosts are checked by the schema, so serve refuses them the same way", () => {
  for (const [doc, re] of [
    [{ sink: { influxdb: { url: "localhost:8086" } } }, /^\/sink\/influxdb\/url: .*not an http/],
    [{ sink: { influxdb: { url: "ftp://x" } } }, /^\/sink\/influxdb\/url: /],
    [{ sink: { influxdb: { url: "http://" } } }, /^\/sink\/influxdb\/url: /],
    [{ wallbox: { goe: { url: "go-echarger.local" } } }, /^\/wallbox\/goe\/url: /],
    [{ sources: { powerwall: { proxy_url: "127.0.0.1:8675" } } }, /^\/sources\/powerwall\/proxy_url: /],
    [{ http: { host: "http://0.0.0.0" } }, /^\/http\/host: .*not an IP address or a host name/],
    [{ broker: { tcp: { host: "0.0.0.0:1883" } } }, /^\/broker\/tcp\/host: /],
  ] as Array<[Record<string, unknown>, RegExp]>) {
    const problems = schemaProblems(doc);
    assert.ok(problems.some((p) => re.test(p)), `${JSON.stringify(doc)}: ${JSON.stringify(problems)}`);
  }
  for (const ok of [{ sink: { influxdb: { url: "http://127.0.0.1:8086" } } }, { sink: { influxdb: { url: "https://influx.example/" } } }, { sink: { influxdb: { url: "" } } },
    { http: { host: "::" } }, { http: { host: "[::1]" } }, { http: { host: "gridbox.local" } }, { http: { host: "0.0.0.0" } }]) {
    assert.deepEqual(schemaProblems(ok), [], JSON.stringify(ok));
  }
});

test("what a component refuses at start, config check refuses with the path and a hint", async () => {
  const hash = await hashPassword("right-password");
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ sources: { powerwall: { enabled: true, mode: "local" } } }, /^\/sources\/powerwall\/password: required in local mode \(hint: /],
    [{ sources: { powerwall: { enabled: true, mode: "tedapi", gateway_password: "x", tedapi: { query_file: "/nonexistent/q.json" } } } }, /^\/sources\/powerwall\/tedapi\/query_file: cannot read \/nonexistent\/q\.json \(ENOENT\)/],
    [{ sources: { powerwall: { enabled: true, mode: "tedapi", tedapi: { query_file: BIN } } } }, /^\/sources\/powerwall\/gateway_password: required in tedapi mode/],
    [{ homeassistant: { enabled: true } }, /^\/homeassistant\/mqtt\/username: "gridbox-homeassistant" is not in broker\.clients \(hint: /],
    [{ homeassistant: { enabled: true }, broker: { tcp: { enabled: false } } }, /^\/homeassistant\/mqtt\/broker: embedded, but the embedded broker's TCP listener is off/],
    [{ homeassistant: { enabled: true, mqtt: { password: "wrong-password" } }, broker: { clients: { "gridbox-homeassistant": { password_hash: hash } } } },
      /^\/homeassistant\/mqtt\/password: does not match broker\.clients\.gridbox-homeassistant\.password_hash/],
    [{ homeassistant: { enabled: true, mqtt: { broker: "external", tls: true, ca_file: "/nonexistent/ca.pem" } } }, /^\/homeassistant\/mqtt\/ca_file: cannot read/],
    [{ wallbox: { enabled: true, driver: "goe" } }, /^\/wallbox\/goe\/url: required with driver goe/],
    [{ wallbox: { enabled: true, min_current_a: 16, max_current_a: 10 } }, /^\/wallbox\/min_current_a: 16 A is above max_current_a 10 A/],
    [{ wifi: { enabled: true, password: "x" } }, /^\/wifi\/ssid: required/],
  ];
  for (const [doc, re] of cases) {
    const problems = await componentProblems(parseConfig(doc).config);
    assert.ok(problems.some((p) => re.test(p)), `${JSON.stringify(doc)}: ${JSON.stringify(problems)}`);
    assert.ok(!problems.some((p) => p.includes("wrong-password")), "never echoes a password");
  }
  const good = parseConfig({ homeassistant: { enabled: true, mqtt: { password: "right-password" } }, broker: { clients: { "gridbox-homeassistant": { password_hash: hash } } } }).config;
  assert.deepEqual(await componentProblems(good), []);
});

test("config check lists component problems and exits 2; the shipped example passes", async () => {
  const bad = await configCheck(`sources:\n  powerwall:\n    enabled: true\n    mode: local\nwallbox:\n  enabled: true\n  driver: goe\n`);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /has 2 problems/);
  assert.match(bad.stderr, /\/sources\/powerwall\/password: required in local mode/);
  assert.match(bad.stderr, /\/wallbox\/goe\/url: required with driver goe/);
  const { stdout } = await run(process.execPath, [BIN, "config", "check", "--config", join(import.meta.dirname, "../../../gridbox.example.yaml")], { timeout: 60_000 });
  assert.match(stdout, /: ok$/m);
});
