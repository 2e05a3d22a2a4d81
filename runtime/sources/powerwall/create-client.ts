import type { Clock } from "../../core/clock.ts";
import { ConfigError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import type { PowerwallClient } from "./client.ts";
import type { PowerwallConfig } from "./config.ts";
export type { PowerwallConfig } from "./config.ts";
import type { PollerOptions } from "./poller.ts";
import { HybridClient } from "./hybrid-client.ts";
import { LocalApiClient } from "./local-api-client.ts";
import { ProxyClient } from "./proxy-client.ts";
import { TedapiClient } from "./tedapi-client.ts";
import { loadQueryFile } from "./tedapi-queries.ts";

/**
 * Builds the client for the configured mode (hybrid: a local API client and a TEDAPI client side
 * by side). Missing credentials or an unreadable query file are config errors with the path and a hint (thrown here, before anything polls).
 */

export function createPowerwallClient(cfg: PowerwallConfig, deps: { clock: Clock; log: Logger }): PowerwallClient {
  const baseUrl = gatewayUrl(cfg.host, cfg.port);
  const common = { timeoutMs: cfg.timeout_ms, rateLimitPauseMs: cfg.rate_limit_pause_ms, clock: deps.clock, log: deps.log };
  const servername = cfg.tls_servername || undefined;
  const local = (): LocalApiClient => {
    if (!cfg.password) throw new ConfigError(`powerwall: ${cfg.mode} mode needs a password`, [`/sources/powerwall/password: required in ${cfg.mode} mode (hint: the customer password, often the last 5 characters of the gateway password)`]);
    return new LocalApiClient({ ...common, baseUrl, servername, password: cfg.password, email: cfg.email, authRetryMs: cfg.auth_retry_ms, sessionFile: cfg.session_file });
  };
  const tedapi = (url: string): TedapiClient => {
    if (!cfg.gateway_password) throw new ConfigError(`powerwall: ${cfg.mode} mode needs the gateway password`, [`/sources/powerwall/gateway_password: required in ${cfg.mode} mode (hint: the full password on the gateway label)`]);
    let queries;
    try { queries = loadQueryFile(cfg.tedapi.query_file); } catch (err) {
      throw new ConfigError("powerwall: TEDAPI query file unusable", [`/sources/powerwall/tedapi/query_file: ${(err as Error).message}`]);
    }
    return new TedapiClient({
      ...common, baseUrl: url, servername, gatewayPassword: cfg.gateway_password, queries,
      components: cfg.tedapi.components, configRefreshMs: cfg.tedapi.config_refresh_ms,
    });
  };
  switch (cfg.mode) {
    case "local": return local();
    case "tedapi": return tedapi(baseUrl);
    case "hybrid": {
      // one logger name for both halves: their messages say which half they come from
      const tedapiUrl = gatewayUrl(cfg.tedapi.host || cfg.host, cfg.tedapi.port || cfg.port);
      return new HybridClient(local(), tedapi(tedapiUrl), deps.log);
    }
    case "proxy":
      return new ProxyClient({ ...common, baseUrl: cfg.proxy_url });
  }
}

function gatewayUrl(hostName: string, port: number): string {
  const host = hostName.includes(":") && !hostName.startsWith("[") ? `[${hostName}]` : hostName;
  return `https://${host}:${port}`;
}

export function pollerOptionsFrom(cfg: PowerwallConfig, siteName: string): PollerOptions {
  return { intervalMs: cfg.interval_ms, timeoutMs: cfg.timeout_ms, site: siteName, reconnectAfterAuthFailures: cfg.reconnect_after_auth_failures, maxBackoffMs: cfg.max_backoff_ms };
}
