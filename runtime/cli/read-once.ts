import { hostname } from "node:os";
import type { LoadedConfig } from "../config/load.ts";
import { systemClock } from "../core/clock.ts";
import { GridboxError } from "../core/errors.ts";
import { createLogger } from "../core/log.ts";
import type { OneReading } from "../core/registry.ts";
import { SOURCES } from "../sources/index.ts";

/**
 * One Powerwall reading from the CLI through its registry line (`readOnce`, the source's own client,
 * no poller): warnings and errors go to stderr, secrets masked. Shared by `gridbox poll` and
 * `gridbox strings`.
 */
export async function readPowerwallOnce(loaded: LoadedConfig): Promise<OneReading> {
  const { config } = loaded;
  const load = SOURCES.powerwall.readOnce;
  if (!load) throw new GridboxError("GRIDBOX_SOURCE_UNAVAILABLE", "the powerwall registry line names no readOnce (runtime/sources/index.ts)", { retryable: false });
  const log = createLogger("gridbox", { level: "warn", format: "pretty" }).redact(...loaded.secrets).child("source:powerwall");
  return (await load())({ config: config.sources.powerwall, log, clock: systemClock, tags: { site: config.site.name, host: config.site.host || hostname() } });
}
