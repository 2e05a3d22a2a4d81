import { strict as assert } from "node:assert";
import { test } from "node:test";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { expand } from "../homeassistant/ha-expectations.ts";
import { connectRecorder } from "../homeassistant/mqtt-peers.ts";
import { startGoeSimulator } from "../../sim/wallbox/go-e-charger.ts";

/**
 * The wallbox in Home Assistant through gridbox's real publisher and embedded broker: the select
 * and switch are announced with command topics, a Home Assistant client changes the mode and
 * starts/stops charging over MQTT, and the states come back.
 */
const NODE = "gridbox_testhost_wallbox";

async function gridboxWithHa(wallbox: Record<string, unknown>): Promise<TestGridbox> {
  const [publisherHash, haHash] = await Promise.all([hashPassword("publisher-pw-1"), hashPassword("ha-pw-12345")]);
  return startTestGridbox({
    broker: {
      clients: {
        "gridbox-homeassistant": { password_hash: publisherHash, publish: ["homeassistant/#", "gridbox/#"], subscribe: ["homeassistant/status", "gridbox/+/+/set"] },
        homeassistant: { password_hash: haHash, publish: ["homeassistant/status", "gridbox/+/+/set"], subscribe: ["homeassistant/#", "gridbox/#"] },
      },
    },
    homeassistant: { enabled: true, state_interval_ms: 100, announce_delay_max_ms: 20, mqtt: { username: "gridbox-homeassistant", password: "publisher-pw-1" } },
    wallbox,
  });
}

test("Home Assistant controls the wallbox: select for the mode, switch for start/stop", async () => {
  const gb = await gridboxWithHa({ enabled: true, driver: "none", mode: "off", control_interval_ms: 1000 });
  const ha = await connectRecorder(gb.addresses.mqtt as string, ["homeassistant/#", "gridbox/#"], ["homeassistant", "ha-pw-12345"]);
  try {
    const select = expand((await ha.waitFor((m) => m.topic === `homeassistant/select/${NODE}/mode/config`, 5000, "select config")).payload);
    assert.deepEqual(select.options, ["off", "full", "eco", "solar"]);
    assert.equal(select.command_topic, `gridbox/${NODE}/mode/set`);
    const sw = expand((await ha.waitFor((m) => m.topic === `homeassistant/switch/${NODE}/charging/config`, 5000, "switch config")).payload);
    assert.equal(sw.command_topic, `gridbox/${NODE}/charging/set`);
    await ha.waitFor((m) => m.topic === `homeassistant/sensor/${NODE}/current_a/config`, 5000, "current sensor");

    await ha.client.publishAsync(`gridbox/${NODE}/mode/set`, "solar");
    await ha.waitFor((m) => m.topic === select.state_topic && m.payload === "solar", 5000, "mode solar published");
    const from = ha.messages.length;
    await ha.client.publishAsync(`gridbox/${NODE}/charging/set`, "ON");
    await ha.waitFor((m) => m.topic === select.state_topic && m.payload === "full", 5000, "start = full", from);
    await ha.waitFor((m) => m.topic === sw.state_topic && m.payload === "ON", 5000, "switch on", from);
    const api = (await (await fetch(`${gb.addresses.http}/api/wallbox`, { signal: AbortSignal.timeout(2000) })).json()) as { mode: string; last_command: { source: string } };
    assert.deepEqual([api.mode, api.last_command.source], ["full", "homeassistant"]);
    await ha.client.publishAsync(`gridbox/${NODE}/charging/set`, "OFF");
    await ha.waitFor((m) => m.topic === sw.state_topic && m.payload === "OFF", 5000, "switch off", from);
  } finally {
    await ha.close();
    await gb.stop();
  }
});

test("while the charger does not answer, its entities are unavailable in Home Assistant; the mode stays available", async () => {
  const { sim, url } = await startGoeSimulator();
  const gb = await gridboxWithHa({ enabled: true, driver: "goe", mode: "off", control_interval_ms: 1000, goe: { url, interval_ms: 1000, timeout_ms: 300 } });
  const ha = await connectRecorder(gb.addresses.mqtt as string, ["homeassistant/#", "gridbox/#"], ["homeassistant", "ha-pw-12345"]);
  let simStopped = false;
  try {
    const availability = `gridbox/${NODE}/availability`;
    const current = expand((await ha.waitFor((m) => m.topic === `homeassistant/sensor/${NODE}/current_a/config`, 5000, "current sensor")).payload);
    assert.deepEqual((current.availability as Array<{ topic: string }>).map((a) => a.topic), ["gridbox/gridbox_testhost/availability", availability]);
    assert.equal(current.availability_mode, "all");
    const sw = expand((await ha.waitFor((m) => m.topic === `homeassistant/switch/${NODE}/charging/config`, 5000, "switch config")).payload);
    assert.ok((sw.availability as Array<{ topic: string }>).some((a) => a.topic === availability));
    const select = expand((await ha.waitFor((m) => m.topic === `homeassistant/select/${NODE}/mode/config`, 5000, "select config")).payload);
    assert.deepEqual((select.availability as Array<{ topic: string }>).map((a) => a.topic), ["gridbox/gridbox_testhost/availability"], "the mode is gridbox's own");
    await ha.waitFor((m) => m.topic === availability && m.payload === "online", 5000, "charger online");
    const from = ha.messages.length;
    await sim.stop();
    simStopped = true;
    await ha.waitFor((m) => m.topic === availability && m.payload === "offline", 10_000, "charger unavailable", from);
  } finally {
    await ha.close();
    await gb.stop();
    if (!simStopped) await sim.stop();
  }
});
