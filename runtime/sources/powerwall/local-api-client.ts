import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/log.ts";
import type { PowerwallClient } from "./client.ts";
import { GatewayError, GatewayTransport } from "./gateway-transport.ts";
import { LocalApiSession } from "./local-api-session.ts";
import { parseAggregates, parseGridStatus, parseOperation, parsePowerwalls, parseSiteInfo, parseSoe, parseSolarPowerwall, parseStatus, parseSystemStatus } from "./local-api-reading.ts";
import { withAppPercent, type PowerwallReading } from "./reading.ts";

/**
 * Powerwall 2 / Powerwall+ over the local HTTPS API. Per poll: aggregates and SOE (required),
 * grid status, system status (energy, battery blocks) and the PW+ strings (optional: a failure
 * leaves those values out). /api/status and /api/site_info are read once per connection.
 * An endpoint answering 404 (e.g. /api/solar_powerwall on a PW2) is not asked again for 10 minutes,
 * and a 404 is never taken for an auth problem.
 */
export interface LocalApiClientOptions {
  baseUrl: string;
  servername?: string;
  password: string;
  email: string;
  authMode?: "cookie" | "bearer";
  timeoutMs: number;
  rateLimitPauseMs: number;
  authRetryMs: number;
  /** keeps the session across restarts ("" = memory only) */
  sessionFile?: string;
  clock: Clock;
  log: Logger;
}

const NOT_FOUND_RETRY_MS = 10 * 60_000;
const IDENTITY_REFRESH_MS = 5 * 60_000;

type Identity = Pick<PowerwallReading, "din" | "firmware" | "siteName" | "operationMode" | "backupReservePercent" | "powerwallCount">;

export class LocalApiClient implements PowerwallClient {
  readonly mode = "local" as const;
  private readonly transport: GatewayTransport;
  private readonly session: LocalApiSession;
  private identity: { value: Identity; readMs: number } | undefined;
  private readonly notFoundUntil = new Map<string, number>();

  constructor(private readonly opts: LocalApiClientOptions) {
    this.transport = new GatewayTransport({ baseUrl: opts.baseUrl, servername: opts.servername, timeoutMs: opts.timeoutMs, rateLimitPauseMs: opts.rateLimitPauseMs, clock: opts.clock });
    this.session = new LocalApiSession(this.transport, {
      password: opts.password, email: opts.email, authMode: opts.authMode ?? "cookie", authRetryMs: opts.authRetryMs,
      sessionFile: opts.sessionFile ?? "", gateway: opts.baseUrl, clock: opts.clock, log: opts.log,
    });
  }

  get logins(): number { return this.session.logins; }

  async poll(signal: AbortSignal): Promise<PowerwallReading> {
    const timeMs = this.opts.clock.nowMs();
    // log in (or fail) once before fanning out, so parallel calls never race to log in
    const aggregates = await this.session.getJson("/api/meters/aggregates", signal).catch((err: unknown) => {
      if (err instanceof GatewayError && err.httpStatus === 404) {
        throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", `${err.message}: no local API here (a Powerwall 3? use powerwall.mode: tedapi)`, { retryable: false, httpStatus: 404 });
      }
      throw err;
    });
    const [soe, grid, system, solar, identity] = await Promise.allSettled([
      this.session.getJson("/api/system_status/soe", signal),
      this.optional("/api/system_status/grid_status", signal),
      this.optional("/api/system_status", signal),
      this.optional("/api/solar_powerwall", signal),
      this.readIdentity(signal),
    ]);
    // a rate limit on any call fails the poll; other optional failures leave gaps
    for (const r of [soe, grid, system, solar, identity]) {
      if (r.status === "rejected" && r.reason instanceof GatewayError && r.reason.code === "GRIDBOX_SOURCE_RATE_LIMITED") throw r.reason;
    }
    if (soe.status === "rejected") throw soe.reason;
    const reading: PowerwallReading = { timeMs, strings: {}, batteryBlocks: [], ...parseAggregates(aggregates), ...parseSoe(soe.value) };
    if (grid.status === "fulfilled" && grid.value !== undefined) Object.assign(reading, parseGridStatus(grid.value));
    else if (grid.status === "rejected") this.opts.log.debug(`grid status unavailable: ${String(grid.reason)}`);
    if (system.status === "fulfilled" && system.value !== undefined) Object.assign(reading, parseSystemStatus(system.value));
    if (solar.status === "fulfilled" && solar.value !== undefined) reading.strings = parseSolarPowerwall(solar.value);
    if (identity.status === "fulfilled") Object.assign(reading, identity.value);
    return withAppPercent(reading);
  }

  reconnect(): void {
    this.session.reset();
    this.identity = undefined;
    this.notFoundUntil.clear();
    this.transport.reset();
  }

  rateLimitedUntilMs(): number | undefined { return this.transport.rateLimitedUntilMs; }
  requestsSent(): number { return this.transport.sent; }
  close(): void { this.transport.close(); }

  /**
   * What changes rarely: din and firmware (/api/status, no session needed), site name, operation
   * mode and backup reserve, number of Powerwalls. Read at the first poll after a (re)connect and
   * every IDENTITY_REFRESH_MS; a failure leaves those values out (and is retried next poll).
   */
  private async readIdentity(signal: AbortSignal): Promise<Identity> {
    const now = this.opts.clock.nowMs();
    if (this.identity && now - this.identity.readMs < IDENTITY_REFRESH_MS) return this.identity.value;
    const status = parseStatus(await this.session.getPublicJson("/api/status", signal));
    const [info, operation, powerwalls] = await Promise.all([
      this.optional("/api/site_info", signal), this.optional("/api/operation", signal), this.optional("/api/powerwalls", signal),
    ].map((p) => p.catch((err: unknown) => {
      if (err instanceof GatewayError && err.code === "GRIDBOX_SOURCE_RATE_LIMITED") throw err;
      return undefined; // anything else: that part stays unknown
    })));
    const value: Identity = { ...status, ...parseSiteInfo(info), ...parseOperation(operation), ...parsePowerwalls(powerwalls) };
    this.identity = { value, readMs: now };
    return value;
  }

  /**
   * An endpoint a reading can do without. 404 ("not on this gateway") or 401/403 after the fresh
   * login the required calls already proved ("not for the customer role") leave it out for 10 min,
   * so it never costs a login per poll.
   */
  private async optional(path: string, signal: AbortSignal): Promise<unknown> {
    if ((this.notFoundUntil.get(path) ?? 0) > this.opts.clock.nowMs()) return undefined;
    try {
      return await this.session.getJson(path, signal);
    } catch (err) {
      if (err instanceof GatewayError && (err.httpStatus === 404 || err.code === "GRIDBOX_SOURCE_AUTH")) {
        this.opts.log.info(`${path}: HTTP ${err.httpStatus ?? "?"}, leaving it out for 10 minutes`);
        this.notFoundUntil.set(path, this.opts.clock.nowMs() + NOT_FOUND_RETRY_MS);
        return undefined;
      }
      throw err;
    }
  }
}
