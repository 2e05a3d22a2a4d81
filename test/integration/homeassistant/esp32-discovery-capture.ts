import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../../../firmware-protocol/simulator/device-simulator.ts";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { VERSION } from "../../../runtime/version.ts";
import { startTestGridbox } from "../../support/gridbox.ts";
import { connectRecorder } from "./mqtt-peers.ts";

/**
 * What Home Assistant receives about one ESP32 grid monitor, from a real run: gridbox with its
 * embedded broker and the Home Assistant publisher, the device simulator publishing readings and
 * status, and an MQTT.js client (as Home Assistant) subscribed to discovery, states and
 * availability. Returns every retained discovery config of the monitor's node (topic -> payload
 * bytes as published, the version string replaced by `<version>` so a release does not change it),
 * the monitor's state topics, and its availability before and after the device leaves.
 *
 * `node --import tsx test/integration/homeassistant/esp32-discovery-capture.ts FILE` writes it as
 * the fixture that esp32-discovery.test.ts compares with (captured from main before the grid
 * monitor entities moved out of the Home Assistant area).
 */
export const DEVICE = "020000000001";
export const NODE = `gridbox_testhost_esp32_${DEVICE}`;
/** the monitor's entities: grid_data fields and the status telemetry (device_status) */
export const OBJECTS = ["frequency", "voltage", "current", "power", "rssi", "free_heap", "online"];

export interface Esp32Discovery {
  configs: Record<string, string>;
  stateTopics: string[];
  availability: string[];
}

export async function captureEsp32Discovery(): Promise<Esp32Discovery> {
  const [deviceHash, publisherHash, haHash] = await Promise.all([hashPassword("device-pw-1"), hashPassword("publisher-pw-1"), hashPassword("ha-pw-12345")]);
  const gb = await startTestGridbox({
    broker: {
      devices: { [DEVICE]: { password_hash: deviceHash } },
      clients: {
        "gridbox-homeassistant": { password_hash: publisherHash, publish: ["homeassistant/#", "gridbox/#"], subscribe: ["homeassistant/status", "gridbox/+/+/set"] },
        homeassistant: { password_hash: haHash, publish: ["homeassistant/status"], subscribe: ["homeassistant/#", "gridbox/#"] },
      },
    },
    homeassistant: { enabled: true, state_interval_ms: 100, health_interval_ms: 60_000, announce_delay_max_ms: 0, mqtt: { username: "gridbox-homeassistant", password: "publisher-pw-1" } },
  });
  const mqttUrl = gb.addresses.mqtt as string;
  const ha = await connectRecorder(mqttUrl, ["homeassistant/#", "gridbox/#"], ["homeassistant", "ha-pw-12345"]);
  const sim = startSimulator({ url: mqttUrl, devices: [{ id: DEVICE, password: "device-pw-1" }], rateHz: 20, statusEveryS: 0.2 });
  let simStopped = false;
  try {
    await sim.connected;
    for (const o of OBJECTS) await ha.waitFor((m) => m.topic.endsWith(`/${NODE}/${o}/config`), 10_000, `${o} config`);
    const availability = (): string => ha.last.get(`gridbox/${NODE}/availability`) ?? "(none)";
    await ha.waitFor((m) => m.topic === `gridbox/${NODE}/availability` && m.payload === "online", 5000, "monitor online");
    for (const o of OBJECTS) await ha.waitFor((m) => m.topic === `gridbox/${NODE}/${o}/state`, 5000, `${o} state`);
    const online = availability();
    await sim.stop();
    simStopped = true;
    await ha.waitFor((m) => m.topic === `gridbox/${NODE}/availability` && m.payload === "offline", 5000, "monitor offline");
    // what a Home Assistant connecting now would get: the retained discovery configs of the monitor
    const late = await connectRecorder(mqttUrl, ["homeassistant/+/+/+/config"], ["homeassistant", "ha-pw-12345"]);
    try {
      await late.waitFor((m) => m.topic.includes(`/${NODE}/`) && m.retain, 5000, "retained configs");
      await new Promise((r) => setTimeout(r, 300)); // the broker sends every retained message at subscribe
      const configs: Record<string, string> = {};
      for (const m of late.messages) if (m.retain && m.topic.includes(`/${NODE}/`)) configs[m.topic] = m.payload.split(VERSION).join("<version>");
      const stateTopics = [...new Set(ha.messages.filter((m) => m.topic.startsWith(`gridbox/${NODE}/`) && m.topic.endsWith("/state")).map((m) => m.topic))].sort();
      return { configs: Object.fromEntries(Object.entries(configs).sort(([a], [b]) => a.localeCompare(b))), stateTopics, availability: [online, availability()] };
    } finally { await late.close(); }
  } finally {
    if (!simStopped) await sim.stop();
    await ha.close();
    await gb.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) throw new Error("usage: esp32-discovery-capture.ts FILE");
  writeFileSync(out, JSON.stringify(await captureEsp32Discovery(), null, 2) + "\n");
}
