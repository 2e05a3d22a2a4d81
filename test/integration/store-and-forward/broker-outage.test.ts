import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { startTestGridbox, type TestGridbox } from "../../support/gridbox.ts";
import { countSamples, VictoriaMetrics } from "../../support/victoria-metrics.ts";
import { deviceAccounts } from "../broker/mqtt-test-kit.ts";
import { delay } from "./harness.ts";
import { MeasurementPublisher } from "./mqtt-publisher.ts";

/**
 * The whole appliance: devices publish through the embedded broker at a steady rate, VictoriaMetrics
 * is stopped mid-run and started again while they keep publishing. Every reading the broker
 * acknowledged is in the server exactly once per series and timestamp; /health showed the outage.
 */
const DEVICES = [{ id: "sfdev000001", password: "sf-device-pw-1" }, { id: "sfdev000002", password: "sf-device-pw-2" }];
let vm: VictoriaMetrics;
let gb: TestGridbox;
let dir: string;

before(async () => {
  vm = await new VictoriaMetrics().start();
  dir = mkdtempSync(join(tmpdir(), "gridbox-sf-"));
  gb = await startTestGridbox({
    broker: { devices: await deviceAccounts(Object.fromEntries(DEVICES.map((d) => [d.id, d.password]))) },
    influx: { url: vm.url, bucket: "energy", token: "broker-outage-token" },
    outbox: { flush_interval_ms: 250, store: { path: join(dir, "outbox.db") }, retry: { initial_ms: 100, max_ms: 500 } },
  });
});
after(async () => { await gb.stop(); await vm.destroy(); rmSync(dir, { recursive: true, force: true }); });

async function health(): Promise<{ status: string; components: Record<string, { state: string; message?: string; details?: Record<string, unknown> }> }> {
  const res = await fetch(`${gb.addresses.http}/health`, { signal: AbortSignal.timeout(5000) });
  return await res.json() as never;
}

test("publishing through the broker across an InfluxDB outage: all readings arrive exactly once", { timeout: 120_000 }, async () => {
  const pub = new MeasurementPublisher({ url: gb.addresses.mqtt as string, devices: DEVICES, t0Ms: Date.now() - 3_600_000, perMessage: 10, tickMs: 20 });
  await pub.connect();
  pub.start(); // 2 devices x 500 readings/s
  await delay(1500);
  await vm.stop();
  await delay(2500);
  const during = await health();
  assert.equal(during.components.sink?.state, "down");
  assert.match(during.components.sink?.message ?? "", /sink down/);
  assert.ok(Number(during.components.store?.details?.readings) > 0, "the store holds the outage");
  await vm.start();
  await delay(1500);
  await pub.stop();
  const total = pub.acked;
  assert.equal(total, pub.sent, "the broker acknowledged everything");
  const samples = await vm.waitFor('{__name__="grid_data_frequency"}', (s) => countSamples(s).distinct >= total, 30_000);
  const { distinct, duplicates } = countSamples(samples);
  assert.equal(distinct, total, `${total - distinct} readings missing`);
  assert.equal(duplicates, 0);
  const ids = new Set(samples.map((s) => s.labels.device_id));
  assert.deepEqual([...ids].sort(), DEVICES.map((d) => d.id));
  const afterwards = await health();
  assert.equal(afterwards.components.sink?.state, "ok");
  const status = await (await fetch(`${gb.addresses.http}/status`, { signal: AbortSignal.timeout(5000) })).json() as { outbox: { dropped: number; delivered: number; store: { readings: number } } };
  assert.equal(status.outbox.dropped, 0);
  assert.equal(status.outbox.store.readings, 0);
  const metrics = await (await fetch(`${gb.addresses.http}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  assert.match(metrics, /gridbox_outbox_delivered_readings_total \d+/);
  assert.match(metrics, /gridbox_store_bytes 0/);
  assert.match(metrics, /gridbox_sink_up 1/);
  assert.doesNotMatch(JSON.stringify(status) + JSON.stringify(afterwards) + gb.logLines.join("\n"), /broker-outage-token/);
});
