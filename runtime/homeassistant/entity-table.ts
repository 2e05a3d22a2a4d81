import type { HaComponent } from "../core/home-assistant.ts";

/**
 * THE metadata table: how each reading gridbox knows shows up in Home Assistant (component, name,
 * device_class, state_class, unit). Rules from Home Assistant core (sensor/const.py):
 * power -> measurement; energy totals -> total_increasing; stored energy -> energy_storage with
 * measurement; voltage/current/frequency/battery/signal_strength -> measurement.
 *
 * Powerwall fields follow powerwall-influx's names (measurement `powerwall`, tag `site`); a field
 * not listed is still announced by its unit suffix (`_w`, `_wh`, `_v`, `_a`, `_hz`) so a new field
 * from the Powerwall source shows without touching this file. ESP32 fields (measurements
 * `grid_data` and `device_status`, tag `device_id`) are announced only when listed.
 */
export interface FieldMeta {
  readonly component: Extract<HaComponent, "sensor" | "binary_sensor">;
  readonly name: string;
  readonly discovery: Readonly<Record<string, unknown>>;
}

const power = (name: string): FieldMeta => ({ component: "sensor", name, discovery: { device_class: "power", state_class: "measurement", unit_of_measurement: "W", suggested_display_precision: 0 } });
const voltage = (name: string): FieldMeta => ({ component: "sensor", name, discovery: { device_class: "voltage", state_class: "measurement", unit_of_measurement: "V", suggested_display_precision: 1 } });
const current = (name: string): FieldMeta => ({ component: "sensor", name, discovery: { device_class: "current", state_class: "measurement", unit_of_measurement: "A", suggested_display_precision: 2 } });
const storedEnergy = (name: string): FieldMeta => ({ component: "sensor", name, discovery: { device_class: "energy_storage", state_class: "measurement", unit_of_measurement: "Wh", suggested_display_precision: 0 } });
const energyTotal = (name: string): FieldMeta => ({ component: "sensor", name, discovery: { device_class: "energy", state_class: "total_increasing", unit_of_measurement: "Wh", suggested_display_precision: 0 } });
const percent = (name: string): FieldMeta => ({ component: "sensor", name, discovery: { device_class: "battery", state_class: "measurement", unit_of_measurement: "%", suggested_display_precision: 1 } });
const diagnosticText = (name: string, icon: string): FieldMeta => ({ component: "sensor", name, discovery: { entity_category: "diagnostic", icon } });

export const POWERWALL_FIELDS: Readonly<Record<string, FieldMeta>> = {
  battery_percentage: percent("Battery"),
  battery_percentage_app: percent("Battery (app)"),
  site_power_w: power("Grid power"),
  solar_power_w: power("Solar power"),
  battery_power_w: power("Battery power"),
  load_power_w: power("Home power"),
  battery_nominal_energy_remaining_wh: storedEnergy("Battery energy remaining"),
  battery_nominal_full_energy_wh: storedEnergy("Battery full energy"),
  grid_status: { component: "sensor", name: "Grid status", discovery: { device_class: "enum", options: ["UP", "DOWN", "SYNCING"], icon: "mdi:transmission-tower" } },
  alerts_count: { component: "sensor", name: "Alerts", discovery: { state_class: "measurement", entity_category: "diagnostic", icon: "mdi:alert" } },
  alerts: diagnosticText("Alert list", "mdi:alert-outline"),
  din: diagnosticText("DIN", "mdi:identifier"),
  ...Object.fromEntries(["a", "b", "c", "d", "e", "f"].flatMap((x) => {
    const X = x.toUpperCase();
    return [
      [`string_${x}_voltage_v`, voltage(`String ${X} voltage`)],
      [`string_${x}_current_a`, current(`String ${X} current`)],
      [`string_${x}_power_w`, power(`String ${X} power`)],
      [`string_${x}_connected`, { component: "binary_sensor", name: `String ${X} active`, discovery: { device_class: "running" } } satisfies FieldMeta],
      [`string_${x}_state`, diagnosticText(`String ${X} state`, "mdi:solar-panel")],
    ];
  })),
};

/** ESP32 grid monitor fields, keyed `<measurement>.<field>`. */
export const GRID_MONITOR_FIELDS: Readonly<Record<string, FieldMeta>> = {
  "grid_data.frequency": { component: "sensor", name: "Grid frequency", discovery: { device_class: "frequency", state_class: "measurement", unit_of_measurement: "Hz", suggested_display_precision: 3 } },
  "grid_data.voltage": voltage("Grid voltage"),
  "grid_data.current": current("Current"),
  "grid_data.power": power("Power"),
  "device_status.rssi": { component: "sensor", name: "Wi-Fi signal", discovery: { device_class: "signal_strength", state_class: "measurement", unit_of_measurement: "dBm", entity_category: "diagnostic" } },
  "device_status.free_heap": { component: "sensor", name: "Free heap", discovery: { device_class: "data_size", state_class: "measurement", unit_of_measurement: "B", entity_category: "diagnostic" } },
  "device_status.online": { component: "binary_sensor", name: "Online", discovery: { device_class: "connectivity", entity_category: "diagnostic" } },
};

/** Suffix rules for Powerwall fields not in the table; undefined means "not announced". */
function byUnitSuffix(field: string, value: unknown): FieldMeta | undefined {
  const name = field.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  if (typeof value === "boolean") return { component: "binary_sensor", name, discovery: {} };
  if (typeof value === "string") return diagnosticText(name, "mdi:information-outline");
  if (field.endsWith("_wh")) return /remaining|full|nominal|capacity/.test(field) ? storedEnergy(name) : energyTotal(name);
  if (field.endsWith("_w")) return power(name);
  if (field.endsWith("_v")) return voltage(name);
  if (field.endsWith("_a")) return current(name);
  if (field.endsWith("_hz")) return { component: "sensor", name, discovery: { device_class: "frequency", state_class: "measurement", unit_of_measurement: "Hz" } };
  if (field.endsWith("_percentage") || field.endsWith("_pct")) return percent(name);
  return undefined;
}

export function powerwallFieldMeta(field: string, value: unknown): FieldMeta | undefined {
  return POWERWALL_FIELDS[field] ?? byUnitSuffix(field, value);
}

export function gridMonitorFieldMeta(measurement: string, field: string): FieldMeta | undefined {
  return GRID_MONITOR_FIELDS[`${measurement}.${field}`];
}
