import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { startTestGridbox } from "../../support/gridbox.ts";
import { VictoriaMetrics } from "../../support/victoria-metrics.ts";
import { startPowerwallSimulator, type PowerwallSimulator } from "../../sim/powerwall/simulator.ts";
import { makeQuerySigner, writeQueryFile } from "../../sim/powerwall/query-signing.ts";

/**
 * End to end: gateway simulator -> gridbox (poller, outbox, InfluxDB sink) -> a real
 * VictoriaMetrics; the `powerwall` series carry powerwall-influx's field names. Also the CLI
 * (`gridbox poll`, `gridbox strings`) as a user runs it.
 */
const BIN = resolve(import.meta.dirname, "../../../runtime/cli/bin.js");
let vm: VictoriaMetrics;
let sim: PowerwallSimulator;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "gridbox-pw-e2e-"));
  const signer = makeQuerySigner();
  writeQueryFile(dir, signer);
  vm = await new VictoriaMetrics().start();
  sim = await startPowerwallSimulator({ model: "pw3", queryPublicKey: signer.publicKeyPem, loadW: 1000, solarPeakW: 3400, gatewayPassword: "GATEWAYPASS1" });
});
after(async () => { await sim.stop(); await vm.destroy(); rmSync(dir, { recursive: true, force: true }); });

const tedapiConfig = (): Record<string, unknown> => ({
  enabled: true, mode: "tedapi", host: "127.0.0.1", port: sim.port, gateway_password: "GATEWAYPASS1",
  tedapi: { query_file: join(dir, "tedapi-queries.json") }, interval_ms: 500, timeout_ms: 1000,
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function writeConfig(name: string, doc: string): string {
  const path = join(dir, name);
  writeFileSync(path, doc);
  chmodSync(path, 0o600);
  return path;
}

describe("Powerwall end to end", () => {
  test("simulator -> gridbox -> VictoriaMetrics with powerwall-influx field names", async () => {
    const gb = await startTestGridbox({
      site: { name: "e2e-site", host: "e2e-host" },
      influx: { url: vm.url, bucket: "energy" },
      powerwall: tedapiConfig(),
    });
    try {
      const samples = await vm.waitFor('{__name__=~"powerwall_.*",site="e2e-site"}', (s) => new Set(s.filter((x) => x.series === "powerwall_load_power_w").map((x) => x.timestampMs)).size >= 2);
      const names = new Set(samples.map((s) => s.series));
      for (const f of ["battery_percentage", "battery_percentage_app", "site_power_w", "solar_power_w", "battery_power_w", "load_power_w",
        "battery_nominal_energy_remaining_wh", "battery_nominal_full_energy_wh", "alerts_count",
        ...["a", "b", "c", "d", "e", "f"].flatMap((x) => [`string_${x}_voltage_v`, `string_${x}_current_a`, `string_${x}_power_w`])]) {
        assert.ok(names.has(`powerwall_${f}`), `missing powerwall_${f}; have ${[...names].sort().join(", ")}`);
      }
      const load = samples.find((s) => s.series === "powerwall_load_power_w")!;
      assert.deepEqual(load.labels, { site: "e2e-site", host: "e2e-host" });
      assert.equal(load.value, 1000);
      const at = load.timestampMs;
      const v = (f: string): number | undefined => samples.find((s) => s.series === `powerwall_${f}` && s.timestampMs === at)?.value;
      assert.equal(v("load_power_w"), (v("site_power_w") ?? NaN) + (v("solar_power_w") ?? NaN) + (v("battery_power_w") ?? NaN));
      assert.equal(v("battery_power_w"), -2400, "charging is negative (gateway sign)");
    } finally { await gb.stop(); }
  });

  test("the demo helper: a local-mode Powerwall+ feeds gridbox with its config section as is", async () => {
    const { startDemoPowerwall } = await import("../../sim/powerwall/demo-site.ts");
    const demo = await startDemoPowerwall({ mode: "local", dir, intervalMs: 500 });
    const gb = await startTestGridbox({ site: { name: "demo-site", host: "demo-host" }, influx: { url: vm.url }, powerwall: demo.config });
    try {
      const got = await vm.waitFor('powerwall_string_a_power_w{site="demo-site"}', (s) => s.length >= 2);
      assert.ok(got.length >= 2 && got.every((s) => s.value > 0));
    } finally { await gb.stop(); await demo.sim.stop(); }
  });

  test("hybrid mode in a whole gridbox: strings A-D and alerts come over TEDAPI while the local API's strings are gone", async () => {
    const { startDemoPowerwall } = await import("../../sim/powerwall/demo-site.ts");
    const demo = await startDemoPowerwall({ mode: "hybrid", dir: mkdtempSync(join(dir, "hybrid-")), intervalMs: 500 });
    demo.sim.control.addFault({ kind: "status", status: 404, path: "/api/solar_powerwall" });
    const gb = await startTestGridbox({ site: { name: "hybrid-site", host: "hybrid-host" }, influx: { url: vm.url }, powerwall: demo.config });
    try {
      const strings = await vm.waitFor('powerwall_string_d_power_w{site="hybrid-site"}', (s) => s.length >= 1);
      assert.ok(strings[0]!.value > 0);
      const alerts = await vm.waitFor('powerwall_alerts_count{site="hybrid-site"}', (s) => s.length >= 1);
      assert.equal(alerts[0]!.value, 2, "SystemConnectedToGrid, FWUpdateSucceeded");
      assert.ok((demo.sim.state.stats.byPath["/api/meters/aggregates"] ?? 0) >= 1 && (demo.sim.state.stats.byPath["/tedapi/v1"] ?? 0) >= 1);
    } finally { await gb.stop(); await demo.sim.stop(); }
  });

  test("gridbox poll --pretty pushes one point; --no-push only prints; gridbox strings prints the table", async () => {
    const pw = tedapiConfig();
    const cfg = writeConfig("cli.yaml", [
      "site: { name: cli-site, host: cli-host }",
      `influx: { url: "${vm.url}", bucket: energy }`,
      `powerwall: { enabled: true, mode: tedapi, host: 127.0.0.1, port: ${sim.port}, gateway_password: GATEWAYPASS1, tedapi: { query_file: "${String((pw.tedapi as { query_file: string }).query_file)}" } }`,
    ].join("\n") + "\n");
    const pushed = await run(["poll", "--config", cfg, "--pretty"]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const data = JSON.parse(pushed.stdout) as Record<string, unknown>;
    assert.equal(data.load_power_w, 1000);
    assert.equal(data.din, sim.state.din);
    assert.match(pushed.stdout, /\n {2}"battery_percentage": /, "pretty printed");
    assert.match(pushed.stderr, /pushed to/);
    assert.ok(!pushed.stderr.includes("GATEWAYPASS1"));
    const got = await vm.waitFor('powerwall_load_power_w{site="cli-site"}', (s) => s.length >= 1);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.labels.host, "cli-host");

    const printed = await run(["poll", "--config", cfg, "--no-push"]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout.trim().split("\n").length, 1, "one JSON line without --pretty");
    assert.equal((await vm.export('powerwall_load_power_w{site="cli-site"}')).length, 1, "--no-push wrote nothing");

    const table = await run(["strings", "--config", cfg]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split("\n");
    assert.match(lines[0]!, /^string\s+state\s+voltage_v\s+current_a\s+power_w\s+connected$/);
    assert.deepEqual(lines.slice(1, 7).map((l) => l.split(/\s+/)[0]), ["A", "B", "C", "D", "E", "F"]);
    assert.match(lines[1]!, /Pv_Active\s+360\.0\s+[\d.]+\s+[\d.]+\s+yes$/);
    assert.match(lines.at(-1)!, /^total power_w \d+/);
  });

  test("the CLI fails clearly: wrong password -> exit 1; missing query file -> exit 2 with the path", async () => {
    const bad = writeConfig("bad.yaml", `powerwall: { enabled: true, mode: tedapi, host: 127.0.0.1, port: ${sim.port}, gateway_password: WRONGPASSWORD, tedapi: { query_file: "${join(dir, "tedapi-queries.json")}" } }\n`);
    const r = await run(["poll", "--config", bad, "--no-push"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /gateway password refused/);
    assert.ok(!r.stderr.includes("WRONGPASSWORD"));
    const noFile = writeConfig("nofile.yaml", `powerwall: { enabled: true, mode: tedapi, host: 127.0.0.1, port: ${sim.port}, gateway_password: X12345, tedapi: { query_file: /nonexistent/q.json } }\n`);
    const r2 = await run(["strings", "--config", noFile]);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /\/powerwall\/tedapi\/query_file: .*cannot read it \(ENOENT\)/);
  });
});
