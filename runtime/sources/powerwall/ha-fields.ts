import { haBatteryPercent, haCurrent, haDiagnosticText, haEnergyTotal, haPower, haStoredEnergy, haVoltage, type HaSensorKind } from "../../core/ha-sensor-kinds.ts";

/**
 * How each field of the `powerwall` point shows in Home Assistant. A field not listed is still
 * announced by its unit suffix (`_w`, `_wh`, `_v`, `_a`, `_hz`), so a new field shows without
 * touching this table. Meter counters (`<meter>_energy_imported_wh` / `_exported_wh`) are
 * `energy` + `total_increasing` in Wh: Home Assistant's Energy dashboard takes them directly.
 */
export const POWERWALL_FIELDS: Readonly<Record<string, HaSensorKind>> = {
  battery_percentage: haBatteryPercent("Battery"),
  battery_percentage_app: haBatteryPercent("Battery (app)"),
  site_power_w: haPower("Grid power"),
  solar_power_w: haPower("Solar power"),
  battery_power_w: haPower("Battery power"),
  load_power_w: haPower("Home power"),
  battery_nominal_energy_remaining_wh: haStoredEnergy("Battery energy remaining"),
  battery_nominal_full_energy_wh: haStoredEnergy("Battery full energy"),
  site_energy_imported_wh: haEnergyTotal("Grid energy imported"),
  site_energy_exported_wh: haEnergyTotal("Grid energy exported"),
  solar_energy_exported_wh: haEnergyTotal("Solar energy produced"),
  battery_energy_imported_wh: haEnergyTotal("Battery energy charged"),
  battery_energy_exported_wh: haEnergyTotal("Battery energy discharged"),
  load_energy_imported_wh: haEnergyTotal("Home energy used"),
  grid_status: { component: "sensor", name: "Grid status", discovery: { device_class: "enum", options: ["UP", "DOWN", "SYNCING"], icon: "mdi:transmission-tower" } },
  alerts_count: { component: "sensor", name: "Alerts", discovery: { state_class: "measurement", entity_category: "diagnostic", icon: "mdi:alert" } },
  alerts: haDiagnosticText("Alert list", "mdi:alert-outline"),
  din: haDiagnosticText("DIN", "mdi:identifier"),
  ...Object.fromEntries(["a", "b", "c", "d", "e", "f"].flatMap((x) => {
    const X = x.toUpperCase();
    return [
      [`string_${x}_voltage_v`, haVoltage(`String ${X} voltage`)],
      [`string_${x}_current_a`, haCurrent(`String ${X} current`)],
      [`string_${x}_power_w`, haPower(`String ${X} power`)],
      [`string_${x}_connected`, { component: "binary_sensor", name: `String ${X} active`, discovery: { device_class: "running" } } satisfies HaSensorKind],
      [`string_${x}_state`, haDiagnosticText(`String ${X} state`, "mdi:solar-panel")],
    ];
  })),
};

/** Suffix rules for fields not in the table; undefined means "not announced". */
function byUnitSuffix(field: string, value: unknown): HaSensorKind | undefined {
  const name = field.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  if (typeof value === "boolean") return { component: "binary_sensor", name, discovery: {} };
  if (typeof value === "string") return haDiagnosticText(name, "mdi:information-outline");
  if (field.endsWith("_wh")) return /remaining|full|nominal|capacity/.test(field) ? haStoredEnergy(name) : haEnergyTotal(name);
  if (field.endsWith("_w")) return haPower(name);
  if (field.endsWith("_v")) return haVoltage(name);
  if (field.endsWith("_a")) return haCurrent(name);
  if (field.endsWith("_hz")) return { component: "sensor", name, discovery: { device_class: "frequency", state_class: "measurement", unit_of_measurement: "Hz" } };
  if (field.endsWith("_percentage") || field.endsWith("_pct")) return haBatteryPercent(name);
  return undefined;
}

export function powerwallFieldKind(field: string, value: unknown): HaSensorKind | undefined {
  return POWERWALL_FIELDS[field] ?? byUnitSuffix(field, value);
}
