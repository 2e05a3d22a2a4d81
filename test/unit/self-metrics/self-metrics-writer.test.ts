import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Bus } from "../../../runtime/core/bus.ts";
import type { Context } from "../../../runtime/core/component.ts";
import { noHomeAssistant } from "../../../runtime/core/home-assistant.ts";
import { SiteModel } from "../../../runtime/core/site-model.ts";
import { encodePoints } from "../../../runtime/core/line-protocol.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { counter, createMetrics, gauge, histogram } from "../../../runtime/core/metrics.ts";
import type { Point } from "../../../runtime/core/point.ts";
import { SelfMetricsWriter } from "../../../runtime/self-metrics/self-metrics-writer.ts";
import { InMemoryLatestValues } from "../../../runtime/state/latest-values.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 10, 30, 12));
  const metrics = createMetrics();
  const written: Point[][] = [];
  const ctx: Context = {
    log: memoryLogger("debug"), clock, bus: new Bus(), metrics, host: "pi", site: new SiteModel(clock, { gridMeter: "powerwall" }), ha: noHomeAssistant, latest: new InMemoryLatestValues(clock),
    points: { write: (b) => { written.push([...b]); return true; } },
  };
  return { clock, metrics, written, writer: new SelfMetricsWriter(ctx, 10_000) };
}

test("every interval: gridbox_* counters and gauges as measurement gridbox, one point per label set, histograms and NaN left out", async () => {
  const { clock, metrics, written, writer } = setup();
  const messages = counter(metrics, "gridbox_ingest_messages_total", "m", ["result", "reason"]);
  messages.inc({ result: "accepted" }, 5);
  messages.inc({ result: "rejected", reason: "bad_json" }, 2);
  gauge(metrics, "gridbox_sink_up", "s").set(1);
  gauge(metrics, "gridbox_wallbox_surplus_w", "w").set(Number.NaN);
  histogram(metrics, "gridbox_powerwall_poll_seconds", "h", [0.1, 1]).observe(0.2);
  counter(metrics, "other_total", "not ours").inc();
  await writer.start(new AbortController().signal);
  assert.equal(written.length, 0, "nothing before the first interval");
  await clock.advance(10_000);
  const lines = encodePoints(written.flat()).map((l) => l.replace(/ \d+$/, ""));
  const rss = lines.find((l) => l.startsWith("gridbox,host=pi ")) ?? "";
  assert.match(rss, /memory_heap_used_bytes=\d+,memory_rss_bytes=\d+,sink_up=1$/);
  assert.ok(lines.includes("gridbox,host=pi,result=accepted ingest_messages_total=5"), lines.join("\n"));
  assert.ok(lines.includes("gridbox,host=pi,reason=bad_json,result=rejected ingest_messages_total=2"));
  assert.equal(lines.length, 3, lines.join("\n"));
  assert.equal(written[0]?.[0]?.timeNs, BigInt(Date.UTC(2026, 10, 30, 12) + 10_000) * 1_000_000n);
  await clock.advance(10_000);
  assert.equal(written.length, 2, "again after the next interval");
  await writer.stop();
  assert.equal(clock.pending, 0, "stop() leaves no timer");
  await clock.advance(30_000);
  assert.equal(written.length, 2, "nothing after stop()");
});
