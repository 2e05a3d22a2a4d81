import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real VictoriaMetrics (Debian's victoria-metrics) on a free loopback port with its data in a temp
 * dir: it accepts InfluxDB's /api/v2/write and is read back through /api/v1/export. Quirks that
 * matter to tests (see dependencies-tried.md §2): timestamps are stored in ms; series are named
 * `<measurement>_<field>`, tags become labels; org/bucket are ignored; a bad line still gets 204;
 * it does not deduplicate, so a sample written twice is exported twice; call forceFlush() before
 * reading what was just written.
 */
export interface Sample { series: string; labels: Record<string, string>; timestampMs: number; value: number }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** SIGTERM to a server we started, resolved when it has exited. */
export async function terminate(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => { proc.once("exit", () => resolve()); proc.kill("SIGTERM"); });
}

export class VictoriaMetrics {
  readonly dataDir: string;
  private proc: ChildProcess | undefined;
  private stderr = "";
  port = 0;

  /** `args`: more command-line flags, e.g. -httpAuth.username=… (its /health stays open) */
  constructor(dataDir?: string, private readonly args: readonly string[] = []) {
    this.dataDir = dataDir ?? mkdtempSync(join(tmpdir(), "gridbox-vm-"));
  }

  get url(): string { return `http://127.0.0.1:${this.port}`; }
  /** the server's process id while it runs (benchmarks read its CPU time) */
  get pid(): number | undefined { return this.proc?.pid; }

  /** Starts (or restarts on the same port and data). */
  async start(): Promise<this> {
    if (this.proc) return this;
    if (this.port === 0) this.port = await freePort();
    const proc = spawn("victoria-metrics", [
      `-httpListenAddr=127.0.0.1:${this.port}`, `-storageDataPath=${this.dataDir}`, "-search.latencyOffset=1s",
      "-retentionPeriod=100y", "-loggerLevel=ERROR", ...this.args,
    ], { stdio: ["ignore", "ignore", "pipe"] });
    proc.stderr?.on("data", (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    this.proc = proc;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`victoria-metrics exited ${proc.exitCode}: ${this.stderr}`);
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(500) });
        if (res.ok) return this;
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error(`victoria-metrics did not come up on ${this.url}: ${this.stderr}`);
  }

  /** Stops it (SIGTERM: it flushes its data) and waits for the exit; the port is then refused. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    await terminate(proc);
  }

  async forceFlush(): Promise<void> {
    await fetch(`${this.url}/internal/force_flush`, { signal: AbortSignal.timeout(10_000) });
  }

  /** Every sample of the series matching `match` (a PromQL selector), after a flush. */
  async export(match: string): Promise<Sample[]> {
    await this.forceFlush();
    const res = await fetch(`${this.url}/api/v1/export?${new URLSearchParams({ "match[]": match })}`, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new Error(`export ${res.status}: ${await res.text()}`);
    const out: Sample[] = [];
    for (const line of (await res.text()).split("\n")) {
      if (!line.trim()) continue;
      const row = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
      const { __name__: series = "", ...labels } = row.metric;
      row.timestamps.forEach((t, i) => out.push({ series, labels, timestampMs: t, value: row.values[i] as number }));
    }
    return out;
  }

  /** Polls export until `done(samples)` or the timeout; returns the last samples. */
  async waitFor(match: string, done: (s: Sample[]) => boolean, timeoutMs = 20_000): Promise<Sample[]> {
    const deadline = Date.now() + timeoutMs;
    let samples = await this.export(match);
    while (!done(samples) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      samples = await this.export(match);
    }
    return samples;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Counts samples per series+timestamp: `distinct` keys and how many extra copies (`duplicates`). */
export function countSamples(samples: readonly Sample[]): { distinct: number; duplicates: number; keys: Set<string> } {
  const keys = new Set<string>();
  let duplicates = 0;
  for (const s of samples) {
    const key = `${s.series}${JSON.stringify(s.labels)}@${s.timestampMs}`;
    if (keys.has(key)) duplicates++;
    else keys.add(key);
  }
  return { distinct: keys.size, duplicates, keys };
}
