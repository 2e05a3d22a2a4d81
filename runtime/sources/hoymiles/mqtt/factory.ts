import type { AdapterInstance, SourceFactory } from "../../../core/registry.ts";
import type { DtuFirmware, DtuMqttConfig } from "./config.ts";
import { DtuMqttSource } from "./mqtt-source.ts";

/** OpenDTU or AhoyDTU as a registered source (runtime/sources/index.ts): one factory, two types. */
export function dtuMqttSource(firmware: DtuFirmware): SourceFactory<DtuMqttConfig> {
  return {
    create({ ctx, config }): AdapterInstance {
      const s = new DtuMqttSource(ctx, config, firmware);
      return { start: (signal) => s.start(signal), stop: () => s.stop(), health: () => s.health(), status: () => s.status() };
    },
  };
}
