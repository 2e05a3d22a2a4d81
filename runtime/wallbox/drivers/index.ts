import { charger, type ChargerRegistry } from "../../core/registry.ts";
import { checkGoe, goeSection } from "./goe/config.ts";
import { checkGpio, gpioSection } from "./gpio/config.ts";
import { ocppSection } from "./ocpp/config.ts";

/**
 * Every charger driver, by its type name (`wallbox.driver`; its settings under `wallbox.<type>`).
 * Adding one: its folder (a config section, a class implementing core/charger.ts, a ChargerFactory;
 * copy runtime/wallbox/drivers/goe/) plus one line here. Its module is imported only when chosen.
 * `wallbox.driver: none` (no line here) runs the controller without a charger.
 */
export const CHARGERS = {
  ocpp: charger(ocppSection, "OCPP 1.6J central system (the charge point connects to gridbox)", async () => (await import("./ocpp/central-system.ts")).ocppDriver),
  goe: charger(goeSection, "go-e charger (HTTP API v2)", async () => (await import("./goe/charger.ts")).goeDriver, checkGoe),
  gpio: charger(gpioSection, "GPIO relay through johnny-five (enable contact only)", async () => (await import("./gpio/relay.ts")).gpioDriver, checkGpio),
} satisfies ChargerRegistry;
