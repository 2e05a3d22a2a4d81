import { haCurrent, haFrequency, haPower, haVoltage, type HaSensorKind } from "../core/ha-sensor-kinds.ts";

/**
 * How the ESP32 grid monitors' fields show in Home Assistant (measurements `grid_data` and
 * `device_status`, tag `device_id`), keyed `<measurement>.<field>`; a field not listed is not
 * announced. Sources declare their own entities (runtime/sources/<type>/); the discovery presets
 * they share live in core/ha-sensor-kinds.ts.
 */
export type FieldMeta = HaSensorKind;

export const GRID_MONITOR_FIELDS: Readonly<Record<string, FieldMeta>> = {
  "grid_data.frequency": haFrequency("Grid frequency"),
  "grid_data.voltage": haVoltage("Grid voltage"),
  "grid_data.current": haCurrent("Current"),
  "grid_data.power": haPower("Power"),
  "device_status.rssi": { component: "sensor", name: "Wi-Fi signal", discovery: { device_class: "signal_strength", state_class: "measurement", unit_of_measurement: "dBm", entity_category: "diagnostic" } },
  "device_status.free_heap": { component: "sensor", name: "Free heap", discovery: { device_class: "data_size", state_class: "measurement", unit_of_measurement: "B", entity_category: "diagnostic" } },
  "device_status.online": { component: "binary_sensor", name: "Online", discovery: { device_class: "connectivity", entity_category: "diagnostic" } },
};

export function gridMonitorFieldMeta(measurement: string, field: string): FieldMeta | undefined {
  return GRID_MONITOR_FIELDS[`${measurement}.${field}`];
}
