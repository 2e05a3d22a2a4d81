import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/log.ts";
import type { PowerwallClient } from "./client.ts";
import { GatewayError, GatewayTransport, parseJsonBody, statusError } from "./gateway-transport.ts";
import { parseAggregates, parseGridStatus } from "./local-api-reading.ts";
import { arr, num, obj, pvString, str, STRING_LETTERS, withAppPercent, type PowerwallReading, type PvString, type StringLetter } from "./reading.ts";

/**
 * Reads an existing pypowerwall proxy (plain HTTP, default port 8675) that already talks to the
 * gateway: /aggregates (the gateway's aggregates shape), /soe (raw %), /strings, /alerts, and
 * /api/system_status/grid_status (passed through by the proxy). The proxy owns the gateway login.
 */
export interface ProxyClientOptions {
  baseUrl: string;
  timeoutMs: number;
  rateLimitPauseMs: number;
  clock: Clock;
  log: Logger;
}

export class ProxyClient implements PowerwallClient {
  readonly mode = "proxy" as const;
  private readonly transport: GatewayTransport;

  constructor(private readonly opts: ProxyClientOptions) {
    this.transport = new GatewayTransport({ baseUrl: opts.baseUrl, timeoutMs: opts.timeoutMs, rateLimitPauseMs: opts.rateLimitPauseMs, clock: opts.clock });
  }

  async poll(signal: AbortSignal): Promise<PowerwallReading> {
    const timeMs = this.opts.clock.nowMs();
    const aggregates = await this.get("/aggregates", signal);
    const [soe, strings, alerts, grid] = await Promise.allSettled([
      this.get("/soe", signal), this.get("/strings", signal), this.get("/alerts", signal), this.get("/api/system_status/grid_status", signal),
    ]);
    for (const r of [soe, strings, alerts, grid]) {
      if (r.status === "rejected" && r.reason instanceof GatewayError && r.reason.code === "GRIDBOX_SOURCE_RATE_LIMITED") throw r.reason;
    }
    if (soe.status === "rejected") throw soe.reason;
    const percentage = num(obj(soe.value)?.percentage);
    if (percentage === undefined) throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", "/soe: no numeric percentage", { retryable: true });
    const reading: PowerwallReading = { timeMs, strings: {}, batteryBlocks: [], ...parseAggregates(aggregates), batteryPercent: percentage };
    if (strings.status === "fulfilled") reading.strings = parseProxyStrings(strings.value);
    if (alerts.status === "fulfilled") reading.alerts = arr(alerts.value).filter((a): a is string => typeof a === "string");
    if (grid.status === "fulfilled") Object.assign(reading, parseGridStatus(grid.value));
    return withAppPercent(reading);
  }

  reconnect(): void { this.transport.reset(); }
  rateLimitedUntilMs(): number | undefined { return this.transport.rateLimitedUntilMs; }
  requestsSent(): number { return this.transport.sent; }
  close(): void { this.transport.close(); }

  private async get(path: string, signal: AbortSignal): Promise<unknown> {
    const res = await this.transport.request("GET", path, { signal });
    if (res.status < 200 || res.status > 299) throw statusError(res, `proxy GET ${path}`);
    return parseJsonBody(res, `proxy GET ${path}`);
  }
}

/** pypowerwall's strings(): { "A": {State, Voltage, Current, Power, Connected}, ... "A1": ... }; first device only. */
export function parseProxyStrings(json: unknown): Partial<Record<StringLetter, PvString>> {
  const out: Partial<Record<StringLetter, PvString>> = {};
  const o = obj(json) ?? {};
  for (const letter of STRING_LETTERS) {
    const s = obj(o[letter.toUpperCase()]);
    if (!s) continue;
    out[letter] = pvString(num(s.Voltage), num(s.Current), str(s.State) ?? "Unknown", typeof s.Connected === "boolean" ? s.Connected : undefined);
  }
  return out;
}
