import { Type, type Static } from "@sinclair/typebox";
import { durationMs, hostAddress, httpUrl, port, secret, section } from "../../../config/schema-helpers.ts";

/** Settings of the go-e HTTP API v2 driver (`wallbox.driver: goe`, under `wallbox.goe`). */
export const goeSection = section({
  url: httpUrl("", "base URL of the go-e charger with its scheme, e.g. http://go-echarger.local", { optional: true }),
  interval_ms: durationMs(5_000, "status poll interval", { minimum: 1000 }),
  timeout_ms: durationMs(2_000, "timeout of each HTTP request", { minimum: 100 }),
  max_backoff_ms: durationMs(60_000, "after failed polls the next one waits interval × 2^(failures-1), at most this", { minimum: 1000 }),
  phase_switching: Type.Boolean({ default: false, description: "the charger supports psm (1/3-phase switching)" }),
}, "go-e charger (HTTP API v2)");

export type GoeConfig = Static<typeof goeSection>;

/** Chosen, the driver needs the charger's address. */
export function checkGoe(c: GoeConfig, path: string): string[] {
  return c.url === "" ? [`${path}/url: required with driver goe (hint: the charger's address, e.g. http://go-echarger.local)`] : [];
}
