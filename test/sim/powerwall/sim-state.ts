import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { FaultSet } from "./faults.ts";
import { SitePhysics, type PhysicsOptions } from "./physics.ts";

/**
 * Everything the simulated gateway knows: identity, passwords, sessions, the login rate limiter,
 * the physics, armed faults and request counters. The local API and TEDAPI handlers share it.
 */
export interface SimOptions extends PhysicsOptions {
  /** pw2: local API + PW+ inverter (strings A-D); pw3: no local portal, TEDAPI with strings A-F */
  model?: "pw2" | "pw3";
  customerPassword?: string;
  gatewayPassword?: string;
  din?: string;
  siteName?: string;
  firmware?: string;
  /** status for an expired/revoked session on data calls (firmware dependent) */
  expiredStatus?: 401 | 403;
  /** logins allowed per window before 429 */
  loginLimit?: { max: number; windowMs: number; lockoutMs: number };
  /** TEDAPI: gzip every body without Content-Encoding (fw 25.42.2+) */
  gzip?: boolean;
  /** PEM public key (EC) that signs valid TEDAPI queries; a query it does not verify is refused */
  queryPublicKey?: string;
  /**
   * Without a queryPublicKey: answer signed queries from a signer the simulator has no key for
   * (a stand-in for Tesla's key, so the field's clients with Tesla-signed queries read it). The
   * query must still be SIGNED (format 2) with a DER ECDSA signature. Unset: refused.
   */
  acceptUnknownSigners?: boolean;
  /** TEDAPI: leave the query response's status unset (0) while sending the data */
  unsetQueryStatus?: boolean;
  /** TEDAPI personality: refuse every client as routed from the LAN (fw >= 25.10) */
  routedClient?: boolean;
}

export class SimState {
  readonly model: "pw2" | "pw3";
  readonly physics: SitePhysics;
  readonly faults = new FaultSet();
  readonly din: string;
  siteName: string;
  firmware: string;
  customerPassword: string;
  gatewayPassword: string;
  passwordRejected = false;
  routedClient: boolean;
  gzip: boolean;
  /** answer queries with status 2 (partial error): data plus an error entry */
  partialQueries = false;
  expiredStatus: 401 | 403;
  queryPublicKey: string | undefined;
  acceptUnknownSigners: boolean;
  unsetQueryStatus: boolean;
  readonly loginLimit: { max: number; windowMs: number; lockoutMs: number };
  readonly sessions = new Map<string, string>(); // token -> UserRecord
  private loginTimes: number[] = [];
  private lockedUntil = 0;
  readonly stats = { requests: 0, logins: 0, loginFailures: 0, byPath: {} as Record<string, number> };
  readonly hung = new Set<ServerResponse>();

  constructor(o: SimOptions = {}) {
    this.model = o.model ?? "pw2";
    this.physics = new SitePhysics(o);
    this.din = o.din ?? (this.model === "pw3" ? "1707000-11-J--TG0123456789AB" : "1232100-00-E--TG0123456789AB");
    this.siteName = o.siteName ?? "Simulated Home";
    this.firmware = o.firmware ?? "24.44.1 3a7e3c5a";
    this.customerPassword = o.customerPassword ?? "S1mPw";
    this.gatewayPassword = o.gatewayPassword ?? "ABCDEFGHIJ";
    this.expiredStatus = o.expiredStatus ?? 401;
    this.loginLimit = o.loginLimit ?? { max: 10, windowMs: 60_000, lockoutMs: 300_000 };
    this.gzip = o.gzip ?? false;
    this.queryPublicKey = o.queryPublicKey;
    this.acceptUnknownSigners = o.acceptUnknownSigners ?? false;
    this.unsetQueryStatus = o.unsetQueryStatus ?? false;
    this.routedClient = o.routedClient ?? false;
  }

  count(path: string): void {
    this.stats.requests++;
    this.stats.byPath[path] = (this.stats.byPath[path] ?? 0) + 1;
  }

  /** Login bookkeeping: too many logins in the window lock the endpoint (429) for lockoutMs. */
  loginAllowed(nowMs: number): boolean {
    if (nowMs < this.lockedUntil) return false;
    this.loginTimes = this.loginTimes.filter((t) => nowMs - t < this.loginLimit.windowMs);
    this.loginTimes.push(nowMs);
    if (this.loginTimes.length > this.loginLimit.max) {
      this.lockedUntil = nowMs + this.loginLimit.lockoutMs;
      return false;
    }
    return true;
  }

  newSession(): { token: string; userRecord: string } {
    const token = randomBytes(48).toString("base64").replace(/=+$/, "") + "==";
    const userRecord = randomBytes(96).toString("base64url");
    this.sessions.set(token, userRecord);
    return { token, userRecord };
  }

  /** Invalidates every session (session expiry / firmware update). */
  expireSessions(): void { this.sessions.clear(); }

  /** A "power cycle": clears the rejected-password state, the login lockout and every fault. */
  powerCycle(): void {
    this.passwordRejected = false;
    this.lockedUntil = 0;
    this.loginTimes = [];
    this.faults.clear();
    this.sessions.clear();
  }
}
