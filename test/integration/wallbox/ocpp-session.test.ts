import { strict as assert } from "node:assert";
import { after, test } from "node:test";
import { RPCClient } from "ocpp-rpc";
import { systemClock } from "../../../runtime/core/clock.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { OcppCentralSystem } from "../../../runtime/wallbox/drivers/ocpp/central-system.ts";
import { Car } from "../../sim/wallbox/car.ts";
import { SimulatedChargePoint } from "../../sim/wallbox/ocpp-charge-point.ts";
import { wallboxConfig } from "../../unit/wallbox/test-context.ts";
import { until } from "./until.ts";

/** Full OCPP 1.6J sessions between our central system and the simulated charge point over a real WebSocket. */
const PASSWORD = "cp-secret-7781";


async function setup(ocpp: Record<string, unknown> = {}, cp: Partial<ConstructorParameters<typeof SimulatedChargePoint>[0]> = {}) {
  const config = wallboxConfig({ ocpp: { host: "127.0.0.1", port: 0, charge_point_id: "CP1", password: PASSWORD, id_tags: ["04A1B2C3"], call_timeout_ms: 2000, ...ocpp } });
  const log = memoryLogger("debug");
  const cs = new OcppCentralSystem({ config: config.ocpp, phases: 3, log, clock: systemClock });
  const abort = new AbortController();
  await cs.start(abort.signal);
  const sim = new SimulatedChargePoint({ endpoint: cs.address ?? "", identity: "CP1", password: PASSWORD, meterIntervalMs: 50, car: new Car({ pluggedIn: false }), ...cp });
  after(async () => { await sim.stop(); await cs.stop(); });
  const signal = (): AbortSignal => AbortSignal.timeout(3000);
  return { cs, sim, log, signal };
}

test("boot, authorize, start, profile changes, meter values, pause, reconnect, reboot, stop", async () => {
  const { cs, sim, signal, log } = await setup();
  await sim.start();
  await until("boot and resync", () => cs.stats.boots === 1 && sim.limitA === 0);
  assert.deepEqual([cs.state().online, cs.state().status], [true, "A"]);

  await cs.setCurrentA(10, signal());
  await cs.enable(true, signal());
  assert.equal(sim.limitA, 10);

  await sim.plugIn();
  await until("transaction", () => cs.transactionId !== undefined && cs.transactionId === sim.transactionId);
  assert.ok(sim.log.some((m) => m.method === "Authorize"));
  await until("charging with meter values", () => cs.state().status === "C" && Math.abs((cs.chargePowerW() ?? 0) - 6900) < 1);
  await until("session energy", () => (cs.sessionEnergyWh() ?? 0) > 0);

  await cs.setCurrentA(16, signal());
  await until("16 A metered", () => Math.abs((cs.chargePowerW() ?? 0) - 16 * 690) < 1);
  const profiles = sim.log.filter((m) => m.dir === "in" && m.method === "SetChargingProfile").map((m) => (m.params as any).csChargingProfiles);
  assert.ok(profiles.every((p) => p.chargingProfilePurpose === "TxDefaultProfile" && p.chargingSchedule.chargingRateUnit === "A"));
  const limits = profiles.map((p) => p.chargingSchedule.chargingSchedulePeriod[0].limit as number);
  // paused after boot (once), then 10 A, then 16 A: each limit sent once
  assert.deepEqual(limits, [0, 10, 16]);

  await cs.enable(false, signal());
  await until("paused", () => sim.status === "SuspendedEVSE" && cs.state().status === "B");
  assert.equal(sim.transactionId, cs.transactionId, "pausing keeps the session");

  // the network drops: the charge point reconnects by itself and gets the limit again
  await cs.enable(true, signal());
  sim.dropConnection();
  await until("offline seen", () => !cs.state().online);
  assert.match(cs.state().detail ?? "", /disconnected/);
  // a command while it is away is saved, not failed, and applied when it is back
  await cs.setCurrentA(12, signal());
  assert.match(cs.state().detail ?? "", /saved and applied when the charger connects/);
  await until("reconnected and limit re-applied", () => cs.state().online && sim.limitA === 12, 5000);

  // a reboot forgets the profile (the box would charge at its 32 A maximum): we send it again after boot
  await sim.reboot();
  await until("rebooted and limit re-applied", () => cs.stats.boots === 2 && sim.limitA === 12 && sim.transactionId !== undefined);
  await until("transaction adopted", () => cs.transactionId === sim.transactionId);
  await until("logged", () => log.lines.some((l) => l.includes("limit re-applied after boot: 12 A")));
  assert.ok(sim.log.some((m) => m.dir === "in" && m.method === "ChangeConfiguration" && (m.params as any).key === "MeterValuesSampledData"), "asked for the measurands");

  await until("metering the new session", () => (cs.sessionEnergyWh() ?? 0) > 2);
  await sim.unplug();
  await until("stopped", () => cs.transactionId === undefined && cs.state().status === "A");
  assert.ok((cs.sessionEnergyWh() ?? 0) > 0, "energy of the finished session");
  assert.equal(cs.chargePowerW(), 0);
  assert.ok(log.lines.every((l) => !l.includes(PASSWORD)), "the password never reaches the log");
});

test("an unknown RFID tag is refused; enabling with a car waiting starts the session remotely", async () => {
  const { cs, sim, signal } = await setup({}, { idTag: "DEADBEEF" });
  await sim.start();
  await sim.plugIn();
  await until("preparing", () => cs.state().status === "B");
  assert.equal(sim.transactionId, undefined, "Authorize answered Invalid");
  const auth = sim.log.filter((m) => m.method === "Authorize");
  assert.equal(auth.length, 1);
  await cs.setCurrentA(8, signal());
  await cs.enable(true, signal());
  await until("remote start", () => cs.transactionId !== undefined && sim.status === "Charging");
  assert.ok(sim.log.some((m) => m.dir === "in" && m.method === "RemoteStartTransaction" && (m.params as any).idTag === "gridbox"));
});

test("charging allowed before the car comes: a box that does not start by itself is started remotely", async () => {
  const { cs, sim, signal } = await setup({ remote_start_grace_ms: 200 }, { idTag: "DEADBEEF" });
  await sim.start();
  await until("connected", () => cs.state().online);
  await cs.setCurrentA(10, signal());
  await cs.enable(true, signal());
  await sim.plugIn(); // its own Authorize is refused
  await until("remote start after the grace time", () => cs.transactionId !== undefined && sim.status === "Charging");
  assert.equal(sim.log.filter((m) => m.dir === "in" && m.method === "RemoteStartTransaction").length, 1);
});

test("a charge point without smart charging is paused with RemoteStopTransaction", async () => {
  const { cs, sim, signal } = await setup({ id_tags: [] }, { noSmartCharging: true });
  await sim.start();
  await sim.plugIn();
  await until("transaction in free mode", () => cs.transactionId !== undefined);
  await cs.enable(false, signal());
  await until("remote stop", () => cs.transactionId === undefined && sim.transactionId === undefined);
  assert.ok(sim.log.some((m) => m.dir === "in" && m.method === "RemoteStopTransaction"));
  // and resumed with RemoteStartTransaction: a box without smart charging is not stuck once paused
  await cs.setCurrentA(10, signal());
  await cs.enable(true, signal());
  await until("remote start", () => cs.transactionId !== undefined && sim.status === "Charging");
  assert.ok(sim.log.some((m) => m.dir === "in" && m.method === "RemoteStartTransaction"));
  await cs.setCurrentA(12, signal()); // the box cannot take a limit: not an error every control cycle
});

test("wrong password, no password and an unknown identity are refused at the WebSocket upgrade", async () => {
  const { cs } = await setup();
  const attempt = async (identity: string, password?: string): Promise<unknown> => {
    const c = new RPCClient({ endpoint: cs.address ?? "", identity, protocols: ["ocpp1.6"], reconnect: false, ...(password ? { password } : {}) } as ConstructorParameters<typeof RPCClient>[0]);
    try { await c.connect(); return "connected"; } catch (err) { return err; } finally { await c.close({ force: true }).catch(() => undefined); }
  };
  for (const [id, pw] of [["CP1", "wrong-pass"], ["CP1", undefined], ["CP2", PASSWORD]] as const) {
    const res = await attempt(id, pw);
    assert.notEqual(res, "connected", `${id}/${pw ?? "no password"} must be refused`);
  }
  assert.equal(cs.stats.rejectedAuth, 3);
  assert.equal(cs.state().online, false);
});

test("without a configured identity the first charge point is taken and a second one is refused", async () => {
  const { cs, sim } = await setup({ charge_point_id: "", password: undefined });
  await sim.start();
  await until("first connected", () => cs.state().online);
  const other = new RPCClient({ endpoint: cs.address ?? "", identity: "INTRUDER", protocols: ["ocpp1.6"], reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  await assert.rejects(other.connect());
  await other.close({ force: true }).catch(() => undefined);
  assert.equal(cs.stats.rejectedAuth, 1);
  assert.ok(sim.connected, "the first one keeps its connection");
});

test("a box that meters only its energy register: the power is derived from the register's slope", async () => {
  const { cs } = await setup({ id_tags: [] });
  const cp = new RPCClient({ endpoint: cs.address ?? "", identity: "CP1", password: PASSWORD, protocols: ["ocpp1.6"], strictMode: true, reconnect: false } as ConstructorParameters<typeof RPCClient>[0]);
  cp.handle((async () => ({ status: "Accepted" })) as never); // accepts every profile and configuration
  await cp.connect();
  try {
    await cp.call("BootNotification", { chargePointVendor: "Plain", chargePointModel: "EnergyOnly" });
    const start = (await cp.call("StartTransaction", { connectorId: 1, idTag: "ANY", meterStart: 1000, timestamp: new Date().toISOString() })) as { transactionId: number };
    const t0 = Date.parse("2025-06-14T10:00:00Z");
    for (const [i, wh] of [[0, 1000], [1, 1020]] as const) {
      await cp.call("MeterValues", { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: new Date(t0 + i * 10_000).toISOString(), sampledValue: [{ value: String(wh) }] }] });
    }
    assert.equal(cs.chargePowerW(), 7200, "20 Wh in 10 s = 7.2 kW");
    assert.equal(cs.sessionEnergyWh(), 20);
  } finally {
    await cp.close({ force: true });
  }
});
