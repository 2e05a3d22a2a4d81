import type { ReadOnce } from "../../core/registry.ts";
import type { PowerwallConfig } from "./config.ts";
import { createPowerwallClient } from "./create-client.ts";
import { readingToJson, readingToPoint } from "./points.ts";

/**
 * One Powerwall reading on demand, with the service's config and client (no poller, no breaker),
 * for `gridbox poll` and `gridbox strings` (named in the registry line, runtime/sources/index.ts):
 * its point, the REST API's `data` shape, and the PV strings A-F.
 */
export const readPowerwallOnce: ReadOnce<PowerwallConfig> = async ({ config, log, clock, tags }) => {
  if (!config.enabled) log.warn("sources.powerwall.enabled is false: polling once anyway with the powerwall section as configured");
  const client = createPowerwallClient(config, { clock, log });
  try {
    const r = await client.poll(AbortSignal.timeout(config.timeout_ms * 3));
    return { point: readingToPoint(r, tags), json: readingToJson(r), pvStrings: r.strings };
  } finally {
    client.close();
  }
};
