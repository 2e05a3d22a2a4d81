import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, VictoriaMetrics } from "../support/victoria-metrics.ts";
import { cpuSeconds, delay, getJson, print, productionLaunch, startGridboxChild } from "./bench-kit.ts";

/**
 * CPU per reading at the load a house of grid monitors makes: 20 devices x 50 Hz, one reading per
 * MQTT message (QoS 0), from a publisher in its own process (mqtt-paced.ts).
 * - gridbox_cpu_us_per_reading: the production bundle (`make build`, run with the systemd unit's
 *   flags) as its own process, broker -> ingest -> outbox -> a live VictoriaMetrics; CPU time of the
 *   gridbox process over the window / readings its outbox accepted in it.
 * - mosquitto_cpu_us_per_message: Debian's mosquitto at the same load, routing every message to one
 *   mosquitto_sub subscriber; CPU time of mosquitto / messages the subscriber received.
 * Goal: gridbox <= half of mosquitto.
 */
const HZ = 50;
const WARMUP_MS = 5000;
const WINDOW_MS = Number(process.env.BENCH_WINDOW_S ?? 30) * 1000;
const RUN_MS = WARMUP_MS + WINDOW_MS + 2000;
const PACED = join(import.meta.dirname, "mqtt-paced.ts");
const DEVICES = Array.from({ length: 20 }, (_, d) => ({ id: `paced${String(d).padStart(7, "0")}`, password: `paced-device-${d}` }));
const devicesArg = DEVICES.map((d) => `${d.id}:${d.password}`).join(",");
const dir = mkdtempSync(join(tmpdir(), "gridbox-bench-cpu-"));

/** Starts the paced publisher; resolves once every device is connected. */
async function publisher(url: string): Promise<{ proc: ChildProcess; done: Promise<void> }> {
  const proc = spawn(process.execPath, ["--import", "tsx", PACED, url, String(HZ), String(RUN_MS), devicesArg], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    proc.stdout?.on("data", (d: Buffer) => { out += d.toString(); if (out.includes("connected")) resolve(); });
    proc.once("exit", (code) => reject(new Error(`publisher exited ${code}: ${out}`)));
  });
  return { proc, done: new Promise((r) => { if (proc.exitCode !== null) r(); else proc.once("exit", () => r()); }) };
}

/** CPU µs of `pid` per unit counted by `count()` over the window after the warm-up. */
async function cpuPerUnit(pid: number, count: () => Promise<number>): Promise<{ us: number; units: number; cpuS: number }> {
  await delay(WARMUP_MS);
  const c0 = cpuSeconds(pid); const n0 = await count();
  await delay(WINDOW_MS);
  const c1 = cpuSeconds(pid); const n1 = await count();
  return { us: ((c1 - c0) * 1e6) / Math.max(1, n1 - n0), units: n1 - n0, cpuS: c1 - c0 };
}

async function mosquitto(): Promise<{ us: number; units: number; cpuS: number }> {
  const port = await freePort();
  const conf = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`);
  const broker = spawn("mosquitto", ["-c", conf], { stdio: "ignore" });
  await delay(300);
  const sub = spawn("mosquitto_sub", ["-h", "127.0.0.1", "-p", String(port), "-t", "open_grid_monitor/#"], { stdio: ["ignore", "pipe", "ignore"] });
  let received = 0;
  sub.stdout?.on("data", (d: Buffer) => { for (let i = 0; i < d.length; i++) if (d[i] === 10) received++; });
  await delay(300);
  const pub = await publisher(`mqtt://127.0.0.1:${port}`);
  const r = await cpuPerUnit(broker.pid as number, async () => received);
  await pub.done;
  sub.kill(); broker.kill();
  return r;
}

async function gridbox(vmUrl: string): Promise<{ us: number; units: number; cpuS: number }> {
  const gb = await startGridboxChild(dir, { devices: Object.fromEntries(DEVICES.map((d) => [d.id, d.password])), influxUrl: vmUrl, storePath: join(dir, "outbox.db"), launch: productionLaunch() });
  const pub = await publisher(gb.mqtt);
  const r = await cpuPerUnit(gb.proc.pid as number, async () => (await getJson<{ outbox: { accepted: number } }>(`${gb.http}/status`)).outbox.accepted);
  await pub.done;
  await gb.stop();
  return r;
}

const vm = await new VictoriaMetrics().start();
const m = await mosquitto();
const g = await gridbox(vm.url);
await vm.destroy();
rmSync(dir, { recursive: true, force: true });
const rate = `${DEVICES.length} devices x ${HZ} Hz, one reading per QoS 0 message, ${WINDOW_MS / 1000} s window`;
print("gridbox_cpu_us_per_reading", g.us, `production bundle, its own process; ${g.units} readings, ${g.cpuS.toFixed(2)} s CPU; ${rate}`);
print("mosquitto_cpu_us_per_message", m.us, `Debian mosquitto routing to one subscriber; ${m.units} messages, ${m.cpuS.toFixed(2)} s CPU`);
print("gridbox_vs_mosquitto_cpu_ratio", g.us / m.us, "goal <= 0.5");
