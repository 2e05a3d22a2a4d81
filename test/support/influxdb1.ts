import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, terminate } from "./victoria-metrics.ts";

/**
 * A real InfluxDB 1.6 (Debian's `influxdb`, `influxd run -config`) on free loopback ports with its
 * data in a temp dir (dependencies-tried.md §2). It answers `/write?db=&rp=&precision=` and InfluxQL
 * on `/query`; it has no `/api/v2/write`. With `auth: true` the first admin user is created through
 * `/query` (1.x allows that while no user exists), and every later request needs credentials.
 */
export interface SeriesResult { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }
export interface QueryResult { statement_id: number; series?: SeriesResult[]; error?: string }

export class InfluxDB1 {
  readonly dir: string;
  private proc: ChildProcess | undefined;
  private stderr = "";
  port = 0;
  readonly admin = { username: "admin", password: "admin-secret-1" };

  constructor(private readonly opts: { auth?: boolean } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "gridbox-influxdb1-"));
  }

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  async start(): Promise<this> {
    if (this.proc) return this;
    this.port = await freePort();
    const rpc = await freePort();
    const conf = join(this.dir, "influxdb.conf");
    writeFileSync(conf, [
      "reporting-enabled = false", `bind-address = "127.0.0.1:${rpc}"`,
      "[meta]", `  dir = "${this.dir}/meta"`,
      "[data]", `  dir = "${this.dir}/data"`, `  wal-dir = "${this.dir}/wal"`, "  query-log-enabled = false",
      "[monitor]", "  store-enabled = false",
      "[http]", "  enabled = true", `  bind-address = "127.0.0.1:${this.port}"`, `  auth-enabled = ${this.opts.auth ? "true" : "false"}`, "  log-enabled = false",
      "[ifql]", "  enabled = false",
      "[continuous_queries]", "  enabled = false",
      "",
    ].join("\n"));
    const proc = spawn("influxd", ["run", "-config", conf], { stdio: ["ignore", "ignore", "pipe"] });
    proc.stderr?.on("data", (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    this.proc = proc;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`influxd exited ${proc.exitCode}: ${this.stderr}`);
      try {
        const res = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(500) });
        if (res.status === 204) break;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) throw new Error(`influxd did not come up on ${this.url}: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 30));
    }
    if (this.opts.auth) await this.query(`CREATE USER ${this.admin.username} WITH PASSWORD '${this.admin.password}' WITH ALL PRIVILEGES`, { auth: false });
    return this;
  }

  /** Runs InfluxQL (POST, as writes and DDL need) and returns its results; throws on an HTTP error. */
  async query(q: string, o: { db?: string; epoch?: "ns" | "u" | "ms" | "s"; auth?: boolean } = {}): Promise<QueryResult[]> {
    const params = new URLSearchParams({ q });
    if (o.db) params.set("db", o.db);
    if (o.epoch) params.set("epoch", o.epoch);
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (this.opts.auth && o.auth !== false) headers.authorization = `Basic ${Buffer.from(`${this.admin.username}:${this.admin.password}`).toString("base64")}`;
    const res = await fetch(`${this.url}/query`, { method: "POST", headers, body: params, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`influxdb1 query ${res.status}: ${text}`);
    return (JSON.parse(text) as { results: QueryResult[] }).results;
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    await terminate(proc);
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
