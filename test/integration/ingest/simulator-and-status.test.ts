import { strict as assert } from "node:assert";
import { randomBytes, scryptSync } from "node:crypto";
import { test } from "node:test";
import { simulatedDeviceIds, startSimulator } from "../../../firmware-protocol/simulator/device-simulator.ts";
import { startTestGridbox } from "../../support/gridbox.ts";
import { deviceAccounts, hostPort, mosquitto, waitFor, type IngestStatus } from "../broker/mqtt-test-kit.ts";

function cheapAccounts(passwords: Record<string, string>): Record<string, { password_hash: string }> {
  return Object.fromEntries(Object.entries(passwords).map(([id, pw]) => {
    const salt = randomBytes(16);
    const key = scryptSync(pw, salt, 32, { N: 1024, r: 8, p: 1 });
    return [id, { password_hash: `scrypt$1024$8$1$${salt.toString("base64url")}$${key.toString("base64url")}` }];
  }));
}

test("the simulator at 20 devices x 50 Hz for 3 s runs clean: every reading accepted, none rejected", async () => {
  const ids = simulatedDeviceIds(20);
  const passwords = Object.fromEntries(ids.map((id) => [id, `pw-${id}`]));
  // cheap hashes (scrypt N=1024): 20 logins at once at the production cost (N=16384) took longer than
  // the simulator's 5 s connect timeout on a loaded machine ("connack timeout"); login cost is the
  // broker tests' subject, not this one's
  const gb = await startTestGridbox({ broker: { devices: cheapAccounts(passwords) }, outbox: { memory_max_readings: 100_000 } });
  try {
    const sim = startSimulator({ url: gb.addresses.mqtt as string, devices: ids.map((id) => ({ id, password: passwords[id] as string })), rateHz: 50, batch: 1, durationMs: 3000, unsyncedForS: 0.5 });
    await sim.connected;
    const online = (gb.status.snapshot().broker as { devices: Record<string, { connected: boolean }> }).devices;
    assert.equal(Object.values(online).filter((d) => d.connected).length, 20, "all 20 devices connected");
    const result = await sim.done;
    assert.deepEqual(result.errors, []);
    assert.equal(result.readings, 20 * 50 * 3);
    const ingest = (): IngestStatus => gb.status.snapshot().ingest as IngestStatus;
    await waitFor(() => ingest().points.grid_data === result.readings, 10_000, `${result.readings} readings`);
    const s = ingest();
    assert.equal(s.rejected.total, 0);
    assert.equal(s.accepted, result.messages + result.statusMessages + result.logMessages);
    assert.ok(s.gatewayTime > 0, "the unsynced first half second used receive time");
    for (const id of ids) assert.equal(s.devices[id]?.protocol, 1, "each device's birth message was read");
    // the simulator ends with a clean DISCONNECT (no will): the broker tells ingest each device left
    await waitFor(() => ids.every((id) => ingest().devices[id]?.online === false), 10_000, "every device offline after its clean disconnect");
    assert.equal(gb.outbox.stats().accepted, s.points.grid_data + s.points.device_status + s.points.device_logs);
  } finally { await gb.stop(); }
});

test("end to end: mosquitto_pub with a device's credentials -> GET /status shows the reading and the outbox has it", async () => {
  const gb = await startTestGridbox({ broker: { devices: await deviceAccounts({ aabbccddeeff: "demo-device-password" }) } });
  try {
    const r = await mosquitto("mosquitto_pub", [...hostPort(gb.addresses.mqtt as string), "-u", "aabbccddeeff", "-P", "demo-device-password", "-i", "open_grid_monitor_aabbccddeeff",
      "-q", "1", "-t", "open_grid_monitor/aabbccddeeff/measurement", "-m", '{"timestamp":1764072000000000,"frequency":49.98,"voltage":231.2,"current":4.2,"power":971}']);
    assert.equal(r.code, 0, r.stderr);
    const status = async (): Promise<Record<string, any>> => {
      const res = await fetch(`${gb.addresses.http}/status`, { signal: AbortSignal.timeout(3000) });
      assert.equal(res.status, 200);
      return (await res.json()) as Record<string, any>;
    };
    let body = await status();
    for (let i = 0; i < 50 && body.ingest.accepted < 1; i++) { await new Promise((res) => setTimeout(res, 20)); body = await status(); }
    assert.equal(body.ingest.accepted, 1);
    assert.equal(body.ingest.points.grid_data, 1);
    assert.equal(typeof body.ingest.devices.aabbccddeeff.lastMessage, "string");
    assert.equal(body.outbox.accepted, 1);
    assert.ok(body.broker.devices.aabbccddeeff, "the device is listed by the broker");
    const health = await fetch(`${gb.addresses.http}/health`, { signal: AbortSignal.timeout(3000) });
    const h = (await health.json()) as { components: Record<string, { state: string; critical: boolean }> };
    assert.deepEqual([h.components.broker?.state, h.components.broker?.critical, h.components.ingest?.state], ["ok", true, "ok"]);
    const metrics = await (await fetch(`${gb.addresses.http}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    assert.match(metrics, /gridbox_ingest_messages_total\{result="accepted",reason=""\} 1/);
    assert.match(metrics, /gridbox_broker_messages_received_total 1/);
  } finally { await gb.stop(); }
});
