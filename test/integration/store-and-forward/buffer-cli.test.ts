import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { REPO_ROOT } from "../../../runtime/config/paths.ts";
import { BatchStore } from "../../../runtime/outbox/batch-store.ts";
import { encodeLine, gzipLinesSync } from "../../../runtime/outbox/line-batch.ts";
import { countSamples, VictoriaMetrics } from "../../support/victoria-metrics.ts";
import { reading } from "./harness.ts";
import { startTestGridbox } from "../../support/gridbox.ts";

/** `gridbox buffer stats` and `gridbox buffer drain` as a user runs them, against a real VictoriaMetrics. */
let vm: VictoriaMetrics;
let dir: string;
before(async () => { vm = await new VictoriaMetrics().start(); dir = mkdtempSync(join(tmpdir(), "gridbox-cli-")); });
after(async () => { await vm.destroy(); rmSync(dir, { recursive: true, force: true }); });

function gridbox(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, "runtime/cli/bin.js"), ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function configFile(url: string, storePath: string): string {
  const path = join(dir, `gridbox-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, `version: 1\nsink:\n  type: influxdb\n  influxdb:\n    url: ${url}\n    bucket: energy\n    token: cli-secret-token\noutbox:\n  store:\n    path: ${storePath}\n`, { mode: 0o600 });
  return path;
}

test("stats shows the backlog; drain sends it all and empties the store; a dead server exits 1 and keeps it", { timeout: 120_000 }, async () => {
  const storePath = join(dir, "outbox.db");
  const t0 = Date.now() - 7_200_000;
  const store = new BatchStore(storePath, 1 << 30).open();
  for (let b = 0; b < 20; b++) {
    const lines = Array.from({ length: 1000 }, (_, j) => encodeLine(reading(b * 1000 + j, t0, 4, "cli"), "ms") as string);
    store.append(gzipLinesSync(lines), lines.length);
  }
  store.addDeadLetters(["cli,device=d0 power_w=\"oops\" 1"], "partial write: field type conflict");
  store.close();

  const down = await gridbox(["buffer", "drain", "--config", configFile("http://127.0.0.1:9", storePath)]);
  assert.equal(down.code, 1, down.stderr);
  assert.match(down.stderr, /InfluxDB at http:\/\/127\.0\.0\.1:9 bucket energy is not reachable: nothing listens there \(connection refused\)/, "said in words");
  assert.match(down.stderr, /nothing was sent; 20000 readings stay stored/);
  assert.doesNotMatch(down.stderr, /next attempt in/, "the CLI makes no next attempt");
  assert.doesNotMatch(down.stderr + down.stdout, /cli-secret-token/);

  const cfg = configFile(vm.url, storePath);
  const stats = await gridbox(["buffer", "stats", "--config", cfg, "--json"]);
  assert.equal(stats.code, 0, stats.stderr);
  const s = JSON.parse(stats.stdout) as { batches: number; readings: number; bytes: number; deadLettered: number; dropped: number; oldestAgeS: number };
  assert.equal(s.batches, 20);
  assert.equal(s.readings, 20_000);
  assert.equal(s.deadLettered, 1);
  assert.equal(s.dropped, 0);
  assert.ok(s.bytes > 0 && s.oldestAgeS >= 0);
  const human = await gridbox(["buffer", "stats", "--config", cfg]);
  assert.match(human.stdout, /readings\s+20000/);
  assert.match(human.stdout, /dead-lettered\s+1 lines/);

  const drain = await gridbox(["buffer", "drain", "--config", cfg]);
  assert.equal(drain.code, 0, drain.stderr);
  assert.match(drain.stderr, /20000\/20000 readings 100 %/);
  assert.match(drain.stderr, /drained 20000 readings .* the store is empty/);
  const samples = await vm.waitFor('{__name__="cli_power_w"}', (x) => countSamples(x).distinct >= 20_000);
  assert.equal(countSamples(samples).distinct, 20_000);
  assert.equal(countSamples(samples).duplicates, 0);
  const after = JSON.parse((await gridbox(["buffer", "stats", "--config", cfg, "--json"])).stdout) as { readings: number; batches: number };
  assert.deepEqual([after.batches, after.readings], [0, 0]);
});

test("after buffer drain emptied the store, the running gridbox probes its down sink on its own and shows it up, with no new reading", { timeout: 120_000 }, async () => {
  const sinkVm = await new VictoriaMetrics().start();
  const storePath = join(dir, "service.db");
  await sinkVm.stop(); // down, on a port that comes back
  const gb = await startTestGridbox({ influx: { url: sinkVm.url, bucket: "energy", timeout_ms: 500 }, outbox: { flush_interval_ms: 50, retry: { initial_ms: 20_000, max_ms: 20_000 }, store: { path: storePath } } });
  try {
    gb.ctx.points.write([reading(0, Date.now(), 1, "probe")]);
    await until(() => gb.health.snapshot().components.sink?.state === "down", "sink down");
    await until(() => ((gb.status.snapshot().outbox as { store?: { readings?: number } }).store?.readings ?? 0) > 0, "the reading stored");
    await sinkVm.start();
    // the service's next attempt is 10-20 s away: the CLI (a few seconds even on a busy machine) gets there first, as a user would
    const drain = await gridbox(["buffer", "drain", "--config", configFile(sinkVm.url, storePath)]);
    assert.equal(drain.code, 0, drain.stderr);
    assert.match(drain.stderr, /drained 1 readings/, "the CLI, not the service, sent the stored reading");
    assert.equal(gb.health.snapshot().components.sink?.state, "down", "the service has not tried again yet");
    await until(() => gb.health.snapshot().components.sink?.state === "ok", "the service sees the sink up without a new reading", 60_000);
    assert.match(gb.logLines.join("\n"), /sink up again/);
  } finally {
    await gb.stop();
    await sinkVm.destroy();
  }
});

async function until(ok: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
