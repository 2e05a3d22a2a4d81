import { strict as assert } from "node:assert";
import { test } from "node:test";
import { ConfigError } from "../../../runtime/core/errors.ts";
import { HealthRegistry } from "../../../runtime/core/health.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { StatusRegistry } from "../../../runtime/core/status.ts";
import { Supervisor, type Unit } from "../../../runtime/core/supervisor.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";

/** The one lifecycle policy: start in order, retry a failed unit with backoff while neighbours run, stop in reverse, abort leaves nothing. */
function setup() {
  const clock = new FakeClock();
  const health = new HealthRegistry();
  const status = new StatusRegistry();
  const events: string[] = [];
  const sup = new Supervisor({ clock, log: memoryLogger("debug"), health, status, retry: { initialMs: 1000, maxMs: 8000 } });
  const unit = (name: string, failures = 0, opts: { error?: Error } = {}): Unit & { running: boolean } => {
    let left = failures;
    const u = {
      name, running: false,
      async start() { events.push(`start ${name}`); if (left-- > 0) throw opts.error ?? new Error(`${name} port taken`); u.running = true; },
      async stop() { events.push(`stop ${name}`); u.running = false; },
      health: () => ({ state: "ok" as const, message: `${name} fine` }),
      status: () => ({ name }),
    };
    return u;
  };
  return { clock, health, status, events, sup, unit };
}

test("a unit that fails to start is marked down and retried with backoff; its neighbours run", async () => {
  const { clock, health, events, sup, unit } = setup();
  const a = unit("a"); const b = unit("b", 2); const c = unit("c");
  await sup.add(a); await sup.add(b); await sup.add(c);
  assert.equal(a.running && c.running, true);
  assert.equal(b.running, false);
  const h = health.snapshot().components.b!;
  assert.equal(h.state, "down");
  assert.match(h.message ?? "", /^not started: b port taken; retry 2 in \d s$/);
  assert.equal(health.snapshot().status, "degraded");
  await clock.advance(1000); // first retry fails again
  assert.equal(b.running, false);
  await clock.advance(2000); // second retry succeeds
  assert.equal(b.running, true);
  assert.deepEqual(health.snapshot().components.b, { state: "ok", message: "b fine", critical: false });
  assert.deepEqual(events.filter((e) => e.endsWith(" b")), ["start b", "stop b", "start b", "stop b", "start b"]);
  await sup.stop();
  assert.deepEqual(events.slice(-3), ["stop c", "stop b", "stop a"]);
  assert.equal(clock.pending, 0);
});

test("a ConfigError is not retried; a unit that cannot even be built is shown down", async () => {
  const { clock, health, sup, unit } = setup();
  await sup.add(unit("x", 1, { error: new ConfigError("x needs a password", ["/sources/x/password: required"]) }));
  assert.equal(clock.pending, 0, "no retry timer");
  assert.match(health.snapshot().components.x!.message ?? "", /not started: x needs a password: \/sources\/x\/password: required/);
  sup.addBroken("y", new Error("no such module"));
  assert.equal(health.snapshot().components.y!.state, "down");
  sup.addDisabled("z", "z.enabled is false");
  assert.equal(health.snapshot().components.z!.state, "disabled");
});

test("a required unit that fails aborts the start: add() throws and stop() leaves nothing running", async () => {
  const { events, sup, unit, clock } = setup();
  const a = unit("a"); const retrying = unit("r", 5);
  await sup.add(a);
  await sup.add(retrying);
  await assert.rejects(sup.add(unit("http", 1), { required: true }), /http could not start: http port taken/);
  await sup.stop();
  assert.equal(a.running, false);
  assert.equal(clock.pending, 0, "the pending retry was cancelled");
  assert.deepEqual(events.slice(-3), ["stop http", "stop r", "stop a"]);
  await assert.rejects(sup.add(unit("late")), /stopping/);
});

test("stop during a retry's start waits for it and stops it", async () => {
  const { clock, sup, events } = setup();
  let release!: () => void;
  let attempts = 0;
  await sup.add({ name: "slow", start: () => { attempts++; if (attempts === 1) return Promise.reject(new Error("busy")); return new Promise<void>((r) => { release = r; }); }, stop: async () => { events.push("stop slow"); } });
  await clock.advance(1000);
  assert.equal(attempts, 2);
  const stopped = sup.stop();
  release();
  await stopped;
  assert.deepEqual(events, ["stop slow", "stop slow"]);
});
