import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { loadFixtures } from "../../../firmware-protocol/fixtures.ts";
import { DeviceIngest } from "../../../runtime/ingest/device-ingest.ts";
import { Bus } from "../../../runtime/core/bus.ts";
import type { Clock } from "../../../runtime/core/clock.ts";
import type { Context } from "../../../runtime/core/component.ts";
import { noHomeAssistant } from "../../../runtime/core/home-assistant.ts";
import { encodePoints } from "../../../runtime/core/line-protocol.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { createMetrics } from "../../../runtime/core/metrics.ts";
import type { Point } from "../../../runtime/core/point.ts";
import { SiteModel } from "../../../runtime/core/site-model.ts";
import { InMemoryLatestValues } from "../../../runtime/state/latest-values.ts";

const NOW_MS = Date.parse("2026-11-25T12:00:00Z");
const clock: Clock = { nowMs: () => NOW_MS, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

async function setup(opts: { backpressure?: boolean } = {}) {
  const written: Point[][] = [];
  const log = memoryLogger("debug");
  const bus = new Bus();
  const ctx: Context = {
    log, clock, bus, metrics: createMetrics(), host: "pi", ha: noHomeAssistant, site: new SiteModel(clock, { gridMeter: "esp32:grid-meter-1" }), latest: new InMemoryLatestValues(clock),
    points: { write: (b) => { written.push([...b]); return !opts.backpressure; } },
  };
  const ingest = new DeviceIngest(ctx, { minValidTime: "2020-01-01T00:00:00Z", maxFutureSkewS: 300, maxPayloadBytes: 4096, homeAssistantMaxDevices: 64 });
  await ingest.start(new AbortController().signal);
  return { ingest, written, log, bus, ctx };
}
const bytes = (s: string): Uint8Array => Buffer.from(s);

describe("every shared fixture through ingest", async () => {
  for (const f of loadFixtures()) {
    test(`${f.file}: ${f.name}`, async () => {
      const { ingest, written } = await setup();
      ingest.published(f.topic, bytes(f.payload), false);
      const s = ingest.stats;
      if ("accepted" in f.expect) {
        assert.equal(s.accepted, 1);
        assert.equal(s.rejectedTotal, 0);
        const pts = written.flat();
        assert.equal(pts.length, f.expect.accepted);
        for (const p of pts) {
          assert.equal(p.fields.time_source, f.expect.time_source, "time_source field");
          if (f.expect.time_source === "gateway") assert.equal(p.timeNs, BigInt(NOW_MS) * 1_000_000n);
        }
      } else {
        assert.equal(s.accepted, 0);
        assert.equal(s.rejected[f.expect.rejected as keyof typeof s.rejected], 1, `counted as ${f.expect.rejected}`);
        assert.equal(written.length, 0);
      }
    });
  }
});

describe("points", () => {
  test("grid_data: floats; tags device_id, source, host; µs -> ns exactly", async () => {
    const { ingest, written } = await setup();
    ingest.published("open_grid_monitor/aabbccddeeff/measurement", bytes('{"timestamp":1764072000123456,"frequency":50,"voltage":230.5,"current":2,"power":-461}'), false);
    const [p] = written.flat();
    assert.ok(p);
    assert.deepEqual(encodePoints([p]), ["grid_data,device_id=aabbccddeeff,host=pi,source=mqtt current=2,frequency=50,power=-461,voltage=230.5 1764072000123456000"]);
  });

  test("device_status: rssi and free_heap as integers, online as boolean; birth adds protocol", async () => {
    const { ingest, written } = await setup();
    ingest.published("open_grid_monitor/aabbccddeeff/status", bytes('{"timestamp":1764072000000000,"rssi":-61,"free_heap":183452}'), false);
    ingest.published("open_grid_monitor/aabbccddeeff/status", bytes('{"online":true,"protocol":1,"timestamp":1764072000000000}'), true);
    const lines = encodePoints(written.flat());
    assert.deepEqual(lines, [
      "device_status,device_id=aabbccddeeff,host=pi,source=mqtt free_heap=183452i,online=true,rssi=-61i 1764072000000000000",
      "device_status,device_id=aabbccddeeff,host=pi,source=mqtt online=true,protocol=1i 1764072000000000000",
    ]);
  });

  test("device_logs: level, message, module strings", async () => {
    const { ingest, written } = await setup();
    ingest.published("open_grid_monitor/aabbccddeeff/logs", bytes('{"timestamp":1764072000000000,"level":"warn","message":"say \\"hi\\"","module":"main"}'), false);
    assert.deepEqual(encodePoints(written.flat()), ['device_logs,device_id=aabbccddeeff,host=pi,source=mqtt level="warn",message="say \\"hi\\"",module="main" 1764072000000000000']);
  });
});

  test("a device whose clock syncs stays one series: time_source is a field on the receive-time points, not a tag", async () => {
    const { ingest, written } = await setup();
    ingest.published("open_grid_monitor/aabbccddeeff/measurement", bytes('{"timestamp":5000000,"frequency":50,"voltage":230}'), false);
    ingest.published("open_grid_monitor/aabbccddeeff/measurement", bytes('{"timestamp":1764072000123456,"frequency":50.01,"voltage":230}'), false);
    assert.deepEqual(encodePoints(written.flat()), [
      `grid_data,device_id=aabbccddeeff,host=pi,source=mqtt frequency=50,time_source="gateway",voltage=230 ${BigInt(NOW_MS) * 1_000_000n}`,
      "grid_data,device_id=aabbccddeeff,host=pi,source=mqtt frequency=50.01,voltage=230 1764072000123456000",
    ]);
  });

describe("presence, robustness, accounting", () => {
  test("birth -> device.online, last will -> device.offline, and status remembers the protocol version", async () => {
    const { ingest, bus } = await setup();
    const events: string[] = [];
    bus.on("device.online", (id) => events.push(`online:${id}`));
    bus.on("device.offline", (id) => events.push(`offline:${id}`));
    ingest.published("open_grid_monitor/aabbccddeeff/status", bytes('{"online":true,"protocol":1,"firmware":"1.2.3"}'), true);
    ingest.published("open_grid_monitor/aabbccddeeff/status", bytes('{"online":false}'), true);
    assert.deepEqual(events, ["online:aabbccddeeff", "offline:aabbccddeeff"]);
    const dev = (ingest.status().devices as Record<string, { online: boolean; protocol: number; firmware: string; lastMessage: string }>).aabbccddeeff;
    assert.deepEqual({ online: dev?.online, protocol: dev?.protocol, firmware: dev?.firmware }, { online: false, protocol: 1, firmware: "1.2.3" });
    assert.equal(dev?.lastMessage, new Date(NOW_MS).toISOString());
  });

  test("other topics are not device messages: not counted; commands to devices are ignored", async () => {
    const { ingest } = await setup();
    ingest.published("homeassistant/status", bytes("online"), false);
    ingest.published("open_grid_monitor/aabbccddeeff/commands/restart", bytes("{}"), false);
    assert.equal(ingest.stats.accepted + ingest.stats.rejectedTotal, 0);
  });

  test("oversized payloads are rejected before parsing", async () => {
    const { ingest } = await setup();
    ingest.published("open_grid_monitor/aabbccddeeff/measurement", bytes(JSON.stringify({ timestamp: 1764072000000000, frequency: 50, voltage: 230, pad: "x".repeat(5000) })), false);
    assert.equal(ingest.stats.rejected.oversized, 1);
  });

  test("a flood of bad messages logs at most one line per reason and device per interval", async () => {
    const { ingest, log } = await setup();
    for (let i = 0; i < 500; i++) ingest.published("open_grid_monitor/aabbccddeeff/measurement", bytes("not json"), false);
    assert.equal(ingest.stats.rejected.bad_json, 500);
    assert.equal(log.lines.filter((l) => l.includes("dropped")).length, 1);
  });

  test("outbox back-pressure is counted, the reading is still handed over", async () => {
    const { ingest, written } = await setup({ backpressure: true });
    ingest.published("open_grid_monitor/aabbccddeeff/measurement", bytes('{"timestamp":1764072000000000,"frequency":50,"voltage":230}'), false);
    assert.equal(written.length, 1);
    assert.equal(ingest.stats.outboxBackpressure, 1);
  });

  test("metrics: gridbox_ingest_messages_total by result and reason", async () => {
    const { ingest, ctx } = await setup();
    ingest.published("open_grid_monitor/aabbccddeeff/measurement", bytes('{"timestamp":1764072000000000,"frequency":50,"voltage":230}'), false);
    ingest.published("open_grid_monitor/aabbccddeeff/measurement", bytes("{"), false);
    ingest.published("open_grid_monitor/aabbccddeeff/nope", bytes("{}"), false);
    const text = await ctx.metrics.metrics();
    assert.match(text, /gridbox_ingest_messages_total\{result="accepted",reason=""\} 1/);
    assert.match(text, /gridbox_ingest_messages_total\{result="rejected",reason="bad_json"\} 1/);
    assert.match(text, /gridbox_ingest_messages_total\{result="rejected",reason="unknown_type"\} 1/);
    assert.match(text, /gridbox_ingest_points_total\{measurement="grid_data"\} 1/);
  });

  test("after stop() nothing is ingested", async () => {
    const { ingest, written } = await setup();
    await ingest.stop();
    ingest.published("open_grid_monitor/aabbccddeeff/measurement", bytes('{"timestamp":1764072000000000,"frequency":50,"voltage":230}'), false);
    assert.equal(written.length, 0);
    assert.equal(ingest.health().state, "down");
  });
});
