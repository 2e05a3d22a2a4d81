import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/log.ts";
import { GatewayError, parseJsonBody, statusError, type GatewayTransport } from "./gateway-transport.ts";
import { readSessionFile, writeSessionFile } from "./session-file.ts";

/**
 * The local API session (Powerwall 2 / Powerwall+): POST /api/login/Basic as `customer`, then the
 * AuthCookie (and UserRecord) cookies or an `Authorization: Bearer` token on every call.
 * A data call answered 401/403 triggers ONE re-login (shared by concurrent calls) and one retry;
 * a login the gateway refuses blocks further logins for `authRetryMs`, so a wrong password never
 * turns into a login storm (which the gateway punishes with a long 429 lockout).
 */
export interface LocalSessionOptions {
  password: string;
  email: string;
  authMode: "cookie" | "bearer";
  authRetryMs: number;
  /** where the session survives restarts ("" = memory only) */
  sessionFile?: string;
  /** which gateway the saved session belongs to (its base URL) */
  gateway: string;
  clock: Clock;
  log: Logger;
}

export class LocalApiSession {
  private token: string | undefined;
  private userRecord: string | undefined;
  private loginInFlight: Promise<void> | undefined;
  private loginBlockedUntil = 0;
  /** per path: refused even with a fresh session, so a 401/403 there does not log in again before then */
  private readonly forbiddenUntil = new Map<string, number>();
  private lastLoginError: GatewayError | undefined;
  logins = 0;

  private restored = false;

  constructor(private readonly transport: GatewayTransport, private readonly opts: LocalSessionOptions) {}

  /** Forget the session (full reconnect). The login block stays: a reconnect is not a reason to storm. */
  forget(): void { this.token = undefined; this.userRecord = undefined; }

  /**
   * The breaker's full reconnect: forget the session, but while an endpoint is still refused even
   * with a fresh session (forbiddenUntil), the next login waits until then as well: a new session
   * would be refused the same way, and one login per reconnect is a login storm at 5 s polls.
   */
  reset(): void {
    this.forget();
    const now = this.opts.clock.nowMs();
    for (const [path, until] of this.forbiddenUntil) {
      if (until <= now) { this.forbiddenUntil.delete(path); continue; }
      if (until > this.loginBlockedUntil) {
        this.loginBlockedUntil = until;
        this.lastLoginError = new GatewayError("GRIDBOX_SOURCE_AUTH", `GET ${path} was refused even with a fresh session`);
      }
    }
  }

  /** GET a JSON endpoint with the session, re-logging in once on 401/403. */
  async getJson(path: string, signal: AbortSignal): Promise<unknown> {
    if (!this.token && !this.restored) this.restore();
    if (!this.token) await this.login(signal);
    const used = this.token;
    let res = await this.transport.request("GET", path, { headers: this.authHeaders(), signal });
    if (res.status === 401 || res.status === 403) {
      const until = this.forbiddenUntil.get(path) ?? 0;
      if (this.opts.clock.nowMs() < until) {
        throw new GatewayError("GRIDBOX_SOURCE_AUTH", `GET ${path}: HTTP ${res.status} (access refused; no new login for it before ${new Date(until).toISOString()})`, { httpStatus: res.status });
      }
      this.opts.log.debug(`${path}: HTTP ${res.status}, logging in again`);
      if (this.token === used) this.forget();
      if (!this.token) await this.login(signal);
      res = await this.transport.request("GET", path, { headers: this.authHeaders(), signal });
      if (res.status === 401 || res.status === 403) {
        // refused with a fresh session: forbidden, not expired. Logging in again would not help.
        this.forbiddenUntil.set(path, this.opts.clock.nowMs() + this.opts.authRetryMs);
        throw new GatewayError("GRIDBOX_SOURCE_AUTH", `GET ${path}: HTTP ${res.status} even after a fresh login (access refused)`, { httpStatus: res.status });
      }
    }
    if (res.status < 200 || res.status > 299) throw statusError(res, `GET ${path}`);
    return parseJsonBody(res, `GET ${path}`);
  }

  /** GET without credentials (/api/status answers without a session). */
  async getPublicJson(path: string, signal: AbortSignal): Promise<unknown> {
    const res = await this.transport.request("GET", path, { signal });
    if (res.status < 200 || res.status > 299) throw statusError(res, `GET ${path}`);
    return parseJsonBody(res, `GET ${path}`);
  }

  /** Once: the session saved by an earlier run, if it belongs to this gateway. */
  private restore(): void {
    this.restored = true;
    const saved = readSessionFile(this.opts.sessionFile ?? "", this.opts.gateway);
    if (!saved) return;
    this.token = saved.token;
    this.userRecord = saved.userRecord;
    this.opts.log.redact(saved.token, saved.userRecord);
    this.opts.log.debug("reusing the saved gateway session");
  }

  private authHeaders(): Record<string, string> {
    if (!this.token) return {};
    if (this.opts.authMode === "bearer") return { authorization: `Bearer ${this.token}` };
    const cookies = [`AuthCookie=${this.token}`];
    if (this.userRecord) cookies.push(`UserRecord=${this.userRecord}`);
    return { cookie: cookies.join("; ") };
  }

  private login(signal: AbortSignal): Promise<void> {
    this.loginInFlight ??= this.doLogin(signal).finally(() => { this.loginInFlight = undefined; });
    return this.loginInFlight;
  }

  private async doLogin(signal: AbortSignal): Promise<void> {
    const now = this.opts.clock.nowMs();
    if (this.loginBlockedUntil > now) {
      throw new GatewayError("GRIDBOX_SOURCE_AUTH", `${this.lastLoginError?.message ?? "login refused"}; next login attempt after ${new Date(this.loginBlockedUntil).toISOString()}`,
        { httpStatus: this.lastLoginError?.httpStatus });
    }
    this.logins++;
    const body = JSON.stringify({ username: "customer", password: this.opts.password, email: this.opts.email, force_sm_off: false });
    const res = await this.transport.request("POST", "/api/login/Basic", { headers: { "content-type": "application/json" }, body, signal });
    if (res.status === 401 || res.status === 403) {
      this.loginBlockedUntil = this.opts.clock.nowMs() + this.opts.authRetryMs;
      this.lastLoginError = new GatewayError("GRIDBOX_SOURCE_AUTH", `login refused (HTTP ${res.status}): check powerwall.password`, { httpStatus: res.status });
      throw this.lastLoginError;
    }
    if (res.status < 200 || res.status > 299) throw statusError(res, "POST /api/login/Basic");
    const json = parseJsonBody(res, "POST /api/login/Basic") as { token?: unknown };
    const cookies = parseSetCookies(res.headers["set-cookie"]);
    const token = typeof json.token === "string" && json.token ? json.token : cookies.AuthCookie;
    if (!token) throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", "login answered 200 without a token or AuthCookie", { retryable: true });
    this.token = token;
    this.userRecord = cookies.UserRecord;
    this.opts.log.redact(token, this.userRecord);
    this.opts.log.info("logged in to the gateway");
    const failed = writeSessionFile(this.opts.sessionFile ?? "", { gateway: this.opts.gateway, token, ...(this.userRecord ? { userRecord: this.userRecord } : {}) });
    if (failed) this.opts.log.warn(`could not save the gateway session to powerwall.session_file (${failed}); it is kept in memory`);
  }
}

export function parseSetCookies(header: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of header ?? []) {
    const first = line.split(";")[0] ?? "";
    const eq = first.indexOf("=");
    if (eq > 0) out[first.slice(0, eq).trim()] = first.slice(eq + 1).trim();
  }
  return out;
}
