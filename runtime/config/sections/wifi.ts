import { Type } from "@sinclair/typebox";
import { durationMs, section, secret } from "../schema-helpers.ts";

/**
 * Wi-Fi association to the Powerwall gateway's own access point (TEG-xxx / TeslaPW_xxxxxx), through
 * NetworkManager (node-wifi / nmcli). Since gateway firmware 25.10 TEDAPI answers only clients on
 * that AP, so a Pi joins it with one interface and keeps its home connection on the other.
 */
export const wifi = section({
  enabled: Type.Boolean({ default: false, description: "join the Powerwall's access point and keep it joined" }),
  ssid: Type.String({ default: "", description: "the gateway AP's SSID, e.g. TEG-1A2 or TeslaPW_123456" }),
  password: Type.Optional(secret("the AP password: the full gateway password from the label (usually the same !secret as powerwall.gateway_password)")),
  interface: Type.String({ default: "wlan0", pattern: "^[A-Za-z0-9_.:-]{1,15}$", description: "the Wi-Fi interface that joins the AP; the home connection stays on the others" }),
  never_default: Type.Boolean({ default: true, description: "the AP connection never takes the default route, so InfluxDB and MQTT traffic keeps using the home interface" }),
  check_interval_ms: durationMs(30_000, "how often the association is checked (a local nmcli call, no radio traffic)", { minimum: 10 }),
  rejoin_interval_ms: durationMs(300_000, "at most one join attempt in this time (protects the gateway's AP)", { minimum: 10 }),
  max_backoff_ms: durationMs(3_600_000, "longest wait between attempts after repeated failures (wrong password, missing interface)", { minimum: 10 }),
  command_timeout_ms: durationMs(30_000, "an nmcli call taking longer is killed", { minimum: 100 }),
}, "Wi-Fi association to the Powerwall's access point");
