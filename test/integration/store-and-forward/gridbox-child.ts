import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../../runtime/config/paths.ts";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { freePort } from "../../support/victoria-metrics.ts";

/**
 * `gridbox serve` as a child process (what systemd runs), on free loopback ports picked first so a
 * restart can reuse them, for kill -9 tests and benchmarks. `ports` may be passed back in to restart
 * on the same addresses with the same config file.
 */
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface GridboxChild { proc: ChildProcess; http: string; mqtt: string; ports: ChildPorts; /** exec to /health answering */ startMs: number; stop(): Promise<void>; kill9(): Promise<void> }

export interface ChildPorts { http: number; mqtt: number; ws: number }

/** How to run gridbox: by default the development entry (tsx); benchmarks may run the built bundle as systemd does. */
export interface ChildLaunch { args: string[]; env?: NodeJS.ProcessEnv }

/** Starts `gridbox serve` with the given devices and sink; `extra` lines go under `outbox:`. */
export async function startGridboxChild(dir: string, o: { devices: Record<string, string>; influxUrl?: string; storePath: string; extra?: string; ports?: ChildPorts; launch?: ChildLaunch; /** how often /health is tried while starting */ pollMs?: number }): Promise<GridboxChild> {
  const ports = o.ports ?? { http: await freePort(), mqtt: await freePort(), ws: await freePort() };
  const httpPort = ports.http;
  const mqttPort = ports.mqtt;
  const wsPort = ports.ws;
  const devices: string[] = [];
  for (const [id, pw] of Object.entries(o.devices)) devices.push(`    ${id}: { password_hash: "${await hashPassword(pw)}" }`);
  const cfg = join(dir, `gridbox-${httpPort}.yaml`);
  writeFileSync(cfg, [
    "version: 1",
    "site: { name: bench, host: gridbox-bench }",
    "log: { level: warn, format: json }",
    `http: { host: 127.0.0.1, port: ${httpPort} }`,
    "broker:",
    `  tcp: { host: 127.0.0.1, port: ${mqttPort} }`,
    `  ws: { host: 127.0.0.1, port: ${wsPort} }`,
    "  devices:",
    ...devices,
    ...(o.influxUrl ? ["sink:", "  type: influxdb", "  influxdb:", `    url: ${o.influxUrl}`, "    bucket: energy"] : []),
    "outbox:",
    // no self metrics: these tests count the readings they sent
    "  self_metrics_ms: 0",
    `  store: { path: ${o.storePath} }`,
    o.extra ?? "",
  ].join("\n") + "\n", { mode: 0o600 });
  const launch = o.launch ?? { args: [join(REPO_ROOT, "runtime/cli/bin.js")] };
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, [...launch.args, "serve", "--config", cfg], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...launch.env } });
  let err = "";
  proc.stderr?.on("data", (d: Buffer) => { err = (err + d.toString()).slice(-4000); if (process.env.BENCH_CHILD_STDERR) process.stderr.write(d); });
  const http = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`gridbox exited ${proc.exitCode}: ${err}`);
    try { if ((await fetch(`${http}/health`, { signal: AbortSignal.timeout(500) })).status > 0) break; } catch { /* starting */ }
    if (Date.now() > deadline) throw new Error(`gridbox did not start: ${err}`);
    await delay(o.pollMs ?? 100);
  }
  const startMs = performance.now() - spawnedAt;
  return {
    proc, http, startMs, mqtt: `mqtt://127.0.0.1:${mqttPort}`, ports,
    stop: () => new Promise<void>((r) => { if (proc.exitCode !== null) return r(); proc.once("exit", () => r()); proc.kill("SIGTERM"); }),
    kill9: () => new Promise<void>((r) => { if (proc.exitCode !== null) return r(); proc.once("exit", () => r()); proc.kill("SIGKILL"); }),
  };
}

