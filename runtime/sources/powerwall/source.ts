import type { AdapterInstance, SourceFactory } from "../../core/registry.ts";
import { powerwallRoutes } from "./api-routes.ts";
import type { PowerwallConfig } from "./config.ts";
import { createPowerwallClient, pollerOptionsFrom } from "./create-client.ts";
import { PowerwallEntities } from "./ha-entities.ts";
import { PowerwallPoller } from "./poller.ts";

/**
 * The Powerwall as a registered source (runtime/sources/index.ts): the client for the configured
 * mode, the poller, and the REST routes (/snapshot, /snapshot/live, /poll). Throws a ConfigError
 * for missing credentials before anything polls.
 */
export const powerwallSource: SourceFactory<PowerwallConfig> = {
  create({ ctx, config, siteName, writeGuard }): AdapterInstance {
    const client = createPowerwallClient(config, { clock: ctx.clock, log: ctx.log });
    const entities = new PowerwallEntities({ ha: ctx.ha, clock: ctx.clock, site: siteName, staleAfterMs: config.stale_after_ms });
    const poller = new PowerwallPoller(ctx, client, { ...pollerOptionsFrom(config, siteName), entities });
    return {
      start: (signal) => poller.start(signal),
      stop: () => poller.stop(),
      health: () => poller.health(),
      status: () => poller.status(),
      routes: powerwallRoutes(poller, { nowMs: () => ctx.clock.nowMs(), minIntervalMs: config.manual_poll_min_interval_ms, writeAuth: writeGuard }),
    };
  },
};
