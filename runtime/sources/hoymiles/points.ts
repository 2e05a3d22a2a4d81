import { int, msToNs, type FieldValue, type Point } from "../../core/point.ts";
import type { DtuReading } from "./reading.ts";

/**
 * A DTU reading as the points the Hoymiles S-Miles bridge (Studio729/hoymiles-bridge) writes, so
 * its users' InfluxDB queries and Grafana dashboards keep working on gridbox:
 *   dtu      tags dtu_name, dtu_serial          pv_power float W, today_production int Wh, total_production int Wh, alarm_flag bool
 *   inverter tags serial_number, dtu_name       grid_voltage, grid_frequency, temperature float; alarm_count, link_status int
 *   port     tags serial_number, port_number, dtu_name   pv_voltage, pv_current, pv_power float; today_production, total_production int
 * As the bridge does, the dtu totals are sums over the ports (pv_power is DC power) and alarm_flag
 * says whether any inverter has warnings. Integers stay integers (`i` in line protocol), floats stay
 * floats even when whole, so InfluxDB never sees a field change type.
 * The bridge's inverter fields `operating_status` and `alarm_code` come from DTU-Pro Modbus
 * registers that RealDataNew does not carry: they are left out, never invented. A value a device did
 * not give (an offline inverter's voltage, an offline port's counters) is left out, never written as 0.
 */
export const DTU_MEASUREMENT = "dtu";
export const INVERTER_MEASUREMENT = "inverter";
export const PORT_MEASUREMENT = "port";

export function readingToPoints(r: DtuReading, dtuName: string): Point[] {
  const timeNs = msToNs(r.timeMs);
  const points: Point[] = [];
  for (const inv of r.inverters) {
    const fields: Record<string, FieldValue> = {};
    if (inv.gridVoltageV !== undefined) fields.grid_voltage = inv.gridVoltageV;
    if (inv.gridFrequencyHz !== undefined) fields.grid_frequency = inv.gridFrequencyHz;
    if (inv.temperatureC !== undefined) fields.temperature = inv.temperatureC;
    if (inv.warningCount !== undefined) fields.alarm_count = int(inv.warningCount);
    fields.link_status = int(inv.linkStatus);
    points.push({ measurement: INVERTER_MEASUREMENT, tags: { serial_number: inv.serial, dtu_name: dtuName }, fields, timeNs });
  }
  let pvPowerW = 0;
  let today = 0;
  let total = 0;
  let counted = 0;
  for (const p of r.ports) {
    const fields: Record<string, FieldValue> = {};
    if (p.voltageV !== undefined) fields.pv_voltage = p.voltageV;
    if (p.currentA !== undefined) fields.pv_current = p.currentA;
    fields.pv_power = p.powerW;
    if (p.energyTodayWh !== undefined) fields.today_production = int(p.energyTodayWh);
    if (p.energyTotalWh !== undefined) fields.total_production = int(p.energyTotalWh);
    points.push({ measurement: PORT_MEASUREMENT, tags: { serial_number: p.inverterSerial, port_number: String(p.port), dtu_name: dtuName }, fields, timeNs });
    pvPowerW += p.powerW;
    if (p.energyTodayWh !== undefined && p.energyTotalWh !== undefined) {
      today += p.energyTodayWh;
      total += p.energyTotalWh;
      counted++;
    }
  }
  if (r.inverters.length > 0 || r.ports.length > 0) {
    const fields: Record<string, FieldValue> = { pv_power: Math.round(pvPowerW * 10) / 10 };
    // with every inverter offline there is no counter to add up: leave the totals out rather than write 0 Wh
    if (counted > 0) {
      fields.today_production = int(today);
      fields.total_production = int(total);
    }
    if (r.inverters.some((i) => i.warningCount !== undefined)) fields.alarm_flag = r.inverters.some((i) => (i.warningCount ?? 0) > 0);
    points.unshift({ measurement: DTU_MEASUREMENT, tags: { dtu_name: dtuName, dtu_serial: r.dtuSerial }, fields, timeNs });
  }
  return points;
}
