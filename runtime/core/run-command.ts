import { spawn } from "node:child_process";
import { systemClock } from "./clock.ts";

/**
 * Runs a system tool (nmcli, hostnamectl, timedatectl) as a bounded child: a timeout and an abort
 * signal on each call; the child is SIGKILLed then, and the promise settles only on 'close' (exited
 * and reaped, pipes closed), so no child outlives its timeout or its caller's stop(). execFile's own
 * `signal` calls back at once, while the child may still be running. The tool's environment is
 * gridbox's with `LC_ALL=C` (English messages, so callers can classify errors); exit code 127 or
 * "ENOENT" means the tool is missing. Never rejects for a failing tool: the caller reads `code`.
 */
export interface CommandResult {
  /** exit code, or the signal name, or a spawn error code ("ENOENT") */
  code: number | string | null;
  stdout: string;
  stderr: string;
  /** set when gridbox killed it */
  ended?: "timeout" | "aborted";
}

export interface CommandOptions { timeoutMs: number; signal?: AbortSignal; stdin?: string }

const MAX_OUTPUT_CHARS = 1 << 20;

export function runCommand(cmd: string, args: readonly string[], opts: CommandOptions): Promise<CommandResult> {
  return new Promise((resolve) => {
    if (opts.signal?.aborted) { resolve({ code: null, stdout: "", stderr: "", ended: "aborted" }); return; }
    // env(1) sets the C locale for this child only; exit 127 from env = no such tool on PATH
    const child = spawn("env", ["-u", "LANGUAGE", "LC_ALL=C", cmd, ...args], { stdio: [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let ended: "timeout" | "aborted" | undefined;
    let spawnError: NodeJS.ErrnoException | undefined;
    child.stdout?.setEncoding("utf8").on("data", (d: string) => { if (stdout.length < MAX_OUTPUT_CHARS) stdout += d; });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => { if (stderr.length < MAX_OUTPUT_CHARS) stderr += d; });
    if (opts.stdin !== undefined && child.stdin) { child.stdin.on("error", () => undefined); child.stdin.end(opts.stdin); }
    const kill = (why: "timeout" | "aborted"): void => { if (!ended) { ended = why; child.kill("SIGKILL"); } };
    const timer = systemClock.setTimeout(() => kill("timeout"), opts.timeoutMs);
    const onAbort = (): void => kill("aborted");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const settle = (code: number | string | null): void => {
      systemClock.clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      resolve({ code, stdout, stderr, ...(ended ? { ended } : {}) });
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      spawnError = e;
      if (child.pid === undefined) settle(e.code ?? "ENOENT"); // never started: nothing to wait for
    });
    child.on("close", (code, signal) => { if (child.pid !== undefined) settle(spawnError?.code ?? code ?? signal); });
  });
}
