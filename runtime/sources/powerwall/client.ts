import type { PowerwallReading } from "./reading.ts";

/**
 * What the poller needs from a Powerwall, whatever the mode. One poll reads everything a point
 * needs; errors are GatewayErrors whose code says what happened (auth, rate limit, unavailable,
 * bad response), which is all the circuit breaker looks at.
 */
export interface PowerwallClient {
  readonly mode: "local" | "tedapi" | "hybrid" | "proxy";
  poll(signal: AbortSignal): Promise<PowerwallReading>;
  /** A full reconnect: forget the session and cached identity, drop pooled connections. */
  reconnect(): void;
  /** set while a 429 pause holds every call back */
  rateLimitedUntilMs(): number | undefined;
  /** requests actually sent to the gateway since start */
  requestsSent(): number;
  close(): void;
}
