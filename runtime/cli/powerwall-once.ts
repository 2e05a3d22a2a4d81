import { systemClock } from "../core/clock.ts";
import { createLogger } from "../core/log.ts";
import type { LoadedConfig } from "../config/load.ts";
import { createPowerwallClient } from "../sources/powerwall/create-client.ts";
import type { PowerwallReading } from "../sources/powerwall/reading.ts";

/**
 * One Powerwall poll from the CLI, with the service's config and client (no poller, no breaker):
 * warnings and errors go to stderr, secrets masked. Shared by `gridbox poll` and `gridbox strings`.
 */
export async function pollPowerwallOnce(loaded: LoadedConfig): Promise<PowerwallReading> {
  const cfg = loaded.config.sources.powerwall;
  const log = createLogger("gridbox", { level: "warn", format: "pretty" }).redact(...loaded.secrets).child("source:powerwall");
  if (!cfg.enabled) log.warn("sources.powerwall.enabled is false: polling once anyway with the powerwall section as configured");
  const client = createPowerwallClient(cfg, { clock: systemClock, log });
  try {
    return await client.poll(AbortSignal.timeout(cfg.timeout_ms * 3));
  } finally {
    client.close();
  }
}
