/**
 * Keys that moved when sources and sinks went onto registries (config version 1 still reads them,
 * with a warning saying where they went):
 *   powerwall: {...}   ->  sources: { powerwall: {...} }
 *   influx: {...}      ->  sink: { type: influxdb (none when its url was empty), influxdb: {...} }
 *   homeassistant.powerwall_stale_after_ms -> sources.powerwall.stale_after_ms
 *   homeassistant.max_devices -> ingest.homeassistant_max_devices (the ESP32 side announces its monitors)
 * and the same for environment variables (GRIDBOX_POWERWALL__X -> GRIDBOX_SOURCES__POWERWALL__X,
 * GRIDBOX_INFLUX__X -> GRIDBOX_SINK__INFLUXDB__X).
 */
const ENV_MOVES: ReadonlyArray<[string, string]> = [
  ["GRIDBOX_POWERWALL__", "GRIDBOX_SOURCES__POWERWALL__"],
  ["GRIDBOX_INFLUX__", "GRIDBOX_SINK__INFLUXDB__"],
  ["GRIDBOX_HOMEASSISTANT__MAX_DEVICES", "GRIDBOX_INGEST__HOMEASSISTANT_MAX_DEVICES"],
];

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

/** Single keys that moved to their adapter's section: [from path, to path]. */
const KEY_MOVES: ReadonlyArray<[string, string]> = [
  ["homeassistant.powerwall_stale_after_ms", "sources.powerwall.stale_after_ms"],
  ["homeassistant.max_devices", "ingest.homeassistant_max_devices"],
];

/** Moves the key at `from` to `to` (a value already at `to` wins), with a warning saying where it went. */
function moveKey(out: Doc, from: string, to: string, warnings: string[]): void {
  const [fromSection, fromKey] = from.split(".") as [string, string];
  const section = out[fromSection];
  if (!isObject(section) || !(fromKey in section)) return;
  const { [fromKey]: value, ...rest } = section;
  out[fromSection] = rest;
  const path = to.split(".");
  const last = path.pop() as string;
  let doc = out;
  for (const key of path) doc = doc[key] = isObject(doc[key]) ? { ...doc[key] } : {};
  if (!(last in doc)) doc[last] = value;
  warnings.push(`config key \`${from}\` moved to \`${to}\` (read as such; hint: move it in the file)`);
}

export function migrateLegacyKeys(data: Doc, env: NodeJS.ProcessEnv, warnings: string[]): { data: Doc; env: NodeJS.ProcessEnv } {
  const out: Doc = { ...data };
  const outEnv: NodeJS.ProcessEnv = { ...env };
  let legacyInflux = false;
  if ("powerwall" in out && !(isObject(out.sources) && "powerwall" in out.sources)) {
    out.sources = { ...(isObject(out.sources) ? out.sources : {}), powerwall: out.powerwall };
    delete out.powerwall;
    warnings.push("config key `powerwall:` moved to `sources: { powerwall: ... }` (read as such; hint: move it in the file)");
  }
  for (const [from, to] of KEY_MOVES) moveKey(out, from, to, warnings);
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
