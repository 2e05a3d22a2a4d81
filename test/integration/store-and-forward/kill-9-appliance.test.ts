import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { BatchStore } from "../../../runtime/outbox/batch-store.ts";
import { encodeLine, gzipLinesSync } from "../../../runtime/outbox/line-batch.ts";
import { countSamples, VictoriaMetrics, type Sample } from "../../support/victoria-metrics.ts";
import { startGridboxChild, type ChildPorts, type GridboxChild } from "./gridbox-child.ts";
import { delay, reading } from "./harness.ts";
import { MeasurementPublisher } from "./mqtt-publisher.ts";

/**
 * kill -9 of the real appliance (`gridbox serve` as a child process, readings published through its
 * broker) during an InfluxDB outage and again mid-drain, then restarts on the same config and
 * ports. Readings missing from the server all sit within one flush window before a kill; the
 * stored backlog arrives completely; the store passes SQLite's integrity check after each kill.
 */
const FLUSH_MS = 300;
const PER_MESSAGE = 5;
const TICK_MS = 10; // 2 devices x 500 readings/s
const WINDOW = Math.ceil(((FLUSH_MS + 200) / TICK_MS) * PER_MESSAGE); // per device, with timer slack
const DEVICES = [{ id: "killdev00001", password: "kill-device-pw-1" }, { id: "killdev00002", password: "kill-device-pw-2" }];
const BACKLOG = 200_000;

let vm: VictoriaMetrics;
let dir: string;
before(async () => { vm = await new VictoriaMetrics().start(); dir = mkdtempSync(join(tmpdir(), "gridbox-kill9-app-")); });
after(async () => { await vm.destroy(); rmSync(dir, { recursive: true, force: true }); });

function integrity(path: string): string {
  const db = new Database(path, { readonly: true });
  try { return String(db.pragma("integrity_check", { simple: true })); } finally { db.close(); }
}

async function storeReadings(gb: GridboxChild): Promise<number> {
  const h = await (await fetch(`${gb.http}/health`, { signal: AbortSignal.timeout(5000) })).json() as { components: { store?: { details?: { readings?: number } } } };
  return Number(h.components.store?.details?.readings ?? -1);
}

test("kill -9 of gridbox serve during an outage and mid-drain: loss within one flush window, backlog complete", { timeout: 180_000 }, async () => {
  const storePath = join(dir, "outbox.db");
  const t0 = Date.now() - 3_600_000;
  const start = async (ports?: ChildPorts): Promise<GridboxChild> => startGridboxChild(dir, {
    devices: Object.fromEntries(DEVICES.map((d) => [d.id, d.password])), influxUrl: vm.url, storePath, ports,
    extra: `  flush_interval_ms: ${FLUSH_MS}\n  retry: { initial_ms: 100, max_ms: 500 }`,
  });
  const publish = async (gb: GridboxChild, from: number): Promise<MeasurementPublisher> => {
    const p = new MeasurementPublisher({ url: gb.mqtt, devices: DEVICES, t0Ms: t0, perMessage: PER_MESSAGE, tickMs: TICK_MS, startIndex: from });
    await p.connect();
    p.start();
    return p;
  };

  // 1. healthy, then the server goes away; kill -9 while the outage fills the store
  let gb = await start();
  let pub = await publish(gb, 0);
  await delay(1000);
  await vm.stop();
  await delay(2000);
  assert.ok((await storeReadings(gb)) > 0, "the outage is in the store");
  const kill1 = pub.perDevice();
  await gb.kill9();
  await pub.abandon();
  assert.equal(integrity(storePath), "ok");

  // 2. a long outage's backlog (measurement "bulk"), restart with the server still down, bring it
  // back and kill -9 once part of the backlog is drained
  // written as gridbox writes its store: in the sink's precision (the default, us), which the store
  // recorded on the first run (store-precision.ts)
  const bulk = new BatchStore(storePath, 1 << 30).open();
  for (let i = 0; i < BACKLOG; i += 5000) {
    bulk.append(gzipLinesSync(Array.from({ length: 5000 }, (_, j) => encodeLine(reading(i + j, t0, 4, "bulk"), "us") as string)), 5000);
  }
  const stored = bulk.totalsNow.readings;
  bulk.close();
  gb = await start(gb.ports);
  pub = await publish(gb, kill1);
  await delay(1000);
  await vm.start();
  let left = stored;
  for (let k = 0; k < 2000 && left > stored * 0.7; k++) { left = await storeReadings(gb); await delay(5); }
  const kill2 = pub.perDevice();
  await gb.kill9();
  await pub.abandon();
  assert.ok(left > 0 && left < stored, `killed mid-drain (${left} of ${stored} stored readings left)`);
  assert.equal(integrity(storePath), "ok");

  // 3. restart, publish a little more, stop cleanly (SIGTERM flushes), count in the server
  gb = await start(gb.ports);
  pub = await publish(gb, kill2);
  await delay(1500);
  await pub.stop();
  const total = pub.perDevice();
  await gb.stop();
  assert.equal(integrity(storePath), "ok");

  const grid = await vm.waitFor('{__name__="grid_data_frequency"}', (s) => countSamples(s).distinct >= DEVICES.length * (total - 2 * WINDOW), 30_000);
  const bulkSamples = await vm.waitFor('{__name__="bulk_power_w"}', (s) => countSamples(s).distinct >= BACKLOG, 30_000);
  assert.equal(countSamples(bulkSamples).distinct, BACKLOG, "the whole stored backlog arrived");
  const byDevice = new Map<string, Set<number>>();
  for (const s of grid) {
    const set = byDevice.get(s.labels.device_id as string) ?? new Set<number>();
    set.add(s.timestampMs - t0);
    byDevice.set(s.labels.device_id as string, set);
  }
  let missing = 0;
  for (const d of DEVICES) {
    const have = byDevice.get(d.id) ?? new Set<number>();
    for (let i = 0; i < total; i++) {
      if (have.has(i)) continue;
      missing++;
      const nearKill = (i < kill1 && i >= kill1 - WINDOW) || (i < kill2 && i >= kill2 - WINDOW);
      assert.ok(nearKill, `${d.id} reading ${i} is missing but was not within one flush window of a kill (kills at ${kill1}, ${kill2})`);
    }
  }
  const replayed = (xs: readonly Sample[]): void => {
    const first = new Map<string, number>();
    for (const s of xs) {
      const key = `${s.series}${JSON.stringify(s.labels)}@${s.timestampMs}`;
      const v = first.get(key);
      if (v !== undefined) assert.equal(s.value, v, `a second copy of ${key} is a byte-identical replay`);
      else first.set(key, s.value);
    }
  };
  replayed(grid);
  replayed(bulkSamples);
  process.stdout.write(`# appliance kill-9: ${total} readings per device, ${missing} missing (window ${WINDOW} per device and kill), duplicates grid=${countSamples(grid).duplicates} backlog=${countSamples(bulkSamples).duplicates}, killed mid-drain with ${left} of ${stored} left\n`);
});
