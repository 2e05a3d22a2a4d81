import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "../runtime/config/atomic-write.ts";
import { ensureDir } from "../runtime/core/ensure-dir.ts";

/**
 * The admin sessions kept across a restart of gridbox, so an update or a crash does not log the
 * owner out. The file holds only SHA-256 hashes of the session ids (never the cookie value: a
 * stolen file cannot be turned back into a cookie, as the ids are 256 random bits) with their last
 * use, plus a fingerprint of the admin password hash: when the password changed (on the page or in
 * the file while gridbox was stopped) every session is dropped. Mode 600, written atomically, only
 * on login, logout, a password change and at most once a minute per session while it is used.
 */
export interface StoredSession { idSha256: string; lastUsedMs: number }
interface FileShape { version: 1; password: string; sessions: { id_sha256: string; last_used_ms: number }[] }

export const sha256 = (s: string): string => createHash("sha256").update(s).digest("base64url");
/** What the file records of the admin password hash: enough to see it changed, nothing to attack. */
export const passwordFingerprint = (hash: string | undefined): string => (hash ? sha256(`gridbox-admin:${hash}`) : "");

/** The sessions of `path` that were made under this password; none when the file is missing, unreadable or from another password. */
export function readSessionFile(path: string, fingerprint: string): StoredSession[] {
  let o: Partial<FileShape>;
  try { o = JSON.parse(readFileSync(path, "utf8")) as Partial<FileShape>; } catch { return []; }
  if (o.version !== 1 || o.password !== fingerprint || !fingerprint || !Array.isArray(o.sessions)) return [];
  return o.sessions
    .filter((s) => typeof s?.id_sha256 === "string" && /^[A-Za-z0-9_-]{43}$/.test(s.id_sha256) && Number.isFinite(s.last_used_ms))
    .map((s) => ({ idSha256: s.id_sha256, lastUsedMs: s.last_used_ms }));
}

/** Writes the sessions (none: removes the file); returns an error message instead of throwing, as a failed save must not fail a login. */
export function writeSessionFile(path: string, fingerprint: string, sessions: readonly StoredSession[]): string | undefined {
  try {
    if (sessions.length === 0) { rmSync(path, { force: true }); return undefined; }
    ensureDir(dirname(path));
    const shape: FileShape = { version: 1, password: fingerprint, sessions: sessions.map((s) => ({ id_sha256: s.idSha256, last_used_ms: s.lastUsedMs })) };
    writeFileAtomic(path, `${JSON.stringify(shape)}\n`, 0o600);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}
