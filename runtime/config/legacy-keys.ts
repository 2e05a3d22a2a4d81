/**
 * Keys that moved when sources and sinks went onto registries (config version 1 still reads them,
 * with a warning saying where they went):
 *   powerwall: {...}   ->  sources: { powerwall: {...} }
 *   influx: {...}      ->  sink: { type: influxdb (none when its url was empty), influxdb: {...} }
 *   homeassistant.powerwall_stale_after_ms -> sources.powerwall.stale_after_ms
 * and the same for environment variables (GRIDBOX_POWERWALL__X -> GRIDBOX_SOURCES__POWERWALL__X,
 * GRIDBOX_INFLUX__X -> GRIDBOX_SINK__INFLUXDB__X).
 */
const ENV_MOVES: ReadonlyArray<[string, string]> = [
  ["GRIDBOX_POWERWALL__", "GRIDBOX_SOURCES__POWERWALL__"],
  ["GRIDBOX_INFLUX__", "GRIDBOX_SINK__INFLUXDB__"],
];

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

export function migrateLegacyKeys(data: Doc, env: NodeJS.ProcessEnv, warnings: string[]): { data: Doc; env: NodeJS.ProcessEnv } {
  const out: Doc = { ...data };
  const outEnv: NodeJS.ProcessEnv = { ...env };
  let legacyInflux = false;
  if ("powerwall" in out && !(isObject(out.sources) && "powerwall" in out.sources)) {
    out.sources = { ...(isObject(out.sources) ? out.sources : {}), powerwall: out.powerwall };
    delete out.powerwall;
    warnings.push("config key `powerwall:` moved to `sources: { powerwall: ... }` (read as such; hint: move it in the file)");
  }
  const ha = isObject(out.homeassistant) ? out.homeassistant : undefined;
  if (ha && "powerwall_stale_after_ms" in ha) {
    const { powerwall_stale_after_ms: staleMs, ...rest } = ha;
    out.homeassistant = rest;
    const sources = isObject(out.sources) ? out.sources : {};
    const pw = isObject(sources.powerwall) ? sources.powerwall : {};
    if (!("stale_after_ms" in pw)) out.sources = { ...sources, powerwall: { ...pw, stale_after_ms: staleMs } };
    warnings.push("config key `homeassistant.powerwall_stale_after_ms` moved to `sources.powerwall.stale_after_ms` (read as such; hint: move it in the file)");
  }
  if ("influx" in out && !(isObject(out.sink) && "influxdb" in out.sink)) {
    out.sink = { ...(isObject(out.sink) ? out.sink : {}), influxdb: out.influx };
    delete out.influx;
    legacyInflux = true;
    warnings.push("config key `influx:` moved to `sink: { type: influxdb, influxdb: ... }` (read as such; hint: move it in the file)");
  }
  for (const [name, value] of Object.entries(env)) {
    for (const [from, to] of ENV_MOVES) {
      if (!name.startsWith(from)) continue;
      const moved = to + name.slice(from.length);
      if (outEnv[moved] === undefined) outEnv[moved] = value;
      delete outEnv[name];
      if (from === "GRIDBOX_INFLUX__") legacyInflux = true;
      warnings.push(`environment variable ${name} is now ${moved} (read as such)`);
    }
  }
  // before registries, a non-empty influx.url chose the sink
  if (legacyInflux) {
    const sink = isObject(out.sink) ? out.sink : {};
    if (sink.type === undefined) {
      const influxdb = isObject(sink.influxdb) ? sink.influxdb : {};
      const url = outEnv.GRIDBOX_SINK__INFLUXDB__URL ?? influxdb.url;
      out.sink = { ...sink, type: typeof url === "string" && url !== "" ? "influxdb" : "none" };
    }
  }
  return { data: out, env: outEnv };
}
