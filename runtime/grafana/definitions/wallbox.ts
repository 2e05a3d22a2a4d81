import type { DashboardSpec, Series } from "../spec.ts";

/** The wallbox controller's point `wallbox` (runtime/wallbox/wallbox-publisher.ts), one per decision. */
const wb = (field: string, legend: string, reduce: Series["reduce"] = "mean"): Series => ({ measurement: "wallbox", field, reduce, legend: `${legend} {{charger}}` });

export const wallbox: DashboardSpec = {
  slug: "wallbox",
  title: "gridbox: wallbox",
  description: "The wallbox controller: mode, the current it allows, charge power, solar surplus and every decision with its reason.",
  tags: ["wallbox", "ev"],
  hostFrom: { measurement: "wallbox", field: "power_w" },
  rows: [
    {
      title: "Charging",
      panels: [
        { title: "Charge power and solar surplus", kind: "timeseries", unit: "watt", decimals: 0, w: 12,
          series: [wb("power_w", "power"), wb("surplus_w", "surplus")] },
        { title: "Current allowed and limit", kind: "timeseries", unit: "amp", decimals: 0, w: 12,
          series: [wb("current_a", "allowed", "last"), wb("limit_a", "limit", "last")] },
        { title: "Session energy", kind: "timeseries", unit: "watth", decimals: 0, w: 8, series: [wb("session_energy_wh", "session", "max")] },
        { title: "Charging / car connected / charger online", kind: "state-timeline", w: 16,
          mappings: { "1": "yes", "0": "no", true: "yes", false: "no" },
          series: [wb("charging", "charging", "last"), wb("car_connected", "car", "last"), wb("charger_online", "online", "last"), wb("enabled", "enabled", "last"), wb("stale", "readings stale", "last")] },
      ],
    },
    {
      title: "Decisions",
      panels: [
        { title: "Mode", kind: "state-timeline", w: 24, h: 5, series: [{ measurement: "wallbox", field: "mode", reduce: "last", text: true, legend: "mode" }] },
        { title: "Decisions", kind: "table", w: 24, h: 10, rows: { measurement: "wallbox", fields: ["mode", "reason", "current_a", "power_w"], by: ["charger"], limit: 200 } },
      ],
    },
  ],
};
