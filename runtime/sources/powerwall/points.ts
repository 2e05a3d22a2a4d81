import { int, msToNs, type FieldValue, type Point } from "../../core/point.ts";
import { appReserveFromRaw, METERS, round, STRING_LETTERS, type PowerwallReading } from "./reading.ts";

/**
 * A reading as the InfluxDB point powerwall-influx writes, so existing Grafana dashboards keep
 * working: measurement `powerwall`, tags `site` and `host`, field names as theirs.
 * Types are stable: every power/energy/voltage/current/% is a float (even when whole), counts are
 * integers (`alerts_count`), `*_connected` booleans, states and grid status strings.
 * A value the gateway did not give is left out, never written as 0.
 */
export const POWERWALL_MEASUREMENT = "powerwall";

export function readingToPoint(r: PowerwallReading, tags: { site: string; host: string }): Point {
  const fields: Record<string, FieldValue> = {};
  const float = (name: string, v: number | undefined): void => { if (v !== undefined && Number.isFinite(v)) fields[name] = v; };
  float("battery_percentage", r.batteryPercent);
  float("battery_percentage_app", r.batteryPercentApp);
  float("site_power_w", r.sitePowerW);
  float("solar_power_w", r.solarPowerW);
  float("battery_power_w", r.batteryPowerW);
  float("load_power_w", r.loadPowerW);
  float("battery_nominal_energy_remaining_wh", r.energyRemainingWh);
  float("battery_nominal_full_energy_wh", r.fullEnergyWh);
  if (r.gridStatus !== undefined) fields.grid_status = r.gridStatus;
  if (r.alerts !== undefined) {
    fields.alerts_count = int(r.alerts.length);
    fields.alerts = [...r.alerts].sort().join(";");
  }
  if (r.din !== undefined) fields.din = r.din;
  for (const m of METERS) {
    float(`${m}_energy_imported_wh`, r.meterEnergy?.[m]?.importedWh);
    float(`${m}_energy_exported_wh`, r.meterEnergy?.[m]?.exportedWh);
  }
  for (const letter of STRING_LETTERS) {
    const s = r.strings[letter];
    if (!s) continue;
    fields[`string_${letter}_voltage_v`] = s.voltageV;
    fields[`string_${letter}_current_a`] = s.currentA;
    fields[`string_${letter}_power_w`] = s.powerW;
    fields[`string_${letter}_connected`] = s.connected;
    fields[`string_${letter}_state`] = s.state;
  }
  return { measurement: POWERWALL_MEASUREMENT, tags: { site: tags.site, host: tags.host }, fields, timeNs: msToNs(r.timeMs) };
}

/** The reading as plain JSON with the same field names (REST API, CLI). */
export function readingToJson(r: PowerwallReading): Record<string, unknown> {
  const p = readingToPoint(r, { site: "", host: "" });
  const out: Record<string, unknown> = { timestamp: new Date(r.timeMs).toISOString() };
  for (const [k, v] of Object.entries(p.fields)) out[k] = typeof v === "object" ? v.int : v;
  if (r.gridStatusRaw !== undefined) out.grid_status_raw = r.gridStatusRaw;
  if (r.siteName !== undefined) out.site_name = r.siteName;
  if (r.firmware !== undefined) out.firmware = r.firmware;
  if (r.operationMode !== undefined) out.operation_mode = r.operationMode;
  if (r.backupReservePercent !== undefined) {
    out.backup_reserve_percent = r.backupReservePercent;
    out.backup_reserve_percent_app = round(appReserveFromRaw(r.backupReservePercent), 3);
  }
  if (r.powerwallCount !== undefined) out.powerwall_count = r.powerwallCount;
  if (r.batteryBlocks.length > 0) {
    out.battery_blocks = r.batteryBlocks.map((b) => ({
      din: b.din, energy_remaining_wh: b.energyRemainingWh, full_energy_wh: b.fullEnergyWh, power_w: b.powerW,
    }));
  }
  return out;
}
