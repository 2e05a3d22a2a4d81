import { source, type SourceRegistry } from "../core/registry.ts";
import { ahoydtuSection, opendtuSection } from "./hoymiles/mqtt/config.ts";
import { checkHoymiles, hoymilesSection } from "./hoymiles/config.ts";
import { checkPowerwall, powerwallSection } from "./powerwall/config.ts";

/**
 * Every source, by its type name (its key under `sources:` in the config). Adding one: its folder
 * (a config section, a factory; optionally a setup-check.ts for the setup page's Test button and a
 * read-once.ts for `gridbox poll`; copy runtime/sources/powerwall/) plus one line here.
 * The module is imported only when `sources.<type>.enabled` is true.
 */
export const SOURCES = {
  powerwall: source(powerwallSection, "Tesla Powerwall gateway (local API, TEDAPI or pypowerwall proxy)", async () => (await import("./powerwall/source.ts")).powerwallSource, checkPowerwall, {
    setupTest: { label: "Test the Powerwall login", load: async () => (await import("./powerwall/setup-check.ts")).checkPowerwallSource },
    readOnce: async () => (await import("./powerwall/read-once.ts")).readPowerwallOnce,
  }),
  hoymiles: source(hoymilesSection, "Hoymiles DTUs (local TCP protocol, port 10081)", async () => (await import("./hoymiles/factory.ts")).hoymilesSource, checkHoymiles, {
    setupTest: { label: "Test the DTU (does it answer?)", load: async () => (await import("./hoymiles/setup-check.ts")).checkHoymilesSource },
  }),
  opendtu: source(opendtuSection, "OpenDTU over MQTT (Hoymiles inverters by radio)", async () => (await import("./hoymiles/mqtt/factory.ts")).dtuMqttSource("opendtu")),
  ahoydtu: source(ahoydtuSection, "AhoyDTU over MQTT (Hoymiles inverters by radio)", async () => (await import("./hoymiles/mqtt/factory.ts")).dtuMqttSource("ahoydtu")),
} satisfies SourceRegistry;
