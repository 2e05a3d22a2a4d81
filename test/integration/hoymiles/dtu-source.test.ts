import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { hoymilesSection, type HoymilesConfig } from "../../../runtime/sources/hoymiles/config.ts";
import { TAG } from "../../../runtime/sources/hoymiles/frame.ts";
import { HoymilesSource } from "../../../runtime/sources/hoymiles/source.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";
import { startDtuSimulator, type DtuSimulator } from "../../sim/hoymiles/dtu-simulator.ts";
import { testContext } from "../powerwall/support.ts";
import { drive, gaps } from "./drive.ts";

/**
 * gridbox's DTU client against the DTU simulator over real TCP sockets, on a fake clock both share:
 * all fields, paging, encryption, the failure modes, and the spacing the client keeps, measured
 * from the simulator's arrival times.
 */
const config = (sims: DtuSimulator[], over: Partial<HoymilesConfig> = {}): HoymilesConfig => Value.Default(hoymilesSection, {
  enabled: true, dtus: sims.map((s, i) => ({ name: `dtu${i + 1}`, host: s.address.host, port: s.address.port })), ...over,
}) as HoymilesConfig;

async function setup(simOpts: Parameters<typeof startDtuSimulator>[0][] = [{}], over: Partial<HoymilesConfig> = {}) {
  const clock = new FakeClock(Date.UTC(2026, 5, 21, 10, 0, 0));
  const sims = await Promise.all(simOpts.map((o) => startDtuSimulator({ clock, ...o })));
  const ctx = testContext(clock);
  const source = new HoymilesSource(ctx, config(sims, over));
  const links = source.pollers.map((p) => p.link);
  await source.start(new AbortController().signal);
  const run = (ms: number): Promise<void> => drive(clock, ms, links, sims);
  const done = async (): Promise<void> => { await source.stop(); await Promise.all(sims.map((s) => s.stop())); };
  return { clock, sims, sim: sims[0] as DtuSimulator, ctx, source, run, done };
}

test("a paged plaintext DTU: every inverter and port read, requests 2 s apart, polls 60 s apart, one at a time", async () => {
  const t = await setup([{ invertersPerPage: 1 }]);
  try {
    await t.run(3 * 60_000 + 10_000);
    const reqs = t.sim.requests;
    // app information once, then RealDataNew pages 0,1,2 per poll
    assert.deepEqual(reqs.slice(0, 4).map((r) => (r.tag === TAG.appInfoRequest ? "info" : `cp${r.cp}`)), ["info", "cp0", "cp1", "cp2"]);
    assert.ok(reqs.every((r) => r.answered), JSON.stringify(reqs.filter((r) => !r.answered)));
    assert.ok(Math.min(...gaps(reqs.map((r) => r.atMs))) >= 2000, `request spacing ${gaps(reqs.map((r) => r.atMs))}`);
    // a poll starts with app information (first poll) or page 0
    const starts = reqs.filter((r, i) => r.tag === TAG.appInfoRequest || (r.cp === 0 && reqs[i - 1]?.tag !== TAG.appInfoRequest)).map((r) => r.atMs);
    assert.equal(starts.length, 4);
    assert.deepEqual(gaps(starts), [60_000, 60_000, 60_000], "poll interval measured at the DTU");
    assert.ok(Math.min(...gaps(reqs.filter((r) => r.cp === 0).map((r) => r.atMs))) >= 35_000, "page 0 never asked for within 35 s");
    assert.equal(t.sim.maxConcurrent, 1);
    const last = t.ctx.written.slice(-(1 + 3 + 8));
    assert.deepEqual(last.map((p) => p.measurement), ["dtu", "inverter", "inverter", "inverter", ...Array(8).fill("port")]);
    const dtu = last[0];
    assert.equal(dtu?.tags.dtu_serial, t.sim.serial);
    assert.equal(dtu?.fields.pv_power, 3295, "8 ports at full sun, DC");
    assert.deepEqual(Object.keys(last[4]?.fields ?? {}).sort(), ["pv_current", "pv_power", "pv_voltage", "today_production", "total_production"]);
    assert.equal(t.source.health().state, "ok");
    // the DTU's AC total is the site's PV (this DTU's share)
    const pv = t.ctx.site.snapshot().pvW;
    assert.deepEqual([pv?.source, pv?.value], ["hoymiles:dtu1", 3146.7]);
  } finally { await t.done(); }
});

test("an encrypted DTU: the client learns enc_rand from the app information and reads sealed pages", async () => {
  const t = await setup([{ encrypted: true }]);
  try {
    await t.run(10_000);
    const reqs = t.sim.requests;
    assert.deepEqual(reqs.map((r) => [r.tag === TAG.appInfoRequest ? "info" : `cp${r.cp}`, r.answered]), [["info", true], ["cp0", true], ["cp1", true]]);
    // sealed requests carry the 16-byte GCM tag beyond the length field
    const sealed = Buffer.from(reqs[1]?.hex ?? "", "hex");
    assert.equal(sealed.readUInt16BE(8) + 16, sealed.length);
    assert.equal(t.ctx.written.filter((p) => p.measurement === "port").length, 8);
    assert.equal((t.source.status().dtu1 as { encrypted: boolean }).encrypted, true);
  } finally { await t.done(); }
});

test("failure modes: silence, a dropped connection mid-frame and a bad CRC each fail one poll, back off, and recover", async () => {
  const t = await setup([{}]);
  try {
    await t.run(10_000);
    const good = t.ctx.written.length;
    assert.ok(good > 0);
    const poller = t.source.pollers[0]!;
    for (const [fault, failure] of [["silent", "timeout"], ["dropMidFrame", "closed"], ["badCrc", "crc"]] as const) {
      t.sim.faults[fault] = 1;
      const before = poller.loop.stats();
      await t.run(60_000);
      assert.equal(poller.loop.stats().failures, before.failures + 1, `${fault} fails the poll`);
      assert.equal(poller.link.stats.failures[failure], 1, `${fault} is seen as ${failure}`);
      assert.equal(t.source.health().state, "degraded");
      assert.match(t.source.health().message ?? "", /dtu1: 1 failed poll/);
      // after the failure: app information again, then data (backoff: 1st failure waits one interval)
      await t.run(60_000);
      assert.equal(poller.loop.stats().successes, before.successes + 1, `recovers after ${fault}`);
      assert.equal(t.source.health().state, "ok");
    }
    const arrivals = t.sim.requests.map((r) => r.atMs);
    assert.ok(Math.min(...gaps(arrivals)) >= 2000, "spacing kept across failures and retries");
    assert.ok(t.sim.requests.every((r) => r.why === undefined || r.why.startsWith("fault")), "never polled too fast");
  } finally { await t.done(); }
});

test("consecutive failures back off (60 s, up to 120 s, up to 240 s … max_backoff_ms, jittered) and never poll the DTU into a hang", async () => {
  const t = await setup([{}], { max_backoff_ms: 240_000 });
  try {
    t.sim.faults.silent = 1000;
    await t.run(20 * 60_000);
    const info = t.sim.requests.filter((r) => r.tag === TAG.appInfoRequest).map((r) => r.atMs);
    // each attempt = app info (times out after 10 s); the shared poll loop waits interval, then
    // doubling with equal jitter (half fixed, half random) up to max_backoff_ms, never below interval
    const g = gaps(info);
    const ceilings = [60_000, 120_000, 240_000, 240_000, 240_000];
    assert.ok(g.length >= 5, `attempts ${g}`);
    ceilings.forEach((c, i) => assert.ok((g[i] as number) >= Math.max(60_000, c / 2) && (g[i] as number) <= c, `gap ${i}: ${g[i]} not in [${Math.max(60_000, c / 2)}, ${c}]`));
    // every request's 10 s timeout has fired, except one that arrived in the run's last 10 s (jitter decides)
    const timedOut = info.filter((at) => at + 10_000 <= t.clock.nowMs()).length;
    const timeouts = t.source.pollers[0]?.link.stats.failures.timeout ?? -1;
    assert.ok(timeouts >= timedOut && timeouts <= info.length, `timeouts ${timeouts}: ${timedOut} due of ${info.length} asked`);
  } finally { await t.done(); }
});

test("a client polling faster than the DTU allows hangs it (the simulator's silence); the default interval never does", async () => {
  // 10 s: below the schema's 35 s floor, as a hand-built config could be
  const fast = await setup([{}], { interval_ms: 10_000 });
  try {
    const p = fast.source.pollers[0]!;
    await fast.run(40_000);
    assert.ok(fast.sim.hungUntilMs > fast.clock.nowMs(), "the DTU hung");
    assert.ok(fast.sim.requests.some((r) => r.why === "hung: polled too fast"));
    assert.ok(p.loop.stats().failures >= 1);
  } finally { await fast.done(); }
  const ok = await setup([{}]);
  try {
    await ok.run(30 * 60_000);
    assert.equal(ok.sim.hungUntilMs, 0);
    assert.ok(ok.sim.requests.length >= 2 * 30 && ok.sim.requests.every((r) => r.answered));
  } finally { await ok.done(); }
});

test("night: inverters offline give 0 W and no counters; two DTUs are polled each on its own", async () => {
  const t = await setup([{}, { serial: "414373A09999", inverters: [{ serial: "112233445566", ports: 1 }] }]);
  try {
    t.sims[0]!.plant.irradiance = 0;
    await t.run(10_000);
    const dtus = t.ctx.written.filter((p) => p.measurement === "dtu");
    const night = dtus.find((p) => p.tags.dtu_name === "dtu1");
    const day = dtus.find((p) => p.tags.dtu_name === "dtu2");
    assert.deepEqual(night?.fields, { pv_power: 0, alarm_flag: false });
    assert.equal(day?.tags.dtu_serial, "414373A09999");
    assert.equal(day?.fields.pv_power, 400);
    const nightInverters = t.ctx.written.filter((p) => p.measurement === "inverter" && p.tags.dtu_name === "dtu1");
    assert.ok(nightInverters.every((p) => JSON.stringify(p.fields) === JSON.stringify({ alarm_count: { int: 0 }, link_status: { int: 0 } })));
    assert.ok(t.sims.every((s) => s.maxConcurrent === 1));
  } finally { await t.done(); }
});
