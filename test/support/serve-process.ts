import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../../runtime/config/paths.ts";

/**
 * `gridbox serve` as the appliance runs it: a child process (bin.js), its config path, env
 * overrides for loopback ports; stdout/stderr kept for failure messages. stop() sends SIGTERM and
 * waits for the exit (SIGKILL after 20 s).
 */
export class ServeProcess {
  private proc: ChildProcess | undefined;
  output = "";

  constructor(readonly configPath: string, readonly env: Record<string, string>, readonly port: number) {}

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  async start(): Promise<{ mode: string }> {
    this.proc = spawn(process.execPath, [join(REPO_ROOT, "runtime/cli/bin.js"), "serve", "--config", this.configPath], {
      env: { ...process.env, ...this.env }, stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (d: Buffer): void => { this.output = (this.output + d.toString()).slice(-20_000); };
    this.proc.stdout?.on("data", keep);
    this.proc.stderr?.on("data", keep);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`gridbox serve exited ${this.proc.exitCode}: ${this.output}`);
      const h = await this.health().catch(() => undefined);
      if (h) return h;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`gridbox serve did not answer on ${this.url}: ${this.output}`);
  }

  async health(): Promise<{ mode: string } & Record<string, unknown>> {
    const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
    return (await res.json()) as { mode: string };
  }

  /** Waits until /health says `mode` (and, if given, `until` holds). */
  async waitForMode(mode: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      last = await this.health().catch((e: unknown) => String(e));
      if ((last as { mode?: string }).mode === mode) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`not in mode ${mode} after ${timeoutMs} ms: ${JSON.stringify(last)}\n${this.output}`);
  }

  /**
   * Waits until the setup API says `mode` and the boot supervisor is no longer busy: /health answers
   * while it still settles, when the page (and /api/setup/*) still says "setup".
   */
  async waitForSettled(mode: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      last = await fetch(`${this.url}/api/setup/state`, { signal: AbortSignal.timeout(2000) }).then((r) => r.json(), (e: unknown) => String(e));
      const st = last as { mode?: string; busy?: boolean };
      if (st.mode === mode && !st.busy) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not settled in mode ${mode} after ${timeoutMs} ms: ${JSON.stringify(last)}\n${this.output}`);
  }

  signal(sig: NodeJS.Signals): void { this.proc?.kill(sig); }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    // a gridbox that cannot handle SIGTERM (a blocked event loop) is killed, so no test leaves it behind
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => p.kill("SIGKILL"), 20_000);
      p.once("exit", () => { clearTimeout(kill); resolve(); });
      p.kill("SIGTERM");
    });
  }
}
