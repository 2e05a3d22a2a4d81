import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulatedDeviceIds, startSimulator, type RunningSimulator } from "../../firmware-protocol/simulator/device-simulator.ts";
import { parseConfig } from "../../runtime/config/load.ts";
import { memoryLogger } from "../../runtime/core/log.ts";
import { hashPassword } from "../../runtime/core/password-hash.ts";
import { startGridbox, type Gridbox } from "../../runtime/main.ts";
import { InfluxV1Sink } from "../../runtime/sinks/influx-v1-sink.ts";
import { startDtuSimulator } from "../sim/hoymiles/dtu-simulator.ts";
import { buildOutbox, type Harness } from "../integration/store-and-forward/harness.ts";
import { startDemoPowerwall } from "../sim/powerwall/demo-site.ts";
import { startDemoWallbox } from "../sim/wallbox/demo-wallbox.ts";
import { InfluxDB1 } from "../support/influxdb1.ts";
import { VictoriaMetrics } from "../support/victoria-metrics.ts";

/**
 * The whole demo site, for `make demo` and for tests that need data gridbox wrote: simulated ESP32
 * grid monitors over the embedded broker (the first seconds with an unsynced clock, as after a
 * boot), a simulated Powerwall polled over its real wire protocol, a go-e wallbox with a car
 * charging from solar surplus, a Hoymiles DTU with its inverters (TCP 10081 protocol), Home
 * Assistant discovery. Readings go to a real VictoriaMetrics
 * (gridbox's configured sink) and, when `influxdb1` is set, the same points also to a real
 * InfluxDB 1.6 through the InfluxDB 1.x sink and a second outbox.
 */
export interface DemoOptions {
  devices?: number;
  rateHz?: number;
  httpPort?: number;
  mqttPort?: number;
  /** `tedapi`: a Powerwall 3 with strings A-F; `local`: a Powerwall+ */
  powerwall?: "local" | "tedapi";
  powerwallIntervalMs?: number;
  unsyncedForS?: number;
  statusEveryS?: number;
  logChance?: number;
  /** outbox.self_metrics_ms (default 10 s) */
  selfMetricsMs?: number;
  victoriaMetrics?: boolean;
  influxdb1?: boolean;
  quiet?: boolean;
}

export interface DemoSite {
  gb: Gridbox;
  sim: RunningSimulator;
  vm: VictoriaMetrics | undefined;
  influx: { db: InfluxDB1; database: string; outbox: Harness } | undefined;
  haPassword: string;
  deviceIds: string[];
  /** a device account (password `devicePassword`) that no simulated device uses */
  spareDeviceId: string;
  devicePassword: string;
  stop(): Promise<void>;
}

export async function startDemoSite(o: DemoOptions = {}): Promise<DemoSite> {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-demo-"));
  const vm = o.victoriaMetrics ? await new VictoriaMetrics(join(dir, "vm")).start() : undefined;
  const db = o.influxdb1 ? await new InfluxDB1().start() : undefined;
  if (db) await db.query("CREATE DATABASE gridbox");

  const devicePassword = "demo-device-password";
  const haPassword = "demo-homeassistant-password";
  const ids = simulatedDeviceIds(o.devices ?? 3);
  // an account no simulated device uses, for a test's own device messages
  const [spareId] = simulatedDeviceIds(1, 0xff0);
  const deviceHash = await hashPassword(devicePassword);
  const pw = await startDemoPowerwall({ mode: o.powerwall ?? "local", dir, scenario: "day", solarPeakW: 10_000, intervalMs: o.powerwallIntervalMs ?? 5000 });
  const wb = await startDemoWallbox({ driver: "goe", mode: "solar" });
  const stopCoupling = wb.coupleTo(pw.sim.state.physics);
  const dtu = await startDtuSimulator();

  const { config, secrets } = parseConfig({
    site: { name: "demo" },
    log: { level: "warn" },
    http: { host: "127.0.0.1", port: o.httpPort ?? 0 },
    broker: {
      tcp: { host: "127.0.0.1", port: o.mqttPort ?? 0 },
      ws: { host: "127.0.0.1", port: 0 },
      devices: Object.fromEntries([...ids, spareId].map((id) => [id, { password_hash: deviceHash }])),
      clients: { "gridbox-homeassistant": { password_hash: await hashPassword(haPassword), publish: ["homeassistant/#", "gridbox/#"], subscribe: ["homeassistant/status", "gridbox/+/+/set"] } },
    },
    homeassistant: { enabled: true, mqtt: { broker: "embedded", username: "gridbox-homeassistant", password: haPassword } },
    // the Hoymiles source through its registry line, as a user configures it (it polls at once, then every 35 s)
    sources: { powerwall: pw.config, hoymiles: { enabled: true, name: "DTU", host: dtu.address.host, port: dtu.address.port, interval_ms: 35_000 } },
    wallbox: wb.config,
    outbox: { store: { path: join(dir, "outbox.db") }, ...(o.selfMetricsMs !== undefined ? { self_metrics_ms: o.selfMetricsMs } : {}) },
    ...(vm ? { sink: { type: "influxdb", influxdb: { url: vm.url, org: "demo", bucket: "demo" } } } : {}),
  });
  const gb = await startGridbox({ config, secrets, path: "demo", warnings: [] }, o.quiet ? { log: memoryLogger("warn") } : {});
  let influx: DemoSite["influx"];
  if (db) {
    const outbox = buildOutbox({ url: db.url, precision: "us", flushIntervalMs: 250, sink: new InfluxV1Sink({ url: db.url, database: "gridbox", precision: "us", timeoutMs: 5000 }) });
    await outbox.outbox.start(new AbortController().signal);
    gb.ctx.bus.on("points", (b) => { outbox.outbox.write(b); });
    influx = { db, database: "gridbox", outbox };
  }
  const rateHz = o.rateHz ?? 10;
  const sim = startSimulator({
    url: gb.addresses.mqtt as string, devices: ids.map((id) => ({ id, password: devicePassword })), rateHz, batch: Math.max(1, Math.round(rateHz / 5)),
    ...(o.unsyncedForS ? { unsyncedForS: o.unsyncedForS } : {}),
    ...(o.statusEveryS ? { statusEveryS: o.statusEveryS } : {}),
    ...(o.logChance !== undefined ? { logChance: o.logChance } : {}),
  });

  return {
    gb, sim, vm, influx, haPassword, deviceIds: ids, spareDeviceId: spareId as string, devicePassword,
    async stop() {
      await sim.stop();
      await gb.stop();
      stopCoupling();
      await wb.stop();
      await pw.sim.stop();
      await dtu.stop();
      if (influx) { await influx.outbox.outbox.stop(); influx.outbox.cleanup(); await influx.db.destroy(); }
      await vm?.destroy();
    },
  };
}
