import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, VictoriaMetrics } from "../support/victoria-metrics.ts";
import { delay, getJson, median, print, startGridboxChild } from "./bench-kit.ts";

/**
 * ingest_vs_mosquitto_qos0 / _qos1: 10 publishers (one process, MQTT.js, 120-byte measurement JSON,
 * 64 publishes outstanding each) flood (a) `gridbox serve` (broker -> ingest -> outbox -> a live
 * VictoriaMetrics) and (b) Debian's mosquitto with one mosquitto_sub subscriber at the same QoS.
 * Rate (a) = readings the outbox accepted per second (GET /status); rate (b) = messages the
 * subscriber received per second; both over the same middle window of each run. Ratio a/b,
 * median of 3 rounds. Goal >= 1.0.
 */
const RUN_MS = 9000;
const WINDOW = { fromMs: 2000, toMs: 8000 };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const FLOOD = join(import.meta.dirname, "mqtt-flood.ts");
const DEVICES = Array.from({ length: 10 }, (_, d) => ({ id: `flood${String(d).padStart(7, "0")}`, password: `flood-device-${d}` }));
const devicesArg = DEVICES.map((d) => `${d.id}:${d.password}`).join(",");
const dir = mkdtempSync(join(tmpdir(), "gridbox-bench-ingest-"));

function flood(url: string, qos: number): { done: Promise<number>; proc: ChildProcess } {
  const proc = spawn(process.execPath, ["--import", "tsx", FLOOD, url, String(qos), String(RUN_MS), devicesArg], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => { out += d.toString(); });
  return { proc, done: new Promise((r) => proc.once("exit", () => r(Number(/published (\d+)/.exec(out)?.[1] ?? 0)))) };
}

/** Samples `read()` at the window's start and end of a run that starts now. */
async function windowRate(read: () => Promise<number>, startedAt: number): Promise<number> {
  await delay(Math.max(0, startedAt + WINDOW.fromMs - Date.now()));
  const a = await read(); const ta = Date.now();
  await delay(Math.max(0, startedAt + WINDOW.toMs - Date.now()));
  const b = await read(); const tb = Date.now();
  return ((b - a) * 1000) / (tb - ta);
}

async function mosquittoRate(qos: number): Promise<number> {
  const port = await freePort();
  const conf = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 64\nmax_queued_messages 100000\nlog_dest none\n`);
  const broker = spawn("mosquitto", ["-c", conf], { stdio: "ignore" });
  await delay(300);
  const sub = spawn("mosquitto_sub", ["-h", "127.0.0.1", "-p", String(port), "-q", String(qos), "-t", "open_grid_monitor/#"], { stdio: ["ignore", "pipe", "ignore"] });
  let received = 0;
  sub.stdout?.on("data", (d: Buffer) => { for (let i = 0; i < d.length; i++) if (d[i] === 10) received++; });
  await delay(300);
  const started = Date.now();
  const f = flood(`mqtt://127.0.0.1:${port}`, qos);
  const rate = await windowRate(async () => received, started);
  await f.done;
  sub.kill(); broker.kill();
  return rate;
}

async function gridboxRate(qos: number, vmUrl: string): Promise<number> {
  const gb = await startGridboxChild(dir, { devices: Object.fromEntries(DEVICES.map((d) => [d.id, d.password])), influxUrl: vmUrl, storePath: join(dir, `outbox-${Date.now()}.db`) });
  const accepted = async (): Promise<number> => (await getJson<{ outbox: { accepted: number } }>(`${gb.http}/status`)).outbox.accepted;
  const started = Date.now();
  const f = flood(gb.mqtt, qos);
  const rate = await windowRate(accepted, started);
  await f.done;
  await gb.stop();
  return rate;
}

const vm = await new VictoriaMetrics().start();
for (const qos of [0, 1]) {
  const ratios: number[] = [];
  const notes: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const m = await mosquittoRate(qos);
    const g = await gridboxRate(qos, vm.url);
    ratios.push(g / m);
    notes.push(`${Math.round(g)}/${Math.round(m)}`);
  }
  print(`ingest_vs_mosquitto_qos${qos}`, median(ratios), `gridbox/mosquitto readings per s per round: ${notes.join(" ")}; goal >= 1.0`);
}
await vm.destroy();
rmSync(dir, { recursive: true, force: true });
