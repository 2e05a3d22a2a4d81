import { execFile } from "node:child_process";
import { hashPassword } from "../../../runtime/core/password-hash.ts";

/** Helpers shared by the broker and ingest integration tests: foreign clients, polling, config. */
export interface ProcResult { code: number | null; stdout: string; stderr: string }

/** Runs mosquitto_pub / mosquitto_sub (Debian mosquitto-clients) with a hard timeout. */
export function mosquitto(bin: "mosquitto_pub" | "mosquitto_sub", args: string[], timeoutMs = 10_000): Promise<ProcResult> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** host/port arguments for mosquitto_* from an mqtt:// URL */
export function hostPort(url: string): string[] {
  const u = new URL(url);
  return ["-h", u.hostname, "-p", u.port];
}

export async function waitFor(cond: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** broker.devices config with real scrypt hashes */
export async function deviceAccounts(passwords: Record<string, string>): Promise<Record<string, { password_hash: string }>> {
  const out: Record<string, { password_hash: string }> = {};
  for (const [id, pw] of Object.entries(passwords)) out[id] = { password_hash: await hashPassword(pw) };
  return out;
}

/** The `ingest` section of GET /status, typed loosely for assertions. */
export interface IngestStatus {
  accepted: number;
  rejected: Record<string, number> & { total: number };
  points: { grid_data: number; device_status: number; device_logs: number };
  gatewayTime: number;
  devices: Record<string, { lastMessage: string | null; accepted: number; rejected: number; online: boolean | null; protocol: number | null }>;
}
