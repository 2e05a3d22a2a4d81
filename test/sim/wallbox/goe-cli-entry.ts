import type { SimulatorEntry } from "../simulator-entry.ts";
import { Car } from "./car.ts";
import { startGoeSimulator } from "./go-e-charger.ts";

/** `cli.ts goe`: a go-e charger's local HTTP API v2 (no credentials: the local API has none). */
export const entry: SimulatorEntry = {
  summary: "go-e charger, local HTTP API v2",
  options: { "plugged-in": { type: "boolean", default: false } },
  help: "  --plugged-in       a car (3 phases) is plugged in from the start\n",
  async start(at, v) {
    const { sim, url } = await startGoeSimulator({ host: at.host, port: at.port, car: new Car({ pluggedIn: v["plugged-in"] === true, phases: 3 }) });
    return { info: { url, serial: sim.serial }, stop: () => sim.stop() };
  },
};
