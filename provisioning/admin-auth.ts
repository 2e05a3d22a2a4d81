import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../runtime/core/clock.ts";
import { passwordFingerprint, readSessionFile, sha256, writeSessionFile } from "./session-file.ts";

/**
 * The admin page's login: server-side sessions behind an HttpOnly SameSite=Strict cookie, a CSRF
 * token per session that every change must echo in `X-CSRF-Token` (a cross-site form cannot read
 * it), and failed logins counted per client address with a lockout. Sessions are known by the
 * SHA-256 of their id only, and once running they are kept in a file (session-file.ts) so a
 * restart of gridbox does not log the owner out; a new admin password ends them all. The CSRF token
 * is derived from the session id (HMAC), so neither the file nor memory holds anything that
 * would make a cookie.
 */
export const SESSION_COOKIE = "gridbox_session";
export const CSRF_HEADER = "x-csrf-token";

export interface AuthSettings { ttlMs: number; maxFailures: number; lockoutMs: number }
interface Session { csrf: string; lastUsedMs: number }
interface Entry { lastUsedMs: number; savedMs: number }
/** a session in use is written back at most this often (SD card); it may so expire up to this much early after a restart */
const SAVE_TOUCH_MS = 60_000;
interface Failures { count: number; lockedUntilMs: number }

const token = (): string => randomBytes(32).toString("base64url");
const csrfOf = (id: string): string => createHmac("sha256", id).update("gridbox csrf").digest("base64url");
const same = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function cookieValue(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export type SessionVerdict = { result: "granted"; who: string } | { result: "absent" } | { result: "denied"; reason: string };

export class AdminAuth {
  /** by SHA-256 of the session id */
  private readonly sessions = new Map<string, Entry>();
  private readonly failures = new Map<string, Failures>();
  private file: { path: string; fingerprint: string } | undefined;
  /** the last error saving the sessions (shown nowhere secret; for logs and tests) */
  saveError: string | undefined;
  settings: AuthSettings;

  constructor(private readonly clock: Clock, settings: AuthSettings) { this.settings = settings; }

  /**
   * Keeps the sessions in `path` from now on, under this admin password hash (the running config's).
   * A new path loads the sessions saved there; a password that differs from the one they were made
   * under ends every session (in memory and in the file).
   */
  persistTo(path: string, passwordHash: string | undefined): void {
    const fingerprint = passwordFingerprint(passwordHash);
    const before = this.file;
    this.file = { path, fingerprint };
    if (before && before.fingerprint !== fingerprint) this.sessions.clear();
    if (!before || before.path !== path) {
      const now = this.clock.nowMs();
      for (const s of readSessionFile(path, fingerprint)) {
        if (now - s.lastUsedMs <= this.settings.ttlMs && !this.sessions.has(s.idSha256)) this.sessions.set(s.idSha256, { lastUsedMs: s.lastUsedMs, savedMs: s.lastUsedMs });
      }
    }
    this.save();
  }

  /** Ends every session (a new admin password). */
  endAll(): void {
    this.sessions.clear();
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    const now = this.clock.nowMs();
    for (const [k, e] of this.sessions) if (now - e.lastUsedMs > this.settings.ttlMs) this.sessions.delete(k);
    for (const e of this.sessions.values()) e.savedMs = e.lastUsedMs;
    this.saveError = writeSessionFile(this.file.path, this.file.fingerprint, [...this.sessions].map(([idSha256, e]) => ({ idSha256, lastUsedMs: e.lastUsedMs })));
  }

  /** A locked-out address: how long it must still wait (0: it may try). */
  lockedForMs(ip: string): number {
    const f = this.failures.get(ip);
    return f ? Math.max(0, f.lockedUntilMs - this.clock.nowMs()) : 0;
  }

  /** Counts a failed login; returns the lockout that now applies (0: none yet). */
  failed(ip: string): number {
    const now = this.clock.nowMs();
    const f = this.failures.get(ip) ?? { count: 0, lockedUntilMs: 0 };
    if (f.lockedUntilMs && f.lockedUntilMs <= now) { f.count = 0; f.lockedUntilMs = 0; }
    f.count++;
    if (f.count >= this.settings.maxFailures) f.lockedUntilMs = now + this.settings.lockoutMs;
    this.failures.set(ip, f);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string); // bounded against address floods
    return this.lockedForMs(ip);
  }

  /** A successful login: a new session (its id for the cookie, its CSRF token for the page). */
  login(ip: string): { id: string; csrf: string } {
    this.failures.delete(ip);
    const id = token();
    const now = this.clock.nowMs();
    this.sessions.set(sha256(id), { lastUsedMs: now, savedMs: now });
    this.save();
    return { id, csrf: csrfOf(id) };
  }

  logout(req: FastifyRequest): void {
    const id = cookieValue(req, SESSION_COOKIE);
    if (id && this.sessions.delete(sha256(id))) this.save();
  }

  /** The live session of this request (touched), or undefined. */
  session(req: FastifyRequest): Session | undefined {
    const id = cookieValue(req, SESSION_COOKIE);
    if (!id) return undefined;
    const key = sha256(id);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const now = this.clock.nowMs();
    if (now - s.lastUsedMs > this.settings.ttlMs) { this.sessions.delete(key); this.save(); return undefined; }
    s.lastUsedMs = now;
    if (now - s.savedMs >= SAVE_TOUCH_MS) this.save();
    return { csrf: csrfOf(id), lastUsedMs: now };
  }

  /** For a change: a session cookie plus its CSRF token in the header. */
  verifyWrite(req: FastifyRequest): SessionVerdict {
    if (!cookieValue(req, SESSION_COOKIE)) return { result: "absent" };
    const s = this.session(req);
    if (!s) return { result: "denied", reason: "the admin session has expired: log in again" };
    const sent = req.headers[CSRF_HEADER];
    if (typeof sent !== "string" || !same(sent, s.csrf)) return { result: "denied", reason: `missing or wrong ${CSRF_HEADER} header` };
    return { result: "granted", who: "admin session" };
  }

  /**
   * The admin session as one more way through the HTTP API's write guard (runtime/http/write-auth.ts):
   * every write endpoint (wallbox commands, /poll, config) then takes the session + CSRF token or the API token.
   */
  writeVerifier(configured: () => boolean): { name: string; configured(): boolean; verify(req: FastifyRequest): SessionVerdict } {
    return { name: "admin session", configured, verify: (req) => this.verifyWrite(req) };
  }

  setCookie(reply: FastifyReply, id: string, secure: boolean): void {
    const maxAge = Math.floor(this.settings.ttlMs / 1000);
    void reply.header("set-cookie", `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? "; Secure" : ""}`);
  }

  clearCookie(reply: FastifyReply): void {
    void reply.header("set-cookie", `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
  }
}
