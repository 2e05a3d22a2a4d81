import { strict as assert } from "node:assert";
import { test } from "node:test";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { EntityStore, type Sender } from "../../../runtime/homeassistant/entity-store.ts";
import type { Publish } from "../../../runtime/homeassistant/mqtt-connection.ts";
import { Topics } from "../../../runtime/homeassistant/topics.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";

function fakeSender(): Sender & { sent: Array<{ topic: string; payload: string; opts: Publish }>; online: boolean } {
  const s = {
    online: true,
    sent: [] as Array<{ topic: string; payload: string; opts: Publish }>,
    get connected() { return s.online; },
    publish(topic: string, payload: string, opts: Publish) { if (!s.online) return false; s.sent.push({ topic, payload, opts }); return true; },
  };
  return s;
}

const device = { id: "gb_esp", name: "esp" };
function setup() {
  const clock = new FakeClock();
  const sender = fakeSender();
  const store = new EntityStore({ sender, clock, log: memoryLogger(), intervalMs: 5000, ctx: { topics: new Topics("homeassistant", "gridbox"), gridboxNodeId: "gb", origin: { name: "g", sw_version: "1", support_url: "u" } } });
  const e = store.declare({ component: "sensor", device, objectId: "frequency", name: "f" }, undefined, true);
  const states = () => sender.sent.filter((m) => m.topic === "gridbox/gb_esp/frequency/state").map((m) => m.payload);
  return { clock, sender, store, e, states };
}

test("the first change goes out at once, later ones at most every interval, newest wins", async () => {
  const { clock, store, e, states } = setup();
  store.set(e, 50.0);
  assert.deepEqual(states(), ["50"]);
  for (let i = 1; i <= 250; i++) { await clock.advance(20); store.set(e, 50 + i / 1000); } // 5 s of 50 Hz readings
  // the window closed at t=5000 just before the 250th reading: it carried the newest value then
  assert.deepEqual(states(), ["50", "50.249"], "one publish per 5 s window, carrying the newest value");
  await clock.advance(5000);
  assert.deepEqual(states(), ["50", "50.249", "50.25"], "the last reading follows one window later");
  await clock.advance(10_000);
  assert.equal(states().length, 3, "nothing new, nothing sent");
});

test("an unchanged value is not re-sent; null publishes Home Assistant's unknown", async () => {
  const { clock, store, e, states } = setup();
  store.set(e, 1);
  await clock.advance(6000);
  store.set(e, 1);
  assert.deepEqual(states(), ["1"]);
  store.set(e, null);
  assert.deepEqual(states(), ["1", "None"]);
});

test("disconnected: nothing queued; after connect announceAll sends every config and the current state once", async () => {
  const { clock, sender, store, e, states } = setup();
  sender.online = false;
  for (let i = 0; i < 100; i++) { store.set(e, i); await clock.advance(100); }
  assert.equal(sender.sent.length, 1, "only the config sent while online at declare time");
  sender.online = true;
  store.announceAll();
  assert.deepEqual(sender.sent.slice(1).map((m) => m.topic), ["homeassistant/sensor/gb_esp/frequency/config", "gridbox/gb_esp/frequency/state"]);
  assert.deepEqual(states(), ["99"]);
  assert.equal(sender.sent[1]?.opts.retain, true);
});

test("command topics route to the entity that declared a handler; re-declaring updates it", async () => {
  const { store } = setup();
  const got: string[] = [];
  store.declare({ component: "switch", device, objectId: "relay", name: "r" }, (p) => got.push(`a:${p}`), false);
  store.commandTarget("gridbox/gb_esp/relay/set")?.onCommand?.("ON");
  store.declare({ component: "switch", device, objectId: "relay", name: "r" }, (p) => got.push(`b:${p}`), false);
  store.commandTarget("gridbox/gb_esp/relay/set")?.onCommand?.("OFF");
  assert.deepEqual(got, ["a:ON", "b:OFF"]);
  assert.equal(store.commandTarget("gridbox/gb_esp/frequency/set"), undefined, "a sensor takes no commands");
});
