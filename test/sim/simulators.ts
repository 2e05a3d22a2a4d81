import type { SimulatorEntry } from "./simulator-entry.ts";

/**
 * Every simulator `test/sim/cli.ts` can start: one line each, imported only when chosen.
 * A new simulator adds its folder under test/sim/ with a `cli-entry.ts` exporting `entry`, and
 * one line here.
 */
export const SIMULATORS: Readonly<Record<string, () => Promise<{ entry: SimulatorEntry }>>> = {
  powerwall: () => import("./powerwall/cli-entry.ts"),
  goe: () => import("./wallbox/goe-cli-entry.ts"),
  "ocpp-charge-point": () => import("./wallbox/ocpp-cli-entry.ts"),
  hoymiles: () => import("./hoymiles/cli-entry.ts"),
};
