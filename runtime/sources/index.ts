import { source, type SourceRegistry } from "../core/registry.ts";
import { checkPowerwall, powerwallSection } from "./powerwall/config.ts";

/**
 * Every source, by its type name (its key under `sources:` in the config). Adding one: its folder
 * (a config section, a factory; copy runtime/sources/powerwall/source.ts) plus one line here.
 * The module is imported only when `sources.<type>.enabled` is true.
 */
export const SOURCES = {
  powerwall: source(powerwallSection, "Tesla Powerwall gateway (local API, TEDAPI or pypowerwall proxy)", async () => (await import("./powerwall/source.ts")).powerwallSource, checkPowerwall),
} satisfies SourceRegistry;
