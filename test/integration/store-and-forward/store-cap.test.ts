import { strict as assert } from "node:assert";
import { after, test } from "node:test";
import { countSamples, freePort, VictoriaMetrics } from "../../support/victoria-metrics.ts";
import { buildOutbox, delay, reading } from "./harness.ts";

/**
 * The store's cap during a long outage: the oldest batches are dropped, and the number of readings
 * gridbox says it dropped is exactly the number missing in the (real) server afterwards.
 */
const vm = new VictoriaMetrics();
after(async () => { await vm.destroy(); });

test("at the store cap the oldest are dropped, and the drop count equals what the server misses", { timeout: 90_000 }, async () => {
  vm.port = await freePort(); // the server is down from the start; we know where it will be
  const h = buildOutbox({ url: vm.url, flushIntervalMs: 100, maxBytes: 64 * 1024, retry: { initialMs: 100, maxMs: 300 } });
  await h.outbox.start(new AbortController().signal);
  const t0 = Date.now() - 3_600_000;
  let i = 0;
  try {
    const end = Date.now() + 4000;
    while (Date.now() < end) {
      h.outbox.write(Array.from({ length: 100 }, () => reading(i++, t0, 4, "cap")));
      await delay(10);
    }
    await h.outbox.flush();
    const total = i;
    const dropped = h.outbox.stats().dropped;
    assert.ok(dropped > 0, `the cap was reached (${total} written, ${h.store.totalsNow.bytes} bytes stored)`);
    assert.equal(h.store.stats().dropped, dropped, "persisted drop counter matches");
    assert.match(h.log.lines.join("\n"), /store full .* dropped the oldest/);
    assert.equal(h.outbox.storeHealth().state, "degraded", "a store near its cap is degraded");
    await vm.start();
    await delay(500);
    for (let k = 0; k < 100 && !h.store.isEmpty; k++) await delay(100);
    assert.ok(h.store.isEmpty, "the drain emptied the store");
    const samples = await vm.waitFor('{__name__="cap_power_w"}', (s) => countSamples(s).distinct >= total - dropped, 20_000);
    const { distinct, duplicates, keys } = countSamples(samples);
    process.stdout.write(`# total=${total} dropped=${dropped} delivered=${h.outbox.stats().delivered} distinct=${distinct} stored=${h.store.totalsNow.readings}\n`);
    assert.equal(duplicates, 0);
    assert.equal(total - distinct, dropped, "missing in the server = counted as dropped");
    // and they are the oldest: every missing index is below every present one
    let firstPresent = total;
    for (let k = 0; k < total; k++) if (keys.has(`cap_power_w${JSON.stringify({ device: `d${k % 4}`, site: "test" })}@${t0 + k}`)) { firstPresent = k; break; }
    assert.equal(firstPresent, dropped, "exactly the oldest readings were dropped");
  } finally {
    await h.outbox.stop();
    h.cleanup();
  }
});
