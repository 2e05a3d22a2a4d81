import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../runtime/config/paths.ts";
import type { ChildLaunch } from "../integration/store-and-forward/gridbox-child.ts";
import type { Point } from "../../runtime/core/point.ts";

/** Shared pieces of the outbox benchmarks (not a benchmark itself: make bench runs *.bench.ts only). */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
export const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const print = (name: string, value: number | string, note = ""): void => {
  process.stdout.write(`${name}=${typeof value === "number" ? (Number.isInteger(value) ? value : value.toFixed(2)) : value}${note ? `  # ${note}` : ""}\n`);
};

/** write_bytes of a process from /proc/<pid>/io: bytes this process caused to be sent to storage. */
export function writeBytes(pid: number | "self" = "self"): number {
  const m = /write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
  return Number(m?.[1] ?? 0);
}
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) / 1024;
}

/** Deterministic noise in [-0.5, 0.5) (a hash of i), so runs compress the same. */
const noise = (i: number): number => (((Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0) % 10_000) / 10_000) - 0.5;
const round = (v: number, decimals: number): number => Math.round(v * 10 ** decimals) / 10 ** decimals;

/**
 * A grid_data reading as ingest makes it from a device (tags device_id/host/source; frequency,
 * voltage, current, power at the sensor's resolution with measurement noise), one every 20 ms
 * per device: 20 devices x 50 Hz = 1000 readings/s.
 */
export function gridReading(i: number, t0Ms: number, devices = 20): Point {
  const d = i % devices;
  const k = Math.floor(i / devices);
  return {
    measurement: "grid_data",
    tags: { device_id: `bench${String(d).padStart(7, "0")}`, host: "gridbox-bench", source: "mqtt" },
    fields: {
      frequency: round(50 + Math.sin(k / 500 + d) * 0.05 + noise(i) * 0.004, 3),
      voltage: round(230 + Math.sin(k / 300) * 3 + noise(i + 1) * 0.4, 1),
      current: round(3 + Math.sin(k / 50) + noise(i + 2) * 0.04, 2),
      power: round(700 + Math.sin(k / 50) * 230 + noise(i + 3) * 10, 1),
    },
    timeNs: BigInt(t0Ms + k * 20) * 1_000_000n,
  };
}

export { startGridboxChild, type GridboxChild } from "../integration/store-and-forward/gridbox-child.ts";

export async function getJson<T>(url: string): Promise<T> {
  return await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json() as T;
}

/** The ExecStart and Environment of image/systemd/gridbox.service, pointed at this checkout's bundle. */
export function productionLaunch(): ChildLaunch {
  const unit = readFileSync(join(REPO_ROOT, "image/systemd/gridbox.service"), "utf8");
  const exec = /^ExecStart=\S+ (.*?) \S+gridbox\.mjs serve/m.exec(unit);
  const env = Object.fromEntries([...unit.matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]));
  const bundle = join(REPO_ROOT, "dist/runtime/gridbox.mjs");
  if (!existsSync(bundle)) throw new Error("dist/runtime/gridbox.mjs is missing: run `make build` (make bench does)");
  return { args: [...(exec?.[1]?.split(" ") ?? []), bundle], env };
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(f[11]) + Number(f[12])) / 100;
}
