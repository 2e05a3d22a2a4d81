import { Type, type Static } from "@sinclair/typebox";
import { durationMs, section, secret } from "../../../config/schema-helpers.ts";

/**
 * Hoymiles inverters through an OpenDTU or AhoyDTU the owner already runs: gridbox subscribes to
 * its MQTT topics and writes the same `dtu`/`inverter`/`port` points as the DTU source. The DTU
 * publishes to gridbox's embedded broker with its own account (a `broker.clients` entry that may
 * publish `<base_topic>/#`) and gridbox reads them as another account that may subscribe to it, or
 * both use an external broker: `url` says which.
 */
export type DtuFirmware = "opendtu" | "ahoydtu";

const DEFAULT_BASE: Record<DtuFirmware, string> = { opendtu: "solar", ahoydtu: "inverter" };

/** The section of one firmware (`sources.opendtu`, `sources.ahoydtu`): the same keys, its own defaults. */
export function dtuMqttSection(firmware: DtuFirmware) {
  return section({
    enabled: Type.Boolean({ default: false }),
    base_topic: Type.String({ default: DEFAULT_BASE[firmware], minLength: 1, pattern: "^[^#+]*[^#+/]$", description: `the ${firmware === "opendtu" ? "OpenDTU" : "AhoyDTU"}'s MQTT base topic (its default: ${DEFAULT_BASE[firmware]})` }),
    name: Type.String({ default: "DTU", minLength: 1, description: "the dtu_name tag of these points (and their dtu_serial: the firmware publishes no DTU serial)" }),
    url: Type.String({ default: "mqtt://127.0.0.1:1883", pattern: "^mqtts?://", description: "broker to read from: the embedded one (default port 1883) or an external one" }),
    username: Type.String({ default: `gridbox-${firmware}`, description: "MQTT username (for the embedded broker: a broker.clients entry that may subscribe to <base_topic>/#)" }),
    password: Type.Optional(secret("MQTT password of that user")),
    serials: Type.Record(Type.String({ minLength: 1 }), Type.String({ pattern: "^[0-9a-fA-F]{6,16}$" }), {
      default: {}, description: "inverter key in the topics -> serial for the serial_number tag (AhoyDTU publishes names; unmapped keys are used as they are)",
    }),
    settle_ms: durationMs(1_000, "a burst of topics is one reading once no topic came for this long", { minimum: 50 }),
    reconnect_ms: durationMs(5_000, "wait before the first reconnect to the broker; it doubles with each failed attempt", { minimum: 100 }),
    max_backoff_ms: durationMs(300_000, "longest wait between reconnects to a broker that stays away", { minimum: 100 }),
  }, firmware === "opendtu" ? "OpenDTU over MQTT" : "AhoyDTU over MQTT");
}

export const opendtuSection = dtuMqttSection("opendtu");
export const ahoydtuSection = dtuMqttSection("ahoydtu");
export type DtuMqttConfig = Static<typeof opendtuSection>;
