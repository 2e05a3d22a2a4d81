import { Type, type Static } from "@sinclair/typebox";
import { admin } from "./sections/admin.ts";
import { broker, ingest } from "./sections/broker.ts";
import { http, log, site } from "./sections/core.ts";
import { homeassistant } from "./sections/homeassistant.ts";
import { hotspot } from "./sections/hotspot.ts";
import { influx } from "./sections/influx.ts";
import { outbox } from "./sections/outbox.ts";
import { powerwall } from "./sections/powerwall.ts";
import { wallbox } from "./sections/wallbox.ts";
import { wifi } from "./sections/wifi.ts";

/**
 * The single source of truth for gridbox's configuration: types, defaults, validation, env
 * overrides (GRIDBOX_SECTION__KEY) and the provisioning form all derive from this schema.
 * Each section lives in its own file under sections/.
 */
export const CONFIG_VERSION = 1;

export const ConfigSchema = Type.Object({
  version: Type.Literal(CONFIG_VERSION, { default: CONFIG_VERSION, description: "config format version" }),
  site,
  log,
  http,
  broker,
  ingest,
  influx,
  outbox,
  powerwall,
  homeassistant,
  wallbox,
  wifi,
  hotspot,
  admin,
}, { additionalProperties: false });

export type Config = Static<typeof ConfigSchema>;
