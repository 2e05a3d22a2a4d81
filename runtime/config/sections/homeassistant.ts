import { Type } from "@sinclair/typebox";
import { durationMs, hostAddress, port, section, secret } from "../schema-helpers.ts";

/**
 * Home Assistant MQTT discovery. By default gridbox publishes to its own embedded broker as one of
 * `broker.clients` (name the username here and give its plaintext password as a secret); Home
 * Assistant connects to the same broker with its own client entry. Or point it at an external
 * broker (mosquitto on the Home Assistant host). Either may be down: nothing else is affected.
 */
const Mqtt = section({
  broker: Type.Union([Type.Literal("embedded"), Type.Literal("external")], {
    default: "embedded", description: "embedded: gridbox's own broker; external: host/port below",
  }),
  username: Type.String({ default: "gridbox-homeassistant", description: "MQTT username; for the embedded broker an entry of broker.clients that may publish homeassistant/# and gridbox/#" }),
  password: Type.Optional(secret("MQTT password of that user (plaintext; the embedded broker keeps only its hash)")),
  host: hostAddress("127.0.0.1", "external broker host"),
  port: port(1883, "external broker port (8883 is usual with TLS)"),
  tls: Type.Boolean({ default: false, description: "external broker: connect with TLS (mqtts)" }),
  ca_file: Type.String({ default: "", description: "external broker with TLS: PEM file of the CA that signed its certificate; empty uses the system CAs" }),
  reject_unauthorized: Type.Boolean({ default: true, description: "external broker with TLS: refuse a certificate the CAs do not vouch for" }),
  client_id: Type.String({ default: "", description: "MQTT client id; empty means gridbox-<host>" }),
  keepalive_s: Type.Integer({ minimum: 5, maximum: 3600, default: 30, description: "MQTT keep-alive" }),
  connect_timeout_ms: durationMs(10_000, "time to wait for CONNACK", { minimum: 100 }),
  reconnect_min_ms: durationMs(1_000, "first reconnect delay; doubles per failure", { minimum: 10 }),
  reconnect_max_ms: durationMs(60_000, "longest reconnect delay", { minimum: 10 }),
}, "the MQTT connection the publisher uses");

export const homeassistant = section({
  enabled: Type.Boolean({ default: false }),
  discovery_prefix: Type.String({ default: "homeassistant", pattern: "^[A-Za-z0-9_/-]+$", description: "Home Assistant's discovery prefix (also where it publishes <prefix>/status)" }),
  topic_prefix: Type.String({ default: "gridbox", pattern: "^[A-Za-z0-9_/-]+$", description: "state, availability and command topics live under this prefix" }),
  node_id: Type.String({ default: "", pattern: "^[A-Za-z0-9_-]*$", description: "id of this gridbox in Home Assistant (unique_id prefix); empty: an id made once and kept in node_id_file, so renaming the Pi changes nothing" }),
  node_id_file: Type.String({ default: "", description: "where the generated node id is kept (mode 600); empty: homeassistant-node-id in the state folder (/var/lib/gridbox on the Pi, ./var in a checkout)" }),
  mqtt: Mqtt,
  state_interval_ms: durationMs(5_000, "at most one state publish per entity in this time (readings arrive up to 50 times a second)"),
  health_interval_ms: durationMs(30_000, "how often the health sensors are published, whatever the sources do", { minimum: 100 }),
  announce_delay_max_ms: durationMs(2_000, "after Home Assistant comes online, re-announce after a random delay up to this"),
}, "Home Assistant MQTT discovery");
