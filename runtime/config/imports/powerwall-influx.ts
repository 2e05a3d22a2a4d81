import { isSecretSchema } from "../schema-helpers.ts";
import { parseEnvFile, envTrue } from "./env-file.ts";
import { dotted, type ImportResult } from "./import-result.ts";
import { schemaAt } from "./schema-paths.ts";


/**
 * The `.env` of powerwall-influx (zenoran/powerwall-influx, .env.example) and of the Hoymiles
 * bridge: the same INFLUX_* block, the Powerwall (PW_*) or DTU (DTU_*) settings, Wi-Fi and MQTT.
 * Each known variable maps to one config path; seconds become milliseconds; the example file's
 * placeholders ("your-...-here") are skipped and reported. A path this gridbox's schema does not
 * have (a source not built into it) is reported instead of written.
 */
type Rule = { path: string; convert?: (v: string) => unknown };

const seconds = (v: string): number | string => (Number.isFinite(Number(v)) && v.trim() !== "" ? Math.round(Number(v) * 1000) : v);
const int = (v: string): number | string => (/^\d+$/.test(v.trim()) ? Number(v) : v);

const INFLUX: Record<string, Rule> = {
  INFLUX_URL: { path: "sink.influxdb.url" },
  INFLUX_ORG: { path: "sink.influxdb.org" },
  INFLUX_BUCKET: { path: "sink.influxdb.bucket" },
  INFLUX_TOKEN: { path: "sink.influxdb.token" },
  INFLUX_TIMEOUT: { path: "sink.influxdb.timeout_ms", convert: seconds },
};

const POWERWALL: Record<string, Rule> = {
  ...INFLUX,
  PW_HOST: { path: "sources.powerwall.host" },
  PW_POLL_INTERVAL: { path: "sources.powerwall.interval_ms", convert: seconds },
  PW_REQUEST_TIMEOUT: { path: "sources.powerwall.timeout_ms", convert: seconds },
  PW_CUSTOMER_PASSWORD: { path: "sources.powerwall.password" },
  PW_GATEWAY_PASSWORD: { path: "sources.powerwall.gateway_password" },
  PW_WIFI_SSID: { path: "wifi.ssid" },
  PW_WIFI_PASSWORD: { path: "wifi.password" },
  PW_WIFI_INTERFACE: { path: "wifi.interface" },
};

const HOYMILES: Record<string, Rule> = {
  ...INFLUX,
  DTU_HOST: { path: "sources.hoymiles.host" },
  // not DTU_PORT: the bridge's is the DTU-Pro's Modbus TCP port (502); gridbox speaks the DTU's own protocol on 10081
  QUERY_PERIOD: { path: "sources.hoymiles.interval_ms", convert: seconds },
  DTU_POLL_INTERVAL: { path: "sources.hoymiles.interval_ms", convert: seconds },
  POLL_INTERVAL: { path: "sources.hoymiles.interval_ms", convert: seconds },
};

const PLACEHOLDER = /^your[-_]|[-_]here$|^x{4,}$|^TeslaPW_X+$/i;

export function isPowerwallInfluxEnv(text: string): boolean { return /^\s*(export\s+)?PW_[A-Z_]+\s*=/m.test(text); }
export function isHoymilesEnv(text: string): boolean { return /^\s*(export\s+)?(DTU|HOYMILES)_[A-Z_]+\s*=/m.test(text); }

export function importPowerwallInfluxEnv(text: string): ImportResult {
  const env = parseEnvFile(text);
  const out = mapRules("powerwall-influx .env", env.values, POWERWALL, env.problems);
  const has = (k: string): boolean => Boolean(env.values.get(k)) && !PLACEHOLDER.test(env.values.get(k) ?? "");
  if (has("PW_HOST") || has("PW_CUSTOMER_PASSWORD") || has("PW_GATEWAY_PASSWORD")) {
    // powerwall-influx talks TEDAPI when it has the gateway password, the customer login otherwise
    const tedapi = has("PW_GATEWAY_PASSWORD") && !has("PW_CUSTOMER_PASSWORD");
    out.changes.push({ path: ["sources", "powerwall", "enabled"], value: true }, { path: ["sources", "powerwall", "mode"], value: tedapi ? "tedapi" : "local" });
    if (tedapi) out.notes.push("TEDAPI mode also needs the Tesla-signed query file (sources.powerwall.tedapi.query_file); see the README");
  }
  if (envTrue(env.values.get("PW_CONNECT_WIFI"))) out.changes.push({ path: ["wifi", "enabled"], value: true });
  if (envTrue(env.values.get("MQTT_ENABLED")) && has("MQTT_HOST")) {
    out.changes.push(
      { path: ["homeassistant", "enabled"], value: true },
      { path: ["homeassistant", "mqtt", "broker"], value: "external" },
      { path: ["homeassistant", "mqtt", "host"], value: env.values.get("MQTT_HOST") },
    );
    if (has("MQTT_PORT")) out.changes.push({ path: ["homeassistant", "mqtt", "port"], value: int(env.values.get("MQTT_PORT") ?? "") });
    if (has("MQTT_USERNAME")) out.changes.push({ path: ["homeassistant", "mqtt", "username"], value: env.values.get("MQTT_USERNAME") });
    if (has("MQTT_PASSWORD")) { out.changes.push({ path: ["homeassistant", "mqtt", "password"], value: env.values.get("MQTT_PASSWORD") }); out.secretPaths.push("homeassistant.mqtt.password"); }
    out.notes.push("Home Assistant now gets its entities by MQTT discovery under homeassistant/ (not powerwall-influx's homeassistant/sensor/powerwall/<metric>/state topics)");
  }
  const measurement = env.values.get("INFLUX_MEASUREMENT");
  if (measurement && measurement !== "powerwall") out.notes.push(`powerwall-influx wrote measurement "${measurement}"; gridbox writes "powerwall": adjust Grafana queries`);
  if (env.values.has("PW_TIMEZONE")) out.notes.push("PW_TIMEZONE is not needed: gridbox stores UTC timestamps");
  return out;
}

export function importHoymilesEnv(text: string): ImportResult {
  const env = parseEnvFile(text);
  const values = new Map(env.values);
  for (const [k, v] of env.values) if (k.startsWith("HOYMILES_")) values.set(k.replace(/^HOYMILES_/, ""), v);
  if (!values.has("DTU_HOST") && values.has("DTU_IP")) values.set("DTU_HOST", values.get("DTU_IP") ?? "");
  const out = mapRules("Hoymiles bridge .env", values, HOYMILES, env.problems);
  if (values.get("DTU_HOST") && out.changes.some((c) => c.path[1] === "hoymiles")) out.changes.push({ path: ["sources", "hoymiles", "enabled"], value: true });
  if (values.has("DTU_PORT")) out.notes.push(`DTU_PORT ${values.get("DTU_PORT")} is the bridge's Modbus TCP port: gridbox talks to the DTU's own protocol on port 10081 (sources.hoymiles.port), not imported`);
  // the schema's floor (35 s: DTUs hang when polled faster), so the import gives a config that loads
  const floor = (schemaAt(["sources", "hoymiles", "interval_ms"]) as { minimum?: number } | undefined)?.minimum;
  const interval = out.changes.find((c) => c.path[1] === "hoymiles" && c.path[2] === "interval_ms");
  if (floor !== undefined && interval && typeof interval.value === "number" && interval.value < floor) {
    out.notes.push(`the bridge polled every ${interval.value / 1000} s; DTUs hang when polled faster than about every 32 s: imported as ${floor / 1000} s`);
    interval.value = floor;
  }
  return out;
}

function mapRules(format: string, values: Map<string, string>, rules: Record<string, Rule>, problems: string[]): ImportResult {
  const out = mapEach(format, values, rules, problems);
  // the InfluxDB settings choose the sink they belong to
  if (out.changes.some((c) => c.path[0] === "sink" && c.path[2] === "url")) out.changes.push({ path: ["sink", "type"], value: "influxdb" });
  return out;
}

function mapEach(format: string, values: Map<string, string>, rules: Record<string, Rule>, problems: string[]): ImportResult {
  const out: ImportResult = { format, changes: [], secretPaths: [], problems: [...problems], notes: [] };
  const seen = new Set<string>();
  for (const [key, raw] of values) {
    const rule = rules[key];
    if (!rule || raw === "") continue;
    if (PLACEHOLDER.test(raw)) { out.problems.push(`${key} still holds the example's placeholder: not imported`); continue; }
    if (seen.has(rule.path)) continue;
    const path = rule.path.split(".");
    const node = schemaAt(path);
    if (!node) { out.problems.push(`${key}: this gridbox has no ${rule.path} setting (is that source built in?): not imported`); continue; }
    seen.add(rule.path);
    out.changes.push({ path, value: rule.convert ? rule.convert(raw) : raw });
    if (isSecretSchema(node)) out.secretPaths.push(dotted(path));
  }
  return out;
}
