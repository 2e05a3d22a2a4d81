import { Type, type Static } from "@sinclair/typebox";
import { durationMs, hostAddress, port, section } from "../../config/schema-helpers.ts";

/**
 * The Hoymiles DTU source (TCP 10081, the protocol of the Hoymiles app and hoymiles-wifi). One DTU
 * is `host` (+ `name`, `port`), as the S-Miles bridge's single-DTU settings; more go under `dtus`.
 * `name` becomes the `dtu_name` tag, so keep the bridge's name ("DTU" by default) for existing
 * dashboards. DTUs stop answering (and stop uploading to the Hoymiles cloud) when polled faster
 * than about every 32 s (reference §1.5): the interval cannot go below 35 s.
 */
const Dtu = Type.Object({
  name: Type.String({ minLength: 1, pattern: "^[^,=\\s][^,=]*$", description: "the dtu_name tag and the Home Assistant device name" }),
  host: Type.String({ minLength: 1, description: "DTU address (or an HMS-xxxW inverter with built-in DTU)" }),
  port: port(10081, "DTU TCP port"),
}, { additionalProperties: false });

export const HOYMILES_MIN_INTERVAL_MS = 35_000;

export const hoymilesSection = section({
  enabled: Type.Boolean({ default: false }),
  name: Type.String({ default: "DTU", minLength: 1, description: "dtu_name tag of the DTU at `host`" }),
  host: Type.String({ default: "", description: "address of the (first) DTU; empty: only the DTUs under `dtus`" }),
  port: port(10081, "TCP port of the DTU at `host`"),
  dtus: Type.Array(Dtu, { default: [], description: "further DTUs, each polled on its own, one request at a time" }),
  interval_ms: Type.Integer({ minimum: HOYMILES_MIN_INTERVAL_MS, default: 60_000, description: "time between polls of one DTU (at least 35 s: faster polling hangs DTUs)" }),
  timeout_ms: durationMs(10_000, "connect + answer timeout of each request", { minimum: 500 }),
  request_spacing_ms: durationMs(2_000, "pause between two requests to the same DTU (pages, app info)", { minimum: 1000 }),
  max_backoff_ms: durationMs(600_000, "after failures the next poll waits interval × 2^(failures-1), at most this", { minimum: HOYMILES_MIN_INTERVAL_MS }),
  info_refresh_ms: durationMs(7_200_000, "how often the DTU's app information (serial, encryption) is read again", { minimum: 60_000 }),
}, "Hoymiles DTUs (local TCP protocol)");

export type HoymilesConfig = Static<typeof hoymilesSection>;

export interface DtuTarget { name: string; host: string; port: number }

/** Every configured DTU (`host` first, then `dtus`). */
export function dtuTargets(c: HoymilesConfig): DtuTarget[] {
  return [...(c.host ? [{ name: c.name, host: c.host, port: c.port }] : []), ...c.dtus];
}

/** What the schema cannot see: at least one DTU, and names that differ (they are the series key). */
export function checkHoymiles(c: HoymilesConfig, path: string): string[] {
  const list = dtuTargets(c);
  if (list.length === 0) return [`${path}/host: no DTU configured (hint: set host to the DTU's address, or list DTUs under dtus)`];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of list) {
    if (seen.has(d.name)) out.push(`${path}/dtus: two DTUs are named "${d.name}" (hint: names are the dtu_name tag and must differ)`);
    seen.add(d.name);
  }
  return out;
}
