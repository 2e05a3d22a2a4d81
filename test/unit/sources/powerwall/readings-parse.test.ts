import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseAggregates, parseGridStatus, parseOperation, parsePowerwalls, parseSiteInfo, parseSoe, parseSolarPowerwall, parseStatus, parseSystemStatus } from "../../../../runtime/sources/powerwall/local-api-reading.ts";
import { parseProxyStrings } from "../../../../runtime/sources/powerwall/proxy-client.ts";
import { parseComponents, parseConfigJson, parseDeviceController } from "../../../../runtime/sources/powerwall/tedapi-reading.ts";

/** Parsers are tolerant readers: unknown keys ignored, missing values undefined, only essentials throw. */
test("local API aggregates, SOE, grid, system status, /api/status", () => {
  const agg = { site: { instant_power: -337.5, frequency: 50, extra: 1 }, battery: { instant_power: -10 }, load: { instant_power: 1108 }, solar: { instant_power: 1460 }, busway: {} };
  assert.deepEqual(parseAggregates(agg), { sitePowerW: -337.5, solarPowerW: 1460, batteryPowerW: -10, loadPowerW: 1108 });
  assert.deepEqual(parseAggregates({ site: { instant_power: 5 } }), { sitePowerW: 5, solarPowerW: undefined, batteryPowerW: undefined, loadPowerW: undefined });
  for (const bad of [null, [], {}, { site: { instant_power: "12" } }]) assert.throws(() => parseAggregates(bad), /aggregates/);
  assert.deepEqual(parseSoe({ percentage: 69.1675 }), { batteryPercent: 69.1675 });
  assert.throws(() => parseSoe({ percentage: null }), /soe/);
  assert.deepEqual(parseGridStatus({ grid_status: "SystemTransitionToGrid" }), { gridStatusRaw: "SystemTransitionToGrid", gridStatus: "SYNCING" });
  assert.deepEqual(parseGridStatus({}), {});
  const sys = parseSystemStatus({ nominal_full_pack_energy: 14000, nominal_energy_remaining: 7000, battery_blocks: [{ PackageSerialNumber: "TG1", p_out: 250, nominal_energy_remaining: 7000 }, "junk"] });
  assert.equal(sys.fullEnergyWh, 14000);
  assert.deepEqual(sys.batteryBlocks?.[0], { din: "TG1", energyRemainingWh: 7000, fullEnergyWh: undefined, powerW: 250 });
  assert.deepEqual(parseStatus({ din: "1232100-00-E--TG1", version: "23.28.2 27626f98" }), { din: "1232100-00-E--TG1", firmware: "23.28.2" });
  assert.deepEqual(parseOperation({ real_mode: "backup", backup_reserve_percent: 100, freq_shift_load_shed_soe: 0 }), { operationMode: "backup", backupReservePercent: 100 });
  assert.deepEqual(parseOperation({}), {});
  assert.deepEqual(parsePowerwalls({ powerwalls: [{}, {}] }), { powerwallCount: 2 });
  assert.deepEqual(parseSiteInfo({ site_name: "Home" }), { siteName: "Home" });
});

test("PW+ /api/solar_powerwall: string ids, idle negative voltages", () => {
  const s = parseSolarPowerwall({ pvac_status: { string_vitals: [
    { string_id: 1, connected: true, measured_voltage: 300, current: 2, measured_power: 601 },
    { string_id: "2", connected: false, measured_voltage: -2.1, current: 0 },
    { string_id: "C", connected: true, measured_voltage: 310, current: 1 },
    { string_id: 9, connected: true },
  ] } });
  assert.deepEqual(Object.keys(s), ["a", "b", "c"]);
  assert.equal(s.a?.powerW, 600, "V x I, not the gateway's measured_power");
  assert.deepEqual(s.b, { voltageV: 0, currentA: 0, powerW: 0, connected: false, state: "PV_Disabled" });
  assert.equal(s.c?.state, "PV_Active");
});

test("TEDAPI DeviceControllerQuery: flows, SOE from Wh, alerts, grid from alerts or ISLANDER", () => {
  const dc = (alerts: string[], island?: string): unknown => ({
    control: {
      meterAggregates: [{ location: "SITE", realPowerW: -337 }, { location: "BATTERY", realPowerW: -10 }, { location: "LOAD", realPowerW: 1108 },
        { location: "SOLAR", realPowerW: 1460 }, { location: "SOLAR_RGM", realPowerW: 1 }, { location: "CONDUCTOR" }],
      systemStatus: { nominalFullPackEnergyWh: 13500, nominalEnergyRemainingWh: 6750 },
      alerts: { active: alerts },
    },
    esCan: island ? { bus: { ISLANDER: { ISLAND_GridConnection: { ISLAND_GridConnected: island } } } } : {},
  });
  const r = parseDeviceController(dc(["SystemConnectedToGrid"]));
  assert.deepEqual([r.sitePowerW, r.batteryPowerW, r.loadPowerW, r.solarPowerW, r.batteryPercent, r.gridStatus], [-337, -10, 1108, 1460, 50, "UP"]);
  assert.equal(parseDeviceController(dc([], "ISLAND_GridConnected_Connected")).gridStatus, "UP");
  assert.equal(parseDeviceController(dc([], "ISLAND_GridConnected_Disconnected")).gridStatusRaw, "SystemIslandedActive");
  assert.throws(() => parseDeviceController({ system: {} }), /no `control`/);
});

test("TEDAPI ComponentsQuery: PCH strings A-F, BMS kWh -> Wh; config.json", () => {
  const sig = (name: string, v: Record<string, unknown>): unknown => ({ name, value: null, textValue: null, ...v });
  const c = parseComponents({ components: {
    pch: [{ signals: [sig("PCH_PvState_A", { textValue: "Pv_Active" }), sig("PCH_PvVoltageA", { value: 188 }), sig("PCH_PvCurrentA", { value: 1.6 }),
      sig("PCH_PvState_B", { textValue: "Pv_Standby" }), sig("PCH_PvVoltageB", { value: null }), { junk: true }] }],
    bms: [{ serialNumber: "TG9", signals: [sig("BMS_nominalEnergyRemaining", { value: 6.5 }), sig("BMS_nominalFullPackEnergy", { value: 13.5 })] }],
  } });
  assert.deepEqual(c.strings?.a, { voltageV: 188, currentA: 1.6, powerW: 300.8, connected: true, state: "Pv_Active" });
  assert.deepEqual(c.strings?.b, { voltageV: 0, currentA: 0, powerW: 0, connected: false, state: "Pv_Standby" });
  assert.equal(c.strings?.f?.state, "Unknown");
  assert.deepEqual(c.batteryBlocks, [{ din: "TG9", energyRemainingWh: 6500, fullEnergyWh: 13500 }]);
  assert.deepEqual(parseComponents({}), {});
  assert.deepEqual(parseConfigJson({ vin: "V", site_info: { site_name: "S", backup_reserve_percent: 24.25 }, default_real_mode: "self_consumption", battery_blocks: [{ type: "Powerwall3" }] }),
    { din: "V", siteName: "S", operationMode: "self_consumption", backupReservePercent: 24.25, powerwallCount: 1, hasPowerwall3: true });
  assert.equal(parseConfigJson({ battery_blocks: [{ type: "Powerwall2" }] }).hasPowerwall3, false);
});

test("proxy /strings: first device only, Connected as given", () => {
  const s = parseProxyStrings({ A: { State: "Pv_Active", Voltage: 188, Current: 1.6, Power: 300.8, Connected: true }, A1: { State: "x" }, G: {} });
  assert.deepEqual(Object.keys(s), ["a"]);
  assert.equal(s.a?.powerW, 300.8);
});
