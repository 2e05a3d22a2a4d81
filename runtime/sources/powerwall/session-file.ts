import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ensureDir } from "../../core/ensure-dir.ts";

/**
 * The local API session kept across restarts (as pypowerwall's `.powerwall` file and Home
 * Assistant do): the gateway's cookie lives for a long time, while logging in at every restart
 * counts toward its login rate limit, and on some firmware a customer password stops working
 * after hours while the cookie keeps working. Written only after a login (rare), mode 600, atomically.
 * A missing or unreadable file just means "log in".
 */
export interface SavedSession { gateway: string; token: string; userRecord?: string }

export function readSessionFile(path: string, gateway: string): SavedSession | undefined {
  if (!path) return undefined;
  try {
    const o = JSON.parse(readFileSync(path, "utf8")) as Partial<SavedSession>;
    if (o.gateway !== gateway || typeof o.token !== "string" || !o.token) return undefined;
    return { gateway, token: o.token, ...(typeof o.userRecord === "string" ? { userRecord: o.userRecord } : {}) };
  } catch {
    return undefined;
  }
}

/** Returns an error message instead of throwing: failing to save must not fail a poll. */
export function writeSessionFile(path: string, s: SavedSession): string | undefined {
  if (!path) return undefined;
  try {
    ensureDir(dirname(path));
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, JSON.stringify(s), { mode: 0o600 });
    renameSync(tmp, path);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}
