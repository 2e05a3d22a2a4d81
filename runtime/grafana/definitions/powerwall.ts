import type { DashboardSpec, Series } from "../spec.ts";

/**
 * Tesla Powerwall: measurement `powerwall` with powerwall-influx's field names
 * (runtime/sources/powerwall/points.ts), so these panels read what that project's panels read.
 */
const pw = (field: string, legend: string, reduce: Series["reduce"] = "mean"): Series => ({ measurement: "powerwall", field, reduce, legend });
const STRINGS = ["a", "b", "c", "d", "e", "f"] as const;

export const powerwall: DashboardSpec = {
  slug: "powerwall",
  title: "gridbox: Powerwall",
  description: "Power flows (home, solar, battery, grid), state of energy, grid status and the solar strings A–F of a Tesla Powerwall, with powerwall-influx's field names.",
  tags: ["powerwall", "tesla"],
  hostFrom: { measurement: "powerwall", field: "site_power_w" },
  rows: [
    {
      title: "Power flows",
      panels: [
        { title: "Power flows", kind: "timeseries", unit: "watt", decimals: 0, w: 16, h: 10,
          description: "site: grid import positive, export negative; battery: discharge positive, charge negative",
          series: [pw("load_power_w", "Home"), pw("solar_power_w", "Solar"), pw("battery_power_w", "Powerwall"), pw("site_power_w", "Grid")] },
        { title: "Now", kind: "stat", unit: "watt", decimals: 0, w: 8, h: 10,
          series: [pw("load_power_w", "Home", "last"), pw("solar_power_w", "Solar", "last"), pw("battery_power_w", "Powerwall", "last"), pw("site_power_w", "Grid", "last")] },
      ],
    },
    {
      title: "Battery and grid",
      panels: [
        { title: "State of energy", kind: "timeseries", unit: "percent", decimals: 1, min: 0, max: 100, w: 8,
          description: "battery_percentage_app is what the Tesla app shows (5 % reserve scaled out)",
          series: [pw("battery_percentage", "SOE"), pw("battery_percentage_app", "SOE (app)")] },
        { title: "Energy remaining", kind: "timeseries", unit: "watth", decimals: 0, w: 8,
          series: [pw("battery_nominal_energy_remaining_wh", "remaining"), pw("battery_nominal_full_energy_wh", "full")] },
        { title: "Grid status", kind: "state-timeline", w: 8,
          series: [{ measurement: "powerwall", field: "grid_status", reduce: "last", text: true, legend: "grid" }] },
        { title: "Alerts", kind: "timeseries", w: 12,
          series: [pw("alerts_count", "active alerts", "max")] },
        { title: "Alert names", kind: "table", w: 12,
          rows: { measurement: "powerwall", fields: ["alerts", "grid_status"], limit: 50 } },
      ],
    },
    {
      title: "Solar strings A–F",
      panels: [
        { title: "String power", kind: "timeseries", unit: "watt", decimals: 0, w: 8, series: STRINGS.map((s) => pw(`string_${s}_power_w`, s.toUpperCase())) },
        { title: "String voltage", kind: "timeseries", unit: "volt", decimals: 1, w: 8, series: STRINGS.map((s) => pw(`string_${s}_voltage_v`, s.toUpperCase())) },
        { title: "String current", kind: "timeseries", unit: "amp", decimals: 2, w: 8, series: STRINGS.map((s) => pw(`string_${s}_current_a`, s.toUpperCase())) },
      ],
    },
  ],
};
