import type { AdapterInstance, SourceFactory } from "../../core/registry.ts";
import type { HoymilesConfig } from "./config.ts";
import { HoymilesSource } from "./source.ts";

/** The Hoymiles DTUs as a registered source (runtime/sources/index.ts). */
export const hoymilesSource: SourceFactory<HoymilesConfig> = {
  create({ ctx, config }): AdapterInstance {
    const s = new HoymilesSource(ctx, config);
    return { start: (signal) => s.start(signal), stop: () => s.stop(), health: () => s.health(), status: () => s.status() };
  },
};
