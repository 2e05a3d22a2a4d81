import { Type, type Static } from "@sinclair/typebox";
import { admin } from "./sections/admin.ts";
import { SINKS } from "../sinks/index.ts";
import { SOURCES } from "../sources/index.ts";
import { CHARGERS } from "../wallbox/drivers/index.ts";
import { checkEnabled, registryObject, sectionsOf, typeSelector } from "./registry-schema.ts";
import { section } from "./schema-helpers.ts";
import { broker, ingest } from "./sections/broker.ts";
import { grafana } from "./sections/grafana.ts";
import { http, log, site } from "./sections/core.ts";
import { homeassistant } from "./sections/homeassistant.ts";
import { home_wifi } from "./sections/home-wifi.ts";
import { hotspot } from "./sections/hotspot.ts";
import { outbox } from "./sections/outbox.ts";
import { setupButton } from "./sections/setup-button.ts";
import { system } from "./sections/system.ts";
import { WALLBOX_TITLE, wallboxProperties } from "./sections/wallbox.ts";
import { wifi } from "./sections/wifi.ts";

/**
 * The single source of truth for gridbox's configuration: types, defaults, validation, env
 * overrides (GRIDBOX_SECTION__KEY) and the provisioning form all derive from this schema.
 * Each core section lives in its own file under sections/; each adapter's section lives beside
 * the adapter and comes in through its registry (sources, sink, wallbox charger drivers), so a new
 * adapter needs no edit here.
 */
export const CONFIG_VERSION = 1;

export const ConfigSchema = Type.Object({
  version: Type.Literal(CONFIG_VERSION, { default: CONFIG_VERSION, description: "config format version" }),
  site,
  log,
  http,
  broker,
  ingest,
  sources: registryObject("source", SOURCES, "where readings come from, by source type; each has `enabled`"),
  sink: section({
    type: typeSelector("sink", SINKS, "where readings go; none keeps the newest in memory only (see outbox)"),
    ...sectionsOf(SINKS),
  }, "the time-series database readings are written to (one)"),
  outbox,
  homeassistant,
  grafana,
  wallbox: section({
    ...wallboxProperties,
    driver: typeSelector("charger driver", CHARGERS, "charger driver"),
    ...sectionsOf(CHARGERS),
  }, WALLBOX_TITLE),
  wifi,
  home_wifi,
  hotspot,
  system,
  setup_button: setupButton,
  admin,
}, { additionalProperties: false });

export type Config = Static<typeof ConfigSchema>;

/** What the schema cannot see: the checks of each enabled source, the chosen sink and the chosen driver. */
export function adapterProblems(c: Config): string[] {
  return [
    ...checkEnabled(SOURCES, c.sources, (t) => (c.sources as Record<string, { enabled?: boolean }>)[t]?.enabled === true, "/sources"),
    ...checkEnabled(SINKS, c.sink, (t) => c.sink.type === t, "/sink"),
    ...(c.wallbox.enabled ? checkEnabled(CHARGERS, c.wallbox, (t) => c.wallbox.driver === t, "/wallbox") : []),
  ];
}
