import type { ComponentHealth } from "../../core/health.ts";
import { errorMessage } from "../../core/errors.ts";
import { GatewayError } from "./gateway-transport.ts";

/**
 * The Powerwall circuit breaker (after powerwall-influx, reference §3.3/3.5):
 * - closed: polls succeed;
 * - open: a connection/timeout/5xx/bad-answer failure; the next poll simply tries again at the next
 *   cycle (no retries inside a cycle, so a dead gateway costs one timeout per interval);
 * - rate_limited: the gateway answered 429; the transport sends nothing at all until the pause ends;
 * - auth_refused: credentials or a query signature refused; after `reconnectAfterAuthFailures`
 *   consecutive ones the poller does a full reconnect (new session, new connections). Logins stay
 *   throttled by the session, so this never becomes a login storm.
 * Any success closes the breaker. Every transition is kept (last 20) for /status and tests.
 */
export type BreakerState = "closed" | "open" | "rate_limited" | "auth_refused";

export interface BreakerTransition { atMs: number; from: BreakerState; to: BreakerState; reason: string }

export class PowerwallBreaker {
  state: BreakerState = "closed";
  consecutiveFailures = 0;
  consecutiveAuthFailures = 0;
  reconnects = 0;
  lastError: string | undefined;
  rateLimitedUntilMs: number | undefined;
  readonly transitions: BreakerTransition[] = [];
  private succeededOnce = false;

  constructor(private readonly reconnectAfterAuthFailures: number) {}

  onSuccess(nowMs: number): void {
    this.succeededOnce = true;
    this.consecutiveFailures = 0;
    this.consecutiveAuthFailures = 0;
    this.rateLimitedUntilMs = undefined;
    this.move("closed", nowMs, "poll succeeded");
  }

  /** Records a failed poll; says whether the caller must do a full reconnect now. */
  onFailure(err: unknown, nowMs: number): { reconnect: boolean } {
    this.consecutiveFailures++;
    this.lastError = errorMessage(err);
    const code = err instanceof GatewayError ? err.code : undefined;
    if (code === "GRIDBOX_SOURCE_RATE_LIMITED") {
      const after = err instanceof GatewayError ? err.retryAfterMs ?? 0 : 0;
      this.rateLimitedUntilMs = nowMs + after;
      this.move("rate_limited", nowMs, this.lastError);
      return { reconnect: false };
    }
    this.rateLimitedUntilMs = undefined;
    if (code === "GRIDBOX_SOURCE_AUTH") {
      this.consecutiveAuthFailures++;
      this.move("auth_refused", nowMs, this.lastError);
      if (this.consecutiveAuthFailures >= this.reconnectAfterAuthFailures) {
        this.consecutiveAuthFailures = 0;
        this.reconnects++;
        return { reconnect: true };
      }
      return { reconnect: false };
    }
    this.consecutiveAuthFailures = 0;
    this.move("open", nowMs, this.lastError);
    return { reconnect: false };
  }

  health(running: boolean): ComponentHealth {
    const details = { breaker: this.state, consecutive_failures: this.consecutiveFailures };
    if (!running) return { state: "down", message: "poller not running", details };
    switch (this.state) {
      case "closed":
        return this.succeededOnce ? { state: "ok", details } : { state: "starting", message: "waiting for the first poll", details };
      case "open":
        return { state: "degraded", message: `gateway unreachable or failing: ${this.lastError ?? "unknown"}`, lastError: this.lastError, details };
      case "rate_limited":
        return { state: "degraded", message: `rate-limited until ${new Date(this.rateLimitedUntilMs ?? 0).toISOString()}`, lastError: this.lastError, details };
      case "auth_refused":
        return { state: "down", message: `auth refused: ${this.lastError ?? "credentials refused"}`, lastError: this.lastError, details };
    }
  }

  private move(to: BreakerState, atMs: number, reason: string): void {
    if (to === this.state) return;
    this.transitions.push({ atMs, from: this.state, to, reason });
    if (this.transitions.length > 20) this.transitions.shift();
    this.state = to;
  }
}
