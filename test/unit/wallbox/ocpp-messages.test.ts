import { strict as assert } from "node:assert";
import { test } from "node:test";
import { readSampledValues, txDefaultProfile, vehicleStatus } from "../../../runtime/wallbox/drivers/ocpp/messages.ts";

test("connector status maps to A/B/C/E", () => {
  const cases: Array<[string | undefined, string]> = [
    ["Available", "A"], ["Unavailable", "A"], [undefined, "A"], ["Preparing", "B"], ["SuspendedEV", "B"],
    ["SuspendedEVSE", "B"], ["Finishing", "B"], ["Charging", "C"], ["Faulted", "E"], ["Bogus", "E"],
  ];
  for (const [s, want] of cases) assert.equal(vehicleStatus(s), want, String(s));
});

test("sampled values: strings, kW/kWh, default measurand, per-phase sums, garbage skipped", () => {
  assert.deepEqual(readSampledValues([{ value: "1234.5" }]), { energyWh: 1234.5 }, "no measurand = energy register in Wh");
  assert.deepEqual(readSampledValues([
    { value: "12.5", measurand: "Energy.Active.Import.Register", unit: "kWh" },
    { value: "7.36", measurand: "Power.Active.Import", unit: "kW" },
    { value: "16.0", measurand: "Current.Import", phase: "L1", unit: "A" },
    { value: "15.5", measurand: "Current.Import", phase: "L2", unit: "A" },
    { value: "16", measurand: "Current.Offered" },
    { value: "81", measurand: "SoC", unit: "Percent" },
  ]), { energyWh: 12_500, powerW: 7360, currentA: 16, offeredA: 16, socPct: 81 });
  assert.deepEqual(readSampledValues([
    { value: "2300", measurand: "Power.Active.Import", phase: "L1" },
    { value: "2290", measurand: "Power.Active.Import", phase: "L2" },
  ]), { powerW: 4590 }, "per-phase powers add up");
  assert.deepEqual(readSampledValues([
    { value: "abc", measurand: "Power.Active.Import" }, { value: 5 as unknown as string }, { value: "", measurand: "SoC" },
    { value: "230", measurand: "Voltage", phase: "L1-N" },
  ]), {}, "unparseable, non-string and unused values are skipped");
});

test("TxDefaultProfile in amps with limit 0 for a pause", () => {
  const p = txDefaultProfile(1, 0, 3, Date.UTC(2025, 5, 14, 8, 42)) as any;
  assert.equal(p.csChargingProfiles.chargingProfilePurpose, "TxDefaultProfile");
  assert.equal(p.csChargingProfiles.chargingSchedule.chargingRateUnit, "A");
  assert.equal(p.csChargingProfiles.chargingSchedule.startSchedule, "2025-06-14T08:41:00.000Z");
  assert.deepEqual(p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 0, numberPhases: 3 }]);
});

test("a total Power.Active.Import wins over per-phase values sent beside it (no double count)", () => {
  const perPhase = [
    { value: "2300", measurand: "Power.Active.Import", phase: "L1" },
    { value: "2300", measurand: "Power.Active.Import", phase: "L2" },
    { value: "2300", measurand: "Power.Active.Import", phase: "L3" },
  ];
  const total = { value: "6900", measurand: "Power.Active.Import" };
  assert.equal(readSampledValues([total, ...perPhase]).powerW, 6900, "total first");
  assert.equal(readSampledValues([...perPhase, total]).powerW, 6900, "total last");
  assert.equal(readSampledValues([
    { value: "2.3", measurand: "Power.Active.Import", phase: "L1-N", unit: "kW" },
    { value: "2.3", measurand: "Power.Active.Import", phase: "L2-N", unit: "kW" },
  ]).powerW, 4600, "per-phase only: the sum");
});
