import type { DashboardSpec } from "../spec.ts";

/** ESP32 grid monitors (firmware-protocol/PROTOCOL.md §7): grid_data, device_status, device_logs. */
export const gridMonitors: DashboardSpec = {
  slug: "grid-monitors",
  title: "gridbox: grid monitors",
  description: "Grid frequency, its deviation from nominal, voltage, current and power from the ESP32 grid monitors, per device and side by side; their status and logs.",
  tags: ["grid-frequency", "esp32"],
  hostFrom: { measurement: "grid_data", field: "frequency" },
  deviceTag: { measurement: "grid_data", field: "frequency", tag: "device_id", label: "Grid monitor" },
  textVariables: [{ name: "nominal", label: "Nominal frequency (Hz)", value: "50" }],
  rows: [
    {
      title: "Frequency",
      panels: [
        { title: "Frequency, all monitors side by side", kind: "timeseries", unit: "hertz", decimals: 3, w: 24, h: 9,
          series: [{ measurement: "grid_data", field: "frequency", reduce: "mean", by: ["device_id"], legend: "{{device_id}}" }] },
        { title: "Deviation from nominal", kind: "timeseries", unit: "mHz", decimals: 1,
          description: "(frequency − $nominal) × 1000; ENTSO-E normal band ±50 mHz",
          series: [{ measurement: "grid_data", field: "frequency", reduce: "mean", by: ["device_id"], offset: "$nominal", scale: 1000, legend: "{{device_id}}" }] },
        { title: "Extremes per interval", kind: "timeseries", unit: "hertz", decimals: 3,
          series: [
            { measurement: "grid_data", field: "frequency", reduce: "min", by: ["device_id"], legend: "min {{device_id}}" },
            { measurement: "grid_data", field: "frequency", reduce: "max", by: ["device_id"], legend: "max {{device_id}}" },
          ] },
      ],
    },
    {
      title: "Voltage, current, power",
      panels: [
        { title: "Voltage", kind: "timeseries", unit: "volt", decimals: 1, w: 8,
          series: [{ measurement: "grid_data", field: "voltage", reduce: "mean", by: ["device_id"], legend: "{{device_id}}" }] },
        { title: "Current", kind: "timeseries", unit: "amp", decimals: 2, w: 8,
          series: [{ measurement: "grid_data", field: "current", reduce: "mean", by: ["device_id"], legend: "{{device_id}}" }] },
        { title: "Power", kind: "timeseries", unit: "watt", decimals: 0, w: 8,
          series: [{ measurement: "grid_data", field: "power", reduce: "mean", by: ["device_id"], legend: "{{device_id}}" }] },
      ],
    },
    {
      title: "Devices",
      panels: [
        { title: "Online", kind: "stat", w: 6, mappings: { "1": "Online", "0": "Offline", true: "Online", false: "Offline" },
          series: [{ measurement: "device_status", field: "online", reduce: "last", by: ["device_id"], legend: "{{device_id}}" }] },
        { title: "Wi-Fi signal", kind: "timeseries", unit: "dBm", w: 6,
          series: [{ measurement: "device_status", field: "rssi", reduce: "mean", by: ["device_id"], legend: "{{device_id}}" }] },
        { title: "Free heap", kind: "timeseries", unit: "bytes", w: 6,
          series: [{ measurement: "device_status", field: "free_heap", reduce: "min", by: ["device_id"], legend: "{{device_id}}" }] },
        { title: "Readings with gridbox's receive time (device clock not synced)", kind: "timeseries", w: 6,
          description: "Readings whose device timestamp was implausible (before SNTP, or far ahead): gridbox wrote its receive time and the field time_source=\"gateway\"",
          series: [{ measurement: "grid_data", field: "time_source", reduce: "count", by: ["device_id"], legend: "{{device_id}}" }] },
        { title: "Device logs", kind: "table", w: 24, h: 10,
          rows: { measurement: "device_logs", fields: ["level", "module", "message"], by: ["device_id"], limit: 200 } },
      ],
    },
  ],
};
