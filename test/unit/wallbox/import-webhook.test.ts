import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { parseFlaskIni } from "../../../runtime/config/imports/flask-webhook.ts";
import { loadConfigFile } from "../../../runtime/config/load.ts";

/** `gridbox import webhook.conf`: the Flask server's INI into wallbox.grafana, the token never printed. */
const run = promisify(execFile);
const BIN = join(import.meta.dirname, "..", "..", "..", "runtime", "cli", "bin.js");
const TOKEN = "flask-secret-abc123";
const INI = `# Flask wallbox webhook server
[server]
port = 5000
secret_token = ${TOKEN}

[alerts]
high_solar_production.firing = set-mode,solar
high_solar_production.resolved = set-mode, eco
GridImportHigh.firing = stop
too_much.FIRING = set-current,20
broken.firing = explode
`;

test("parseFlaskIni: port, token, alert actions; bad lines are reported, not imported", () => {
  const imp = parseFlaskIni(INI);
  assert.equal(imp.port, 5000);
  assert.equal(imp.token, TOKEN);
  assert.deepEqual(imp.alerts, {
    "high_solar_production.firing": "set-mode,solar",
    "high_solar_production.resolved": "set-mode,eco",
    "GridImportHigh.firing": "stop",
    "too_much.firing": "set-current,20",
  });
  assert.equal(imp.problems.length, 1);
  assert.match(imp.problems[0] ?? "", /line 11: action "explode"/);
  assert.match(parseFlaskIni("[alerts]\n").problems.join(), /no secret_token/);
});

test("gridbox import prints the section without the token, --write merges it and keeps comments", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-import-"));
  writeFileSync(join(dir, "webhook.conf"), INI);
  const config = join(dir, "gridbox.yaml");
  writeFileSync(config, "site:\n  name: test # keep me\nhttp:\n  port: 8080\n");
  const printed = await run(process.execPath, [BIN, "import", join(dir, "webhook.conf"), "--config", config], { timeout: 30_000 });
  assert.match(printed.stdout, /token: !secret grafana_webhook_token/);
  assert.match(printed.stdout, /high_solar_production.firing: set-mode,solar/);
  assert.ok(!printed.stdout.includes(TOKEN) && !printed.stderr.includes(TOKEN), "the token is never printed");

  const written = await run(process.execPath, [BIN, "import", join(dir, "webhook.conf"), "--write", "--config", config], { timeout: 30_000 });
  assert.ok(!written.stdout.includes(TOKEN) && !written.stderr.includes(TOKEN));
  assert.match(readFileSync(config, "utf8"), /# keep me/);
  assert.equal(statSync(join(dir, "secrets.yaml")).mode & 0o777, 0o600);
  const loaded = loadConfigFile(config, {});
  assert.equal(loaded.config.wallbox.enabled, true);
  assert.equal(loaded.config.wallbox.grafana.token, TOKEN);
  assert.equal(loaded.config.wallbox.grafana.alerts["GridImportHigh.firing"], "stop");
  assert.equal(readFileSync(`${config}.bak`, "utf8"), "site:\n  name: test # keep me\nhttp:\n  port: 8080\n");
});

test("gridbox import --write into a config that does not validate changes nothing, not even secrets.yaml", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-import-"));
  writeFileSync(join(dir, "webhook.conf"), INI);
  const config = join(dir, "gridbox.yaml");
  const original = "site:\n  name: test\nwallbox:\n  max_current_a: 99\n";
  writeFileSync(config, original);
  const failed = await run(process.execPath, [BIN, "import", join(dir, "webhook.conf"), "--write", "--config", config], { timeout: 30_000 }).then(() => undefined, (err: { code?: number; stdout: string; stderr: string }) => err);
  assert.ok(failed && failed.code !== 0, "the import fails");
  assert.ok(!failed.stdout.includes(TOKEN) && !failed.stderr.includes(TOKEN), "the token is never printed");
  assert.equal(readFileSync(config, "utf8"), original);
  assert.equal(existsSync(join(dir, "secrets.yaml")), false, "no secrets.yaml with the token left behind");
});
