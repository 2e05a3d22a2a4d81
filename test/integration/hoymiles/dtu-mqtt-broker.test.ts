import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import mqtt from "mqtt";
import { systemClock } from "../../../runtime/core/clock.ts";
import type { HaEntitySpec, HomeAssistantBridge } from "../../../runtime/core/home-assistant.ts";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { dtuMqttSection, type DtuMqttConfig } from "../../../runtime/sources/hoymiles/mqtt/config.ts";
import { DtuMqttSource } from "../../../runtime/sources/hoymiles/mqtt/mqtt-source.ts";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { waitFor } from "../broker/mqtt-test-kit.ts";
import { testContext } from "../powerwall/support.ts";
import { fixtureMessages } from "../../unit/sources/hoymiles/mqtt/fixture-messages.ts";

/**
 * An OpenDTU and an AhoyDTU publish (retained, as they do) into gridbox's embedded broker with
 * their own accounts; the DTU-MQTT source reads them with its own account and writes the same
 * points from both. Home Assistant gets energy sensors in Wh as total_increasing.
 */
let gb: TestGridbox;
const PW = { opendtu: "opendtu-pw", ahoy: "ahoy-pw", reader: "reader-pw" };

before(async () => {
  gb = await startTestGridbox({
    broker: {
      clients: {
        opendtu: { password_hash: await hashPassword(PW.opendtu), publish: ["solar/#"], subscribe: [] },
        ahoydtu: { password_hash: await hashPassword(PW.ahoy), publish: ["inverter/#"], subscribe: [] },
        "gridbox-dtu": { password_hash: await hashPassword(PW.reader), publish: [], subscribe: ["solar/#", "inverter/#"] },
      },
    },
  });
});
after(async () => { await gb.stop(); });

async function publishAs(username: string, password: string, file: string): Promise<void> {
  const c = await mqtt.connectAsync(gb.addresses.mqtt as string, { username, password, clientId: username, protocolVersion: 4 });
  for (const [t, p] of fixtureMessages(file)) await c.publishAsync(t, p, { qos: 1, retain: true });
  await c.endAsync();
}

function recordingHa(): HomeAssistantBridge & { specs: HaEntitySpec[]; states: Map<string, unknown> } {
  const specs: HaEntitySpec[] = [];
  const states = new Map<string, unknown>();
  return {
    specs, states, gridboxDeviceId: "gridbox_testhost",
    declare(spec) { specs.push(spec); return { publish: (s) => { states.set(`${spec.device.id}/${spec.objectId}`, s); } }; },
    setDeviceAvailable(device, online) { states.set(`${device.id}/available`, online); },
  };
}

async function readWith(firmware: "opendtu" | "ahoydtu") {
  const ctx = { ...testContext(systemClock), ha: recordingHa() };
  const source = new DtuMqttSource(ctx, Value.Default(dtuMqttSection(firmware), {
    enabled: true, url: gb.addresses.mqtt, username: "gridbox-dtu", password: PW.reader, settle_ms: 200,
    serials: { "HM-800": "114190641177", "HM-1500": "116181234567" },
  }) as DtuMqttConfig, firmware);
  await source.start(new AbortController().signal);
  try {
    await waitFor(() => source.stats.readings > 0, 10_000, `${firmware} reading`);
    assert.equal(source.health().state, "ok");
    return { points: ctx.written, ha: ctx.ha, site: ctx.site, source };
  } finally {
    await source.stop();
  }
}

test("OpenDTU and AhoyDTU through the embedded broker, each with its own account, become the same points", async () => {
  await publishAs("opendtu", PW.opendtu, "opendtu-topics.txt");
  await publishAs("ahoydtu", PW.ahoy, "ahoydtu-topics.txt");
  const open = await readWith("opendtu");
  const ahoy = await readWith("ahoydtu");
  assert.equal(open.points.length, 6);
  assert.deepEqual(ahoy.points, open.points);
  assert.equal(open.source.stats.invalid, 1);
  // Home Assistant: a DTU device and one per inverter, energy in Wh as total_increasing
  const energy = open.ha.specs.filter((s) => s.discovery?.device_class === "energy");
  assert.ok(energy.length >= 2 + 2 * 2);
  assert.ok(energy.every((s) => s.discovery?.state_class === "total_increasing" && s.discovery?.unit_of_measurement === "Wh"));
  const dtuId = open.ha.specs.find((s) => s.objectId === "total_energy_wh")?.device.id as string;
  assert.equal(open.ha.states.get(`${dtuId}/total_energy_wh`), 2_303_338);
  assert.equal(open.ha.states.get(`${dtuId}/power_w`), 512.3);
  // the site model gets the plant's AC power as PV, one share per DTU
  assert.deepEqual(open.site.snapshot().pvW, { value: 512.3, timeMs: 1_750_000_000_000, source: "opendtu:DTU" });
  // the inverter out of reach is unavailable; its values follow it, its reachability does not
  assert.equal(open.ha.states.get(`${dtuId}_116181234567/available`), false);
  assert.equal(open.ha.states.get(`${dtuId}_114190641177/available`), true);
  assert.ok(open.ha.specs.filter((s) => s.device.id === `${dtuId}_116181234567` && s.objectId !== "online").every((s) => s.followsDevice === true));
});
