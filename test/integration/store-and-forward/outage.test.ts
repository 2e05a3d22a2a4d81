import { strict as assert } from "node:assert";
import { after, before, test } from "node:test";
import { countSamples, VictoriaMetrics } from "../../support/victoria-metrics.ts";
import { buildOutbox, delay, reading } from "./harness.ts";

/**
 * Outage against a real VictoriaMetrics: readings flow at a steady rate, the server is stopped
 * mid-run and started again while readings keep flowing. Every reading must end up in the server
 * exactly once per series and timestamp, and the store must be empty afterwards.
 */
let vm: VictoriaMetrics;
before(async () => { vm = await new VictoriaMetrics().start(); });
after(async () => { await vm.destroy(); });

test("an outage mid-run loses nothing and duplicates nothing", { timeout: 90_000 }, async () => {
  const h = buildOutbox({ url: vm.url, flushIntervalMs: 250, retry: { initialMs: 100, maxMs: 500 } });
  await h.outbox.start(new AbortController().signal);
  const t0 = Date.now() - 3_600_000;
  const perTick = 20; // 20 readings every 20 ms = 1000 readings/s
  let i = 0;
  const publish = async (ms: number): Promise<void> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const batch = Array.from({ length: perTick }, () => reading(i++, t0));
      h.outbox.write(batch);
      await delay(20);
    }
  };
  try {
    await publish(1500);
    await vm.stop();
    await publish(2500);
    const during = h.store.stats();
    assert.ok(during.readings > 0, "readings went to the store during the outage");
    assert.equal(h.outbox.sinkHealth().state, "down");
    await vm.start();
    await publish(1500);
    const total = i;
    const samples = await vm.waitFor('{__name__="sf_power_w"}', (s) => countSamples(s).distinct >= total, 30_000);
    const { distinct, duplicates } = countSamples(samples);
    assert.equal(distinct, total, `every published reading is in the server (${total - distinct} missing)`);
    assert.equal(duplicates, 0, "nothing written twice");
    // the store empties once the drainer has caught up
    for (let k = 0; k < 40 && !h.store.isEmpty; k++) await delay(100);
    assert.equal(h.store.totalsNow.readings, 0);
    const stats = h.outbox.stats();
    assert.equal(stats.dropped, 0);
    assert.equal(stats.delivered, total);
    assert.equal(h.outbox.sinkHealth().state, "ok");
  } finally {
    await h.outbox.stop();
    h.cleanup();
  }
});
