import type { Logger } from "../../core/log.ts";
import { errorMessage } from "../../core/errors.ts";
import type { PowerwallClient } from "./client.ts";
import type { LocalApiClient } from "./local-api-client.ts";
import type { PowerwallReading } from "./reading.ts";
import type { TedapiClient } from "./tedapi-client.ts";

/**
 * Powerwall 2 / Powerwall+ in pypowerwall's hybrid layout (its "local mode with gw_pwd", also how
 * powerwall-influx reads strings on a 2/+): the local API (customer password) gives the power flows,
 * SOE, grid status and identity; TEDAPI (gateway password, usually 192.168.91.1 on the gateway's
 * Wi-Fi AP) adds what the local API no longer has: the PV strings A-D, the alerts and the battery
 * vitals. The local API decides whether a poll succeeds; a TEDAPI failure (wrong gateway password,
 * AP out of reach, its own 429 pause) leaves only the TEDAPI parts out, logged when it starts and
 * when it ends.
 */
export class HybridClient implements PowerwallClient {
  readonly mode = "hybrid" as const;
  private tedapiFailing = false;

  constructor(private readonly local: LocalApiClient, private readonly tedapi: TedapiClient, private readonly log: Logger) {}

  async poll(signal: AbortSignal): Promise<PowerwallReading> {
    const [local, ted] = await Promise.allSettled([this.local.poll(signal), this.tedapi.poll(signal)]);
    if (local.status === "rejected") throw local.reason;
    const reading = local.value;
    if (ted.status === "rejected") {
      if (!this.tedapiFailing) this.log.warn(`TEDAPI part of the hybrid poll failing (strings, alerts and vitals left out): ${errorMessage(ted.reason)}`);
      else this.log.debug(() => `TEDAPI still failing: ${errorMessage(ted.reason)}`);
      this.tedapiFailing = true;
      return reading;
    }
    if (this.tedapiFailing) this.log.info("TEDAPI part of the hybrid poll answers again");
    this.tedapiFailing = false;
    return merge(reading, ted.value);
  }

  reconnect(): void { this.local.reconnect(); this.tedapi.reconnect(); }

  /** the local API's pause: it alone decides whether a poll can succeed */
  rateLimitedUntilMs(): number | undefined { return this.local.rateLimitedUntilMs(); }

  requestsSent(): number { return this.local.requestsSent() + this.tedapi.requestsSent(); }

  close(): void { this.local.close(); this.tedapi.close(); }
}

/** Local API values win; TEDAPI fills strings, alerts, vitals and anything the local API left out. */
export function merge(local: PowerwallReading, ted: PowerwallReading): PowerwallReading {
  const out: PowerwallReading = { ...local };
  for (const [k, v] of Object.entries(ted) as [keyof PowerwallReading, unknown][]) {
    if (v !== undefined && out[k] === undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  if (Object.keys(ted.strings).length > 0) out.strings = ted.strings;
  if (ted.alerts !== undefined) out.alerts = ted.alerts;
  if (local.batteryBlocks.length === 0) out.batteryBlocks = ted.batteryBlocks;
  out.timeMs = local.timeMs;
  return out;
}
