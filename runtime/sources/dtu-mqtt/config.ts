import { Type, type Static } from "@sinclair/typebox";
import { durationMs, section, secret } from "../../config/schema-helpers.ts";

/**
 * Hoymiles inverters through an OpenDTU or AhoyDTU the owner already runs: gridbox subscribes to
 * its MQTT topics and writes the same `dtu`/`inverter`/`port` points as the DTU source. The DTU
 * publishes to gridbox's embedded broker with its own account (a `broker.clients` entry that may
 * publish `<base_topic>/#`) and gridbox reads them as another account that may subscribe to it, or
 * both use an external broker: `url` says which.
 */
export const dtuMqtt = section({
  enabled: Type.Boolean({ default: false }),
  firmware: Type.Union([Type.Literal("opendtu"), Type.Literal("ahoydtu")], { default: "opendtu", description: "which firmware publishes: opendtu (base solar) or ahoydtu (base inverter)" }),
  base_topic: Type.String({ default: "", pattern: "^[^#+]*$", description: "the firmware's MQTT base topic; empty: its default (solar / inverter)" }),
  name: Type.String({ default: "DTU", minLength: 1, description: "the dtu_name tag of these points" }),
  url: Type.String({ default: "mqtt://127.0.0.1:1883", pattern: "^mqtts?://", description: "broker to read from: the embedded one (default port 1883) or an external one" }),
  username: Type.String({ default: "gridbox-dtu", description: "MQTT username (for the embedded broker: a broker.clients entry that may subscribe to <base_topic>/#)" }),
  password: Type.Optional(secret("MQTT password of that user")),
  serials: Type.Record(Type.String({ minLength: 1 }), Type.String({ pattern: "^[0-9a-fA-F]{6,16}$" }), {
    default: {}, description: "AhoyDTU publishes inverters by name: map each name to its serial for the serial_number tag (unmapped names are used as they are)",
  }),
  settle_ms: durationMs(1_000, "a burst of topics is one reading once no topic came for this long", { minimum: 50 }),
  reconnect_ms: durationMs(5_000, "pause before reconnecting to the broker", { minimum: 100 }),
}, "OpenDTU / AhoyDTU over MQTT");

export type DtuMqttConfig = Static<typeof dtuMqtt>;

export const defaultBaseTopic = (c: Pick<DtuMqttConfig, "firmware" | "base_topic">): string => c.base_topic.replace(/\/+$/, "") || (c.firmware === "opendtu" ? "solar" : "inverter");
