import type { Clock, TimerHandle } from "../../runtime/core/clock.ts";
import type { HomeAssistantBridge } from "../../runtime/core/home-assistant.ts";
import { memoryLogger } from "../../runtime/core/log.ts";
import { msToNs, type Point } from "../../runtime/core/point.ts";
import { EntityStore, type Sender } from "../../runtime/homeassistant/entity-store.ts";
import { Topics } from "../../runtime/homeassistant/topics.ts";
import { GridMonitorEntities } from "../../runtime/ingest/ha-entities.ts";
import { print } from "./bench-kit.ts";

/**
 * Home Assistant's share of the ingest hot path: ingest hands every accepted reading to the
 * monitors' entities synchronously. 100 ESP32s at 50 Hz for 60 simulated seconds (300,000 readings,
 * 4 fields each) go through GridMonitorEntities (runtime/ingest/ha-entities.ts) and the publisher's
 * entity store with its per-entity throttle (5 s) on a manual clock, with a sender that only counts. Prints the cost per reading and how many MQTT publishes remain.
 */
const DEVICES = 100, RATE_HZ = 50, SECONDS = 60, INTERVAL_MS = 5000;

let now = 1_700_000_000_000;
const timers = new Map<object, { at: number; fn: () => void }>();
const clock: Clock = {
  nowMs: () => now,
  setTimeout(fn, ms) { const h = {}; timers.set(h, { at: now + ms, fn }); return h as TimerHandle; },
  clearTimeout(h) { timers.delete(h as object); },
};
const fire = (): void => { for (const [h, t] of [...timers]) if (t.at <= now) { timers.delete(h); t.fn(); } };

let publishes = 0;
const sender: Sender = { connected: true, publish: () => { publishes++; return true; } };
const store = new EntityStore({ sender, clock, log: memoryLogger("error"), intervalMs: INTERVAL_MS, ctx: { topics: new Topics("homeassistant", "gridbox"), gridboxNodeId: "gb", origin: { name: "g", sw_version: "1", support_url: "u" } } });
// the publisher's bridge methods over the same store (publisher.ts declare / setDeviceAvailable)
const ha: HomeAssistantBridge = {
  gridboxDeviceId: "gb",
  declare: (spec) => { const e = store.declare(spec, undefined, spec.followsDevice === true); return { publish: (s) => store.set(e, s) }; },
  setDeviceAvailable: () => {},
};
const monitors = new GridMonitorEntities({ ha, gridboxDeviceId: "gb", log: memoryLogger("error"), maxDevices: 1000 });

const tags = Array.from({ length: DEVICES }, (_, d) => Object.freeze({ device_id: `02${d.toString(16).padStart(10, "0")}`, host: "bench", source: "mqtt" }));
const ids = tags.map((t) => t.device_id);
const total = DEVICES * RATE_HZ * SECONDS;
let elapsedNs = 0n;
for (let step = 0; step < RATE_HZ * SECONDS; step++) {
  now += 1000 / RATE_HZ;
  fire();
  const batch: Point[][] = [];
  for (let d = 0; d < DEVICES; d++) {
    batch.push([{ measurement: "grid_data", tags: tags[d] as Point["tags"], fields: { frequency: 50 + Math.sin(step / 50 + d) * 0.05, voltage: 230 + (step % 7) / 10, current: 1.2, power: 276 + (step % 5) }, timeNs: msToNs(now) }]);
  }
  const t0 = process.hrtime.bigint();
  for (let d = 0; d < DEVICES; d++) monitors.onPoints(ids[d] as string, batch[d] as Point[]);
  elapsedNs += process.hrtime.bigint() - t0;
}
const entities = DEVICES * 4;
print("ha_listener_ns_per_reading", Number(elapsedNs) / total, `${total} readings, 4 fields each, through the monitors' entities + throttle`);
print("ha_listener_readings_per_s", Math.round(total / (Number(elapsedNs) / 1e9)), "single core");
print("ha_publishes_per_reading", publishes / total, `${publishes} MQTT publishes (configs + throttled states) for ${total} readings`);
print("ha_state_publishes_per_entity_per_min", (publishes - entities) / entities / (SECONDS / 60), `throttle ${INTERVAL_MS} ms: at most ${60_000 / INTERVAL_MS + 1}`);
