import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../runtime/core/clock.ts";
import { memoryLogger } from "../../runtime/core/log.ts";
import { BatchStore } from "../../runtime/outbox/batch-store.ts";
import { Drainer } from "../../runtime/outbox/drainer.ts";
import { encodeLine, gzipLinesSync } from "../../runtime/outbox/line-batch.ts";
import { SinkLink } from "../../runtime/outbox/sink-link.ts";
import { InfluxSink } from "../../runtime/sinks/influx-sink.ts";
import { countSamples, VictoriaMetrics } from "../support/victoria-metrics.ts";
import { gridReading, median, print } from "./bench-kit.ts";

/**
 * drain_points_per_s: a stored backlog of 1,000,000 grid_data readings (4 fields each, 200 batches of
 * 5000 lines, as an outage leaves them) sent to a fresh VictoriaMetrics by the drainer, start to
 * empty store. Median of 3 runs. Goal >= 200,000.
 */
const READINGS = 1_000_000;
const RUNS = 3;
const dir = mkdtempSync(join(tmpdir(), "gridbox-bench-drain-"));
const master = join(dir, "backlog.db");
const t0 = Date.now() - 86_400_000;

const build = new BatchStore(master, 4 * 1024 * 1024 * 1024).open();
let buildMs = Date.now();
for (let i = 0; i < READINGS; i += 5000) {
  const lines: string[] = [];
  for (let j = i; j < i + 5000; j++) lines.push(encodeLine(gridReading(j, t0), "ms") as string);
  build.append(gzipLinesSync(lines), lines.length);
}
const { bytes } = build.totalsNow;
build.close();
buildMs = Date.now() - buildMs;
process.stderr.write(`# backlog: ${READINGS} readings, ${bytes} bytes compressed (${(bytes / READINGS).toFixed(1)} B/reading), built in ${buildMs} ms\n`);

const rates: number[] = [];
const cpu: string[] = [];
const cpuSeconds = (pid: number): number => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []; return (Number(f[11]) + Number(f[12])) / 100; };
let verified = "";
for (let run = 0; run < RUNS; run++) {
  const vm = await new VictoriaMetrics().start();
  const path = join(dir, `run${run}.db`);
  copyFileSync(master, path);
  const store = new BatchStore(path, 4 * 1024 * 1024 * 1024).open();
  const log = memoryLogger("warn");
  const link = new SinkLink(new InfluxSink({ url: vm.url, org: "", bucket: "energy", precision: "ms", timeoutMs: 30_000 }), systemClock, log, { initialMs: 100, maxMs: 1000 });
  let delivered = 0;
  const drainer = new Drainer(store, link, systemClock, log, { delivered: (n) => { delivered += n; }, deadLettered: () => undefined });
  const signal = new AbortController().signal;
  const vmCpu0 = cpuSeconds(vm.pid as number);
  const ownCpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (;;) {
    const step = await drainer.step(signal);
    if (step.stopped === "empty") break;
    if (step.stopped) throw new Error(`drain stopped: ${step.stopped} ${link.lastError}`);
  }
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  const own = process.cpuUsage(ownCpu0);
  const vmCpu = cpuSeconds(vm.pid as number) - vmCpu0;
  rates.push(delivered / s);
  cpu.push(`gridbox ${((own.user + own.system) / 1e6 / s * 100).toFixed(0)} % / VictoriaMetrics ${(vmCpu / s * 100).toFixed(0)} %`);
  process.stderr.write(`# run ${run + 1}: ${delivered} readings in ${s.toFixed(2)} s = ${Math.round(delivered / s)}/s; CPU ${cpu.at(-1)} of one core\n`);
  store.close();
  if (run === 0) {
    const samples = await vm.export('{__name__="grid_data_frequency"}');
    const c = countSamples(samples);
    verified = `server has ${c.distinct} distinct readings, ${c.duplicates} duplicates`;
    if (c.distinct !== READINGS) throw new Error(`drain lost readings: ${verified}`);
  }
  await vm.destroy();
}
print("drain_points_per_s", Math.round(median(rates)), `median of ${RUNS} runs [${rates.map((r) => Math.round(r)).join(" ")}]; goal >= 200000; ${verified}; CPU per run: ${cpu.join(", ")}`);
print("drain_backlog_bytes_per_reading", bytes / READINGS, "gzip'd line protocol as stored");
rmSync(dir, { recursive: true, force: true });
