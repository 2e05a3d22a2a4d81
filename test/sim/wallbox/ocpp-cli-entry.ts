import { UsageError, type SimulatorEntry } from "../simulator-entry.ts";
import { Car } from "./car.ts";
import { startChargePoint } from "./ocpp-charge-point.ts";

/**
 * `cli.ts ocpp-charge-point`: an OCPP 1.6J charge point that dials the central system at
 * ws://HOST:PORT/IDENTITY (gridbox's wallbox.ocpp listener). The JSON line comes once it is
 * connected and its BootNotification was accepted; `serial` is its identity.
 */
export const entry: SimulatorEntry = {
  summary: "OCPP 1.6J charge point (a client: --host/--port name the central system)",
  options: {
    identity: { type: "string", default: "SIM-CP-1" },
    password: { type: "string" },
    "plug-in": { type: "boolean", default: false },
    "max-current": { type: "string", default: "32" },
  },
  help: `  (--host/--port: where the central system listens, e.g. gridbox's wallbox.ocpp host and port)
  --identity ID      charge point identity, the last path segment of the URL (default SIM-CP-1)
  --password PW      HTTP Basic password (security profile 1), when the central system wants one
  --plug-in          plug a car in and start a transaction once booted
  --max-current A    hardware maximum (default 32)
`,
  async start(at, v) {
    if (at.port === 0) throw new UsageError("--port: the central system's port is required");
    const maxA = Number(v["max-current"]);
    if (!(maxA >= 6 && maxA <= 80)) throw new UsageError(`--max-current ${String(v["max-current"])}: expected 6..80`);
    const identity = String(v.identity);
    const endpoint = `ws://${at.host.includes(":") ? `[${at.host}]` : at.host}:${at.port}`;
    const cp = await startChargePoint({
      endpoint, identity, hardwareMaxA: maxA, car: new Car({ pluggedIn: false, phases: 3 }), plugIn: v["plug-in"] === true,
      ...(typeof v.password === "string" ? { password: v.password } : {}),
    });
    return { info: { url: `${endpoint}/${encodeURIComponent(identity)}`, serial: identity }, stop: () => cp.stop() };
  },
};
