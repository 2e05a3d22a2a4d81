import { strict as assert } from "node:assert";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError } from "../../../runtime/core/errors.ts";
import { loadConfigFile, parseConfig } from "../../../runtime/config/load.ts";
import { ConfigSchema } from "../../../runtime/config/schema.ts";
import { redactConfig } from "../../../runtime/config/secrets.ts";
import { DEV_CONFIG_PATH } from "../../../runtime/config/paths.ts";

function problemsOf(data: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string[] {
  try { parseConfig(data, env); } catch (err) { assert.ok(err instanceof ConfigError); return [...err.problems]; }
  return [];
}

test("the shipped example config is valid", () => {
  const loaded = loadConfigFile(DEV_CONFIG_PATH, {});
  assert.equal(loaded.config.version, 1);
  assert.ok(Object.keys(loaded.config.broker.devices).length > 0);
});

test("an empty document gets every default", () => {
  const { config } = parseConfig({});
  assert.equal(config.http.port, 8080);
  assert.equal(config.broker.tcp.port, 1883);
  assert.equal(config.broker.ws.port, 9001);
  assert.equal(config.broker.allow_anonymous, false);
});

const cases: Array<[string, Record<string, unknown>, RegExp]> = [
  ["unknown key with a suggestion", { brokr: {} }, /^\/brokr: unknown key \(did you mean "broker"\?\)/],
  ["nested unknown key", { broker: { tcp: { prot: 1 } } }, /^\/broker\/tcp\/prot: unknown key \(did you mean "port"\?\)/],
  ["wrong type", { http: { port: "eighty" } }, /^\/http\/port: expected an integer, got "eighty"/],
  ["out of range", { http: { port: 70000 } }, /^\/http\/port: .*65535/],
  ["bad enum", { log: { level: "loud" } }, /^\/log\/level: got "loud"; expected one of "debug", "info"/],
  ["missing required value", { broker: { devices: { aabbccddeeff: {} } } }, /^\/broker\/devices\/aabbccddeeff\/password_hash: required value is missing/],
  ["invalid device id", { broker: { devices: { "bad id!": { password_hash: "scrypt$x" } } } }, /^\/broker\/devices\/bad id!: "bad id!" is not a valid name/],
  ["wrong version", { version: 2 }, /^\/version: expected 1, got 2/],
];
for (const [name, data, expected] of cases) {
  test(`config error: ${name}`, () => {
    const problems = problemsOf(data);
    assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} in ${JSON.stringify(problems)}`);
  });
}

test("every problem is reported at once", () => {
  assert.equal(problemsOf({ brokr: {}, http: { port: "x" }, log: { level: "loud" } }).length, 3);
});

test("env overrides are typed, and a typo in one is an error", () => {
  const { config } = parseConfig({}, { GRIDBOX_HTTP__PORT: "9090", GRIDBOX_BROKER__ALLOW_ANONYMOUS: "true" });
  assert.equal(config.http.port, 9090);
  assert.equal(config.broker.allow_anonymous, true);
  assert.match(problemsOf({}, { GRIDBOX_HTTP__PROT: "1" })[0] ?? "", /GRIDBOX_HTTP__PROT: no config key "http.prot"/);
  assert.match(problemsOf({}, { GRIDBOX_HTTP__PORT: "abc" })[0] ?? "", /GRIDBOX_HTTP__PORT: expected a number/);
});

test("the loaded config is frozen", () => {
  const { config } = parseConfig({});
  assert.throws(() => { (config.http as { port: number }).port = 1; }, TypeError);
});

test("!secret values come from secrets.yaml beside the config, and loose modes are warned about", () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-config-"));
  const cfg = join(dir, "gridbox.yaml");
  writeFileSync(cfg, "broker:\n  clients:\n    ha:\n      password_hash: !secret ha_hash\n");
  writeFileSync(join(dir, "secrets.yaml"), "ha_hash: 'scrypt$16384$8$1$abc$def'\n");
  chmodSync(join(dir, "secrets.yaml"), 0o644);
  const loaded = loadConfigFile(cfg, {});
  assert.equal(loaded.config.broker.clients.ha?.password_hash, "scrypt$16384$8$1$abc$def");
  assert.ok(loaded.warnings.some((w) => /secrets\.yaml has mode 644.*chmod 600/.test(w)), JSON.stringify(loaded.warnings));
  chmodSync(join(dir, "secrets.yaml"), 0o600);
  assert.deepEqual(loadConfigFile(cfg, {}).warnings, []);
});

test("a missing secret names the key and where to add it", () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-config-"));
  const cfg = join(dir, "gridbox.yaml");
  writeFileSync(cfg, "broker:\n  clients:\n    ha:\n      password_hash: !secret nope\n");
  writeFileSync(join(dir, "secrets.yaml"), "other: x\n");
  assert.throws(() => loadConfigFile(cfg, {}), (err: unknown) => err instanceof ConfigError && /secret "nope" is not in secrets.yaml/.test(err.problems[0] ?? ""));
});

test("invalid YAML is a config error with a hint", () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-config-"));
  const cfg = join(dir, "gridbox.yaml");
  writeFileSync(cfg, "broker:\n  tcp: [unclosed\n");
  assert.throws(() => loadConfigFile(cfg, {}), (err: unknown) => err instanceof ConfigError && /not valid YAML/.test(err.message));
});

test("redaction masks password hashes in a dump", () => {
  const { config } = loadConfigFile(DEV_CONFIG_PATH, {});
  const text = JSON.stringify(redactConfig(ConfigSchema, config));
  assert.ok(!text.includes("scrypt$"), "hash leaked into the redacted dump");
});

test("config errors never echo a secret or a password hash value (a plaintext password put in password_hash)", () => {
  const problems = problemsOf({
    broker: { devices: { aabbccddeeff: { password_hash: "hunter2-plaintext" } } },
    sink: { influxdb: { token: 12345678 } },
  });
  assert.equal(problems.length, 2, problems.join("\n"));
  for (const p of problems) {
    assert.ok(!p.includes("hunter2") && !p.includes("12345678"), p);
  }
  assert.match(problems.join("\n"), /\/broker\/devices\/aabbccddeeff\/password_hash: .*does not match/);
  assert.match(problems.join("\n"), /\/sink\/influxdb\/token: expected a string/);
});

test("an ingest.min_valid_time that is not a date is a config error (config check passed it, serve then refused to start)", () => {
  const problems = problemsOf({ ingest: { min_valid_time: "2020-13-01" } });
  assert.equal(problems.length, 1, problems.join("\n"));
  assert.match(problems[0] ?? "", /^\/ingest\/min_valid_time: .*"2020-13-01"/);
  assert.deepEqual(problemsOf({ ingest: { min_valid_time: "2021-06-01" } }), []);
  assert.deepEqual(problemsOf({ ingest: { min_valid_time: "2021-06-01T00:00:00+02:00" } }), []);
});

test("a config that takes its secrets from secrets.yaml is not warned about for its own mode; one with an inline secret is", () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-config-"));
  const cfg = join(dir, "gridbox.yaml");
  writeFileSync(cfg, "sink:\n  influxdb:\n    token: !secret influx_token\n");
  chmodSync(cfg, 0o644);
  writeFileSync(join(dir, "secrets.yaml"), "influx_token: t0ken-from-secrets\n", { mode: 0o600 });
  chmodSync(join(dir, "secrets.yaml"), 0o600);
  const loaded = loadConfigFile(cfg, {});
  assert.equal(loaded.config.sink.influxdb.token, "t0ken-from-secrets");
  assert.deepEqual(loaded.warnings, []);
  writeFileSync(cfg, "influx:\n  token: inline-t0ken\n");
  assert.ok(loadConfigFile(cfg, {}).warnings.some((w) => /holds secrets but has mode 644/.test(w)));
});

test("a password_hash that is not a whole scrypt hash is a config error, not a login failure later", () => {
  const problems = problemsOf({ broker: { devices: { aabbccddeeff: { password_hash: "scrypt$1000$8$1$c2FsdA$aGFzaA" } }, clients: { ha: { password_hash: "scrypt$16384$8$1$c2FsdA" } } } });
  assert.equal(problems.length, 2, problems.join("\n"));
  assert.match(problems.join("\n"), /\/broker\/devices\/aabbccddeeff\/password_hash: the value does not match/);
  assert.deepEqual(problemsOf({ broker: { devices: { aabbccddeeff: { password_hash: "scrypt$16384$8$1$5D2kaVQH9lQfeuxx58jR1A$2tAGvQOjMeGqIgdvQHlKBboXhU2kKrptPjB9ZZ_UjT0" } } } }), []);
});
