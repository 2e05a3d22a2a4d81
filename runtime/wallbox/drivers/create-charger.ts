import type { Bus } from "../../core/bus.ts";
import type { Charger } from "../../core/charger.ts";
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/log.ts";
import type { Config } from "../../config/schema.ts";
import { GoeCharger } from "./go-e.ts";
import { GpiodIO } from "./gpiod-io.ts";
import { GpioRelayCharger } from "./gpio-relay.ts";
import { OcppCentralSystem } from "./ocpp-central-system.ts";

/**
 * The charger driver named by `wallbox.driver`. Called from the composition root (main.ts).
 * `io` replaces the Pi's GPIO (a virtual board in tests and the demo).
 */
export interface ChargerDeps { config: Config["wallbox"]; log: Logger; clock: Clock; bus: Bus; io?: object }

export function createCharger(deps: ChargerDeps): Charger | undefined {
  const { config, clock, bus } = deps;
  switch (config.driver) {
    case "none": return undefined;
    case "ocpp": {
      const log = deps.log.child("ocpp").redact(config.ocpp.password);
      return new OcppCentralSystem({ config: config.ocpp, phases: config.phases, log, clock });
    }
    case "goe": return new GoeCharger({ config: config.goe, log: deps.log.child("goe"), clock });
    case "gpio": {
      const io = deps.io ?? new GpiodIO({ chip: config.gpio.chip, ...(config.gpio.tools_dir ? { toolsDir: config.gpio.tools_dir } : {}) });
      return new GpioRelayCharger({ config: config.gpio, io, log: deps.log.child("gpio"), bus });
    }
  }
}
