import type { DashboardSpec, Series } from "../spec.ts";

/**
 * Hoymiles DTUs, inverters and ports: measurements `dtu`, `inverter`, `port` with the Hoymiles
 * S-Miles bridge's field and tag names (runtime/sources/hoymiles/points.ts), so its users' queries
 * keep working. These points carry no `host` tag (the bridge's schema has none): the DTU is the key.
 */
const s = (measurement: string, field: string, reduce: Series["reduce"], by: readonly string[], legend: string): Series => ({ measurement, field, reduce, by, legend });

export const hoymiles: DashboardSpec = {
  slug: "hoymiles",
  title: "gridbox: Hoymiles",
  description: "Hoymiles solar: plant power and energy per DTU, each inverter's grid voltage, frequency and temperature, and every PV port's power, voltage and current.",
  tags: ["hoymiles", "solar"],
  deviceTag: { measurement: "dtu", field: "pv_power", tag: "dtu_name", label: "DTU", alsoOn: ["inverter", "port"] },
  rows: [
    {
      title: "DTU",
      panels: [
        { title: "PV power", kind: "timeseries", unit: "watt", decimals: 0, w: 12, series: [s("dtu", "pv_power", "mean", ["dtu_name"], "{{dtu_name}}")] },
        { title: "Energy today", kind: "stat", unit: "watth", decimals: 0, w: 6, series: [s("dtu", "today_production", "last", ["dtu_name"], "{{dtu_name}}")] },
        { title: "Energy total", kind: "stat", unit: "watth", decimals: 0, w: 6, series: [s("dtu", "total_production", "last", ["dtu_name"], "{{dtu_name}}")] },
        { title: "Any inverter alarm", kind: "state-timeline", w: 24, h: 4, mappings: { "1": "alarm", "0": "ok", true: "alarm", false: "ok" },
          series: [s("dtu", "alarm_flag", "last", ["dtu_name"], "{{dtu_name}}")] },
      ],
    },
    {
      title: "Inverters",
      panels: [
        { title: "Grid voltage", kind: "timeseries", unit: "volt", decimals: 1, w: 8, series: [s("inverter", "grid_voltage", "mean", ["serial_number"], "{{serial_number}}")] },
        { title: "Grid frequency", kind: "timeseries", unit: "hertz", decimals: 2, w: 8, series: [s("inverter", "grid_frequency", "mean", ["serial_number"], "{{serial_number}}")] },
        { title: "Temperature", kind: "timeseries", unit: "celsius", decimals: 1, w: 8, series: [s("inverter", "temperature", "mean", ["serial_number"], "{{serial_number}}")] },
        { title: "Alarms", kind: "timeseries", w: 12, series: [s("inverter", "alarm_count", "max", ["serial_number"], "{{serial_number}}")] },
        { title: "Link status", kind: "timeseries", w: 12, series: [s("inverter", "link_status", "last", ["serial_number"], "{{serial_number}}")] },
      ],
    },
    {
      title: "Ports (PV inputs)",
      panels: [
        { title: "Port power", kind: "timeseries", unit: "watt", decimals: 1, w: 8, series: [s("port", "pv_power", "mean", ["serial_number", "port_number"], "{{serial_number}} #{{port_number}}")] },
        { title: "Port voltage", kind: "timeseries", unit: "volt", decimals: 1, w: 8, series: [s("port", "pv_voltage", "mean", ["serial_number", "port_number"], "{{serial_number}} #{{port_number}}")] },
        { title: "Port current", kind: "timeseries", unit: "amp", decimals: 2, w: 8, series: [s("port", "pv_current", "mean", ["serial_number", "port_number"], "{{serial_number}} #{{port_number}}")] },
        { title: "Port energy today", kind: "timeseries", unit: "watth", decimals: 0, w: 12, series: [s("port", "today_production", "max", ["serial_number", "port_number"], "{{serial_number}} #{{port_number}}")] },
        { title: "Port energy total", kind: "timeseries", unit: "watth", decimals: 0, w: 12, series: [s("port", "total_production", "max", ["serial_number", "port_number"], "{{serial_number}} #{{port_number}}")] },
      ],
    },
  ],
};
