import type { SimulatorEntry } from "../simulator-entry.ts";
import { UsageError } from "../simulator-entry.ts";
import { startDtuSimulator } from "./dtu-simulator.ts";

/**
 * `cli.ts hoymiles`: a Hoymiles DTU (TCP, HM frames, protobuf; the field's hoymiles-wifi reads it).
 * hoymiles-wifi always connects to port 10081: give it `--port 10081` on an address of its own
 * (e.g. --host 127.0.0.2).
 */
export const entry: SimulatorEntry = {
  summary: "Hoymiles DTU, local TCP protocol (port 10081 for hoymiles-wifi)",
  options: {
    encrypted: { type: "boolean", default: false },
    "enc-rand": { type: "string" },
    serial: { type: "string" },
    night: { type: "boolean", default: false },
    "min-poll-spacing-ms": { type: "string", default: "30000" },
  },
  help: [
    "  --encrypted        AES-128-GCM like newer DTU firmware (enc_rand in the JSON line)",
    "  --enc-rand HEX     its 16-byte enc_rand (default: random)",
    "  --serial S         DTU serial (default 414373A01234)",
    "  --night            inverters offline (link status 0, every value 0)",
    "  --min-poll-spacing-ms N  RealDataNew polls closer than this hang the DTU for 30 min (default 30000, as real DTUs)",
    "",
  ].join("\n"),
  async start(at, v) {
    const encRand = typeof v["enc-rand"] === "string" ? v["enc-rand"] : undefined;
    if (encRand !== undefined && !/^[0-9a-fA-F]{32}$/.test(encRand)) throw new UsageError("--enc-rand: expected 32 hex digits (16 bytes)");
    const spacing = Number(v["min-poll-spacing-ms"]);
    if (!Number.isInteger(spacing) || spacing < 0) throw new UsageError("--min-poll-spacing-ms: expected a whole number of milliseconds");
    const sim = await startDtuSimulator({
      host: at.host, port: at.port, encrypted: v.encrypted === true || encRand !== undefined, minPollSpacingMs: spacing,
      ...(encRand ? { encRand: Buffer.from(encRand, "hex") } : {}), ...(typeof v.serial === "string" ? { serial: v.serial } : {}),
    });
    if (v.night === true) sim.plant.irradiance = 0;
    return { info: { url: sim.url, serial: sim.serial, ...(sim.encRand ? { enc_rand: sim.encRand.toString("hex") } : {}) }, stop: () => sim.stop() };
  },
};
