import type { HaComponent } from "./home-assistant.ts";

/**
 * How a reading shows up in Home Assistant (component, name, device_class, state_class, unit),
 * shared by every area that declares entities. Rules from Home Assistant core (sensor/const.py):
 * power -> measurement; energy totals -> total_increasing (what the Energy dashboard takes);
 * stored energy -> energy_storage with measurement; voltage/current/frequency/battery -> measurement.
 */
export interface HaSensorKind {
  readonly component: Extract<HaComponent, "sensor" | "binary_sensor">;
  readonly name: string;
  readonly discovery: Readonly<Record<string, unknown>>;
}

export const haPower = (name: string): HaSensorKind => ({ component: "sensor", name, discovery: { device_class: "power", state_class: "measurement", unit_of_measurement: "W", suggested_display_precision: 0 } });
export const haVoltage = (name: string): HaSensorKind => ({ component: "sensor", name, discovery: { device_class: "voltage", state_class: "measurement", unit_of_measurement: "V", suggested_display_precision: 1 } });
export const haCurrent = (name: string): HaSensorKind => ({ component: "sensor", name, discovery: { device_class: "current", state_class: "measurement", unit_of_measurement: "A", suggested_display_precision: 2 } });
export const haFrequency = (name: string): HaSensorKind => ({ component: "sensor", name, discovery: { device_class: "frequency", state_class: "measurement", unit_of_measurement: "Hz", suggested_display_precision: 3 } });
export const haStoredEnergy = (name: string): HaSensorKind => ({ component: "sensor", name, discovery: { device_class: "energy_storage", state_class: "measurement", unit_of_measurement: "Wh", suggested_display_precision: 0 } });
export const haEnergyTotal = (name: string): HaSensorKind => ({ component: "sensor", name, discovery: { device_class: "energy", state_class: "total_increasing", unit_of_measurement: "Wh", suggested_display_precision: 0 } });
export const haBatteryPercent = (name: string): HaSensorKind => ({ component: "sensor", name, discovery: { device_class: "battery", state_class: "measurement", unit_of_measurement: "%", suggested_display_precision: 1 } });
export const haDiagnosticText = (name: string, icon: string): HaSensorKind => ({ component: "sensor", name, discovery: { entity_category: "diagnostic", icon } });
