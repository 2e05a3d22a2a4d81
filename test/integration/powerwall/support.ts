import { Bus } from "../../../runtime/core/bus.ts";
import { systemClock, type Clock } from "../../../runtime/core/clock.ts";
import type { Context } from "../../../runtime/core/component.ts";
import { noHomeAssistant } from "../../../runtime/core/home-assistant.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { createMetrics } from "../../../runtime/core/metrics.ts";
import type { Point } from "../../../runtime/core/point.ts";
import { SiteModel } from "../../../runtime/core/site-model.ts";
import { InMemoryLatestValues } from "../../../runtime/state/latest-values.ts";
import { LocalApiClient, type LocalApiClientOptions } from "../../../runtime/sources/powerwall/local-api-client.ts";
import type { PowerwallSimulator } from "../../sim/powerwall/simulator.ts";

/** A context for one poller under test: captured log lines and written points. */
export function testContext(clock: Clock = systemClock): Context & { written: Point[]; logLines: string[] } {
  const log = memoryLogger("debug");
  const written: Point[] = [];
  const latest = new InMemoryLatestValues(clock);
  const bus = new Bus();
  return {
    log, clock, bus, metrics: createMetrics(), latest, ha: noHomeAssistant, site: new SiteModel(clock, { gridMeter: "powerwall" }), host: "testhost", written, logLines: log.lines,
    points: { write(batch) { written.push(...batch); latest.update(batch); bus.emit("points", batch); return true; } },
  };
}

export function localClient(sim: PowerwallSimulator, over: Partial<LocalApiClientOptions> = {}): LocalApiClient {
  return new LocalApiClient({
    baseUrl: sim.url, password: sim.state.customerPassword, email: "test@example.invalid", timeoutMs: 1000,
    rateLimitPauseMs: 60_000, authRetryMs: 0, clock: systemClock, log: memoryLogger("debug"), ...over,
  });
}

export const signal = (ms = 5000): AbortSignal => AbortSignal.timeout(ms);

export async function controlPost(sim: PowerwallSimulator, path: string, body?: unknown, method = "POST"): Promise<number> {
  // the control endpoint, over the same HTTPS as the gateway (self-signed: this request only)
  const { request } = await import("node:https");
  return new Promise((resolve, reject) => {
    const data = body === undefined ? "" : JSON.stringify(body);
    const req = request(`${sim.url}/__control/${path}`, { method, rejectUnauthorized: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(data);
  });
}
