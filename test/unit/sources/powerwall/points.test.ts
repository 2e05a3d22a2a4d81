import { strict as assert } from "node:assert";
import { test } from "node:test";
import { encodePoint } from "../../../../runtime/core/line-protocol.ts";
import { readingToJson, readingToPoint } from "../../../../runtime/sources/powerwall/points.ts";
import { appPercentFromRaw, gridStatusFrom, pvString, rawPercentFromApp, type PowerwallReading } from "../../../../runtime/sources/powerwall/reading.ts";

const reading = (over: Partial<PowerwallReading> = {}): PowerwallReading => ({
  timeMs: 1_700_000_000_123, strings: {}, batteryBlocks: [],
  sitePowerW: -337, solarPowerW: 1460, batteryPowerW: -10, loadPowerW: 1108, batteryPercent: 53, batteryPercentApp: appPercentFromRaw(53),
  energyRemainingWh: 7155, fullEnergyWh: 13500, gridStatus: "UP", alerts: ["b", "a"], din: "1707000-11-J--TG1", ...over,
});

test("field names, tags and types follow powerwall-influx", () => {
  const p = readingToPoint(reading({ strings: { a: pvString(188, 1.6, "Pv_Active") } }), { site: "home", host: "pi" });
  assert.equal(p.measurement, "powerwall");
  assert.deepEqual(p.tags, { site: "home", host: "pi" });
  assert.equal(p.timeNs, 1_700_000_000_123_000_000n);
  assert.equal(encodePoint(p),
    "powerwall,host=pi,site=home alerts=\"a;b\",alerts_count=2i,battery_nominal_energy_remaining_wh=7155,battery_nominal_full_energy_wh=13500," +
    "battery_percentage=53,battery_percentage_app=50.526315789473685,battery_power_w=-10,din=\"1707000-11-J--TG1\",grid_status=\"UP\",load_power_w=1108," +
    "site_power_w=-337,solar_power_w=1460,string_a_connected=true,string_a_current_a=1.6,string_a_power_w=300.8,string_a_state=\"Pv_Active\",string_a_voltage_v=188" +
    " 1700000000123000000");
});

test("a value the gateway did not give is left out, never 0", () => {
  const p = readingToPoint({ timeMs: 0, strings: {}, batteryBlocks: [], sitePowerW: 5 }, { site: "s", host: "h" });
  assert.deepEqual(Object.keys(p.fields), ["site_power_w"]);
});

test("the balance holds in the gateway's signs (a real TEDAPI printout)", () => {
  const r = reading();
  assert.equal(r.loadPowerW, (r.sitePowerW ?? 0) + (r.solarPowerW ?? 0) + (r.batteryPowerW ?? 0) - 5);
});

test("app % <-> raw % (bottom 5 % hidden), as measured pairs say", () => {
  for (const [app, raw] of [[5, 9.75], [20, 24], [100, 100], [0, 5]] as const) {
    assert.ok(Math.abs(rawPercentFromApp(app) - raw) < 1e-9, `${app}`);
    assert.ok(Math.abs(appPercentFromRaw(raw) - app) < 1e-9, `${raw}`);
  }
  assert.ok(appPercentFromRaw(4) < 0, "no clamping, like pypowerwall");
});

test("grid status words map as pypowerwall's", () => {
  const table: [string, string | undefined][] = [
    ["SystemGridConnected", "UP"], ["SystemIslandedActive", "DOWN"], ["SystemTransitionToGrid", "SYNCING"], ["SystemTransitionToIsland", "SYNCING"],
    ["SystemIslandedReady", "SYNCING"], ["SystemMicroGridFaulted", "DOWN"], ["SystemWaitForUser", "DOWN"], ["Bogus", undefined],
  ];
  for (const [raw, want] of table) assert.equal(gridStatusFrom(raw), want, raw);
});

test("pvString: null/negative V or I count as 0; connected from the state", () => {
  assert.deepEqual(pvString(null, null, "Pv_Standby"), { voltageV: 0, currentA: 0, powerW: 0, connected: false, state: "Pv_Standby" });
  assert.deepEqual(pvString(-2, 0.1, "PV_Disabled", false), { voltageV: 0, currentA: 0.1, powerW: 0, connected: false, state: "PV_Disabled" });
  assert.equal(pvString(400, 2, "Pv_Active_Parallel").connected, true);
  assert.equal(pvString(400, 2, "Pv_Active_Parallel").powerW, 800);
});

test("readingToJson keeps the same names, ints as plain numbers; reserve raw and app-scaled (clamped)", () => {
  const j = readingToJson(reading({ gridStatusRaw: "SystemGridConnected", backupReservePercent: 24, operationMode: "self_consumption", powerwallCount: 1 }));
  assert.equal(j.backup_reserve_percent, 24);
  assert.equal(j.backup_reserve_percent_app, 20);
  assert.equal(readingToJson(reading({ backupReservePercent: 2 })).backup_reserve_percent_app, 0);
  assert.deepEqual([j.operation_mode, j.powerwall_count], ["self_consumption", 1]);
  assert.equal(readingToPoint(reading({ backupReservePercent: 24 }), { site: "s", host: "h" }).fields.backup_reserve_percent, undefined, "not a powerwall-influx field: REST/CLI only");
  assert.equal(j.alerts_count, 2);
  assert.equal(j.grid_status_raw, "SystemGridConnected");
  assert.equal(j.timestamp, "2023-11-14T22:13:20.123Z");
});
