import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { REPO_ROOT } from "../../../runtime/config/paths.ts";
import { startTestGridbox } from "../../support/gridbox.ts";
import { countSamples, freePort, VictoriaMetrics } from "../../support/victoria-metrics.ts";
import { deviceAccounts } from "../broker/mqtt-test-kit.ts";
import { startGridboxChild } from "./gridbox-child.ts";
import { delay } from "./harness.ts";
import { MeasurementPublisher } from "./mqtt-publisher.ts";

/**
 * SIGTERM with the sink down: gridbox serve stops accepting, puts what it held in memory into the
 * store and exits 0; `gridbox buffer drain` later delivers every reading. And without any sink
 * configured, /health says where readings go.
 */
const DEVICES = [{ id: "termdev00001", password: "term-device-pw-1" }];
let vm: VictoriaMetrics;
let dir: string;
before(async () => { vm = new VictoriaMetrics(); vm.port = await freePort(); dir = mkdtempSync(join(tmpdir(), "gridbox-sigterm-")); });
after(async () => { await vm.destroy(); rmSync(dir, { recursive: true, force: true }); });

const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => new Promise((resolve) => {
  execFile(process.execPath, [join(REPO_ROOT, "runtime/cli/bin.js"), ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
});

test("SIGTERM with the sink down keeps memory in the store; buffer drain delivers it later", { timeout: 90_000 }, async () => {
  const storePath = join(dir, "outbox.db");
  // a long flush interval: everything published stays in memory until the SIGTERM
  const gb = await startGridboxChild(dir, { devices: Object.fromEntries(DEVICES.map((d) => [d.id, d.password])), influxUrl: vm.url, storePath, extra: "  flush_interval_ms: 60000" });
  const pub = new MeasurementPublisher({ url: gb.mqtt, devices: DEVICES, t0Ms: Date.now() - 600_000, perMessage: 10, tickMs: 10 });
  await pub.connect();
  pub.start();
  await delay(1000);
  await pub.stop();
  const published = pub.acked;
  assert.ok(published > 0);
  const exit = new Promise<number | null>((r) => gb.proc.once("exit", (code) => r(code)));
  gb.proc.kill("SIGTERM");
  assert.equal(await exit, 0, "a clean exit");
  const cfg = join(dir, "drain.yaml");
  writeFileSync(cfg, `version: 1\ninflux: { url: "${vm.url}", bucket: energy }\noutbox: { self_metrics_ms: 0, store: { path: "${storePath}" } }\n`, { mode: 0o600 });
  const stats = JSON.parse((await cli(["buffer", "stats", "--config", cfg, "--json"])).stdout) as { readings: number };
  assert.equal(stats.readings, published, "every acknowledged reading was stored on SIGTERM");
  await vm.start();
  const drain = await cli(["buffer", "drain", "--config", cfg]);
  assert.equal(drain.code, 0, drain.stderr);
  const samples = await vm.waitFor('{__name__="grid_data_frequency"}', (s) => countSamples(s).distinct >= published);
  assert.equal(countSamples(samples).distinct, published);
});

test("sink.type none: /health says readings stay in memory only", async () => {
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ nosink000001: "no-sink-device-pw" }) } });
  try {
    const h = await (await fetch(`${gb.addresses.http}/health`, { signal: AbortSignal.timeout(5000) })).json() as { components: Record<string, { state: string; message?: string }> };
    assert.equal(h.components.sink?.state, "disabled");
    assert.match(h.components.sink?.message ?? "", /sink\.type is none.*memory only/);
    assert.equal(h.components.store?.state, "disabled");
  } finally { await gb.stop(); }
});
