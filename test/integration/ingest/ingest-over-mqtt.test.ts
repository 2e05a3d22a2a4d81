import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import mqtt, { type MqttClient } from "mqtt";
import { loadFixtures } from "../../../firmware-protocol/fixtures.ts";
import { isFault, readMessage } from "../../../firmware-protocol/reader.ts";
import { prng, pick } from "../../../firmware-protocol/test/prng.ts";
import type { Point } from "../../../runtime/core/point.ts";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { hostPort, mosquitto, waitFor, type IngestStatus } from "../broker/mqtt-test-kit.ts";

/**
 * Device messages over a real broker connection. Anonymous clients are allowed here so a test client
 * can publish the fixtures of any device id (the ACL is tested in test/integration/broker/).
 */
let gb: TestGridbox;
let client: MqttClient;
const points: Point[] = [];
const ingest = (): IngestStatus => gb.status.snapshot().ingest as IngestStatus;
const handled = (): number => { const s = ingest(); return s.accepted + s.rejected.total; };

before(async () => {
  gb = await startTestGridbox({ broker: { allow_anonymous: true, limits: { max_payload_bytes: 8192 } } });
  gb.ctx.bus.on("points", (b) => points.push(...b));
  client = await mqtt.connectAsync(gb.addresses.mqtt as string, { reconnectPeriod: 0, protocolVersion: 4 });
});
after(async () => { await client.endAsync(true); await gb.stop(); });

describe("every fixture, published over MQTT, is accepted or rejected as it says", () => {
  for (const f of loadFixtures()) {
    test(`${f.file}: ${f.name}`, async () => {
      const before = ingest();
      const p0 = points.length;
      await client.publishAsync(f.topic, f.payload, { qos: 1 });
      await waitFor(() => handled() === before.accepted + before.rejected.total + 1, 3000, "ingest to count the message");
      const now = ingest();
      if ("accepted" in f.expect) {
        assert.equal(now.accepted, before.accepted + 1);
        assert.equal(points.length - p0, f.expect.accepted);
        for (const p of points.slice(p0)) { assert.equal(p.fields.time_source, f.expect.time_source); assert.equal(p.tags.time_source, undefined); }
      } else {
        const reason = f.expect.rejected;
        assert.equal(now.rejected[reason], (before.rejected[reason] ?? 0) + 1, `counted as ${reason}`);
        assert.equal(points.length, p0);
      }
    });
  }
  test("mosquitto_pub sends the same bytes and gets the same verdicts (a sample)", async () => {
    const sample = loadFixtures().filter((_, i) => i % 7 === 0);
    for (const f of sample) {
      const before = handled();
      const accepted0 = ingest().accepted;
      const r = await mosquitto("mosquitto_pub", [...hostPort(gb.addresses.mqtt as string), "-q", "1", "-t", f.topic, "-m", f.payload]);
      assert.equal(r.code, 0, r.stderr);
      await waitFor(() => handled() === before + 1, 3000, f.name);
      assert.equal(ingest().accepted - accepted0, "accepted" in f.expect ? 1 : 0, f.name);
    }
  });
});

/** Random junk: bytes, broken JSON, valid JSON of the wrong shape, odd topics (never `+`/`#`/NUL, which MQTT forbids in PUBLISH). */
function junk(rnd: () => number, i: number): { topic: string; payload: Buffer } {
  const ids = ["aabbccddeeff", "", "a.b", "x".repeat(70), "ünï", "dev ice", "020000000001"];
  const types = ["measurement", "status", "logs", "system", "logs/error", "measurement/", "Measurement", ""];
  const topic = `open_grid_monitor/${pick(rnd, ids)}/${pick(rnd, types)}`;
  const kind = i % 5;
  let payload: Buffer;
  if (kind === 0) payload = Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
  else if (kind === 1) payload = Buffer.from('{"timestamp": 1764072000000000, "frequency": 50.0, "voltage"'.slice(0, Math.floor(rnd() * 60)));
  else if (kind === 2) payload = Buffer.from(JSON.stringify(pick(rnd, [null, 1, "x", [], [1, 2], { a: 1 }, { timestamp: "now" }, { online: "yes" }, { level: 3 }, true])));
  else if (kind === 3) payload = Buffer.from(JSON.stringify({ timestamp: Math.floor(rnd() * 1e16) - 1e15, frequency: rnd() * 200 - 50, voltage: rnd() * 1000, rssi: Math.floor(rnd() * 300 - 200), free_heap: rnd() * 1e6, level: pick(rnd, ["info", "x", 1]), message: "m", module: pick(rnd, ["", "m"]) }));
  else payload = Buffer.alloc(8192 + 1 + Math.floor(rnd() * 4000), 0x7b); // oversized
  return { topic, payload };
}

test("1,000 random malformed payloads and topics (seeded): nothing crashes, every one is counted", async () => {
  const seed = 4242;
  const rnd = prng(seed);
  const before = ingest();
  const h0 = handled();
  let expectedAccepted = 0;
  for (let i = 0; i < 1000; i++) {
    const { topic, payload } = junk(rnd, i);
    if (!isFault(readMessage(topic, payload, 8192))) expectedAccepted++;
    await client.publishAsync(topic, payload, { qos: 1 });
  }
  await waitFor(() => handled() === h0 + 1000, 10_000, "all 1000 counted");
  const now = ingest();
  assert.equal(now.accepted - before.accepted, expectedAccepted, `seed ${seed}: the few that happen to be valid are accepted`);
  assert.ok(now.rejected.total - before.rejected.total >= 900, `seed ${seed}: mostly rejected`);
  for (const reason of ["oversized", "bad_topic", "unknown_type", "bad_json", "wrong_shape", "out_of_range"]) {
    assert.ok((now.rejected[reason] ?? 0) > (before.rejected[reason] ?? 0), `no ${reason} in the junk: the generator lost coverage`);
  }
  assert.ok(client.connected, "bad payloads never close the device connection");
  assert.equal(gb.health.snapshot().components.ingest?.state, "ok");
  assert.equal(gb.health.snapshot().components.broker?.state, "ok");
  const p0 = points.length;
  await client.publishAsync("open_grid_monitor/aabbccddeeff/measurement", '{"timestamp":1764072000000000,"frequency":50,"voltage":230}', { qos: 1 });
  await waitFor(() => points.length === p0 + 1, 3000, "a good reading after the junk");
});
