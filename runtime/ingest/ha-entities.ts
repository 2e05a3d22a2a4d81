import type { HaDevice, HaEntityHandle, HomeAssistantBridge } from "../core/home-assistant.ts";
import { haCurrent, haFrequency, haPower, haVoltage, type HaSensorKind } from "../core/ha-sensor-kinds.ts";
import type { Logger } from "../core/log.ts";
import { isInt, type FieldValue, type Point } from "../core/point.ts";

/**
 * The ESP32 grid monitors in Home Assistant, declared by the ESP32 side through the bridge (as the
 * Powerwall and Hoymiles sources do theirs): one device per monitor (reached via the gridbox
 * device), an entity per field of GRID_MONITOR_FIELDS declared the first time the field shows
 * up, states set on every reading (the bridge throttles them), the device available while the
 * monitor is (birth, last will, a clean disconnect, fresh data). At most `maxDevices` monitors
 * are announced (ingest.homeassistant_max_devices), so a flood of device ids cannot grow memory.
 */
export const GRID_MONITOR_FIELDS: Readonly<Record<string, HaSensorKind>> = {
  "grid_data.frequency": haFrequency("Grid frequency"),
  "grid_data.voltage": haVoltage("Grid voltage"),
  "grid_data.current": haCurrent("Current"),
  "grid_data.power": haPower("Power"),
  "device_status.rssi": { component: "sensor", name: "Wi-Fi signal", discovery: { device_class: "signal_strength", state_class: "measurement", unit_of_measurement: "dBm", entity_category: "diagnostic" } },
  "device_status.free_heap": { component: "sensor", name: "Free heap", discovery: { device_class: "data_size", state_class: "measurement", unit_of_measurement: "B", entity_category: "diagnostic" } },
  "device_status.online": { component: "binary_sensor", name: "Online", discovery: { device_class: "connectivity", entity_category: "diagnostic" } },
};

const ANNOUNCED = new Set(["grid_data", "device_status"]);

export interface GridMonitorEntitiesOptions {
  readonly ha: HomeAssistantBridge;
  /** the gridbox device (ha.gridboxDeviceId): the monitors are reached through it */
  readonly gridboxDeviceId: string;
  readonly log: Logger;
  readonly maxDevices: number;
}

/** a monitor's entity per field of one measurement; null = a field that is not announced */
type Slots = Map<string, { meta: HaSensorKind; handle: HaEntityHandle } | null>;

interface Monitor {
  readonly device: HaDevice;
  /** undefined until its availability was first said */
  online: boolean | undefined;
  /** per measurement (two levels: no key string is built per reading) */
  readonly fields: Map<string, Slots>;
}

export class GridMonitorEntities {
  private readonly monitors = new Map<string, Monitor>();
  private entityCount = 0;
  refusedDevices = 0;

  constructor(private readonly o: GridMonitorEntitiesOptions) {}

  stats(): { devices: number; entities: number; refused_devices: number } {
    return { devices: this.monitors.size, entities: this.entityCount, refused_devices: this.refusedDevices };
  }

  /** The points of one device message (hot path, 50 Hz per monitor: one map lookup per field once its entity exists). */
  onPoints(deviceId: string, points: readonly Point[]): void {
    for (const p of points) {
      if (!ANNOUNCED.has(p.measurement)) continue; // device_logs: neither entities nor presence
      const m = this.monitor(deviceId);
      if (!m) continue;
      // a status point says it outright (its last will says online=false); any other fresh data means it is there
      this.setOnline(m, p.measurement === "device_status" && typeof p.fields.online === "boolean" ? p.fields.online : true);
      let slots = m.fields.get(p.measurement);
      if (!slots) m.fields.set(p.measurement, (slots = new Map()));
      for (const field in p.fields) this.setField(m, slots, p.measurement, field, p.fields[field] as FieldValue);
    }
  }

  /** Birth, last will or a clean disconnect: the monitor is there or not, whether or not readings followed. */
  presence(deviceId: string, online: boolean): void {
    const m = this.monitor(deviceId, false);
    if (!m) return;
    m.online = online;
    this.o.ha.setDeviceAvailable(m.device, online);
  }

  private setOnline(m: Monitor, online: boolean): void {
    if (m.online === online) return;
    m.online = online;
    this.o.ha.setDeviceAvailable(m.device, online);
  }

  private setField(m: Monitor, slots: Slots, measurement: string, field: string, value: FieldValue): void {
    let slot = slots.get(field);
    if (slot === undefined) {
      const meta = GRID_MONITOR_FIELDS[`${measurement}.${field}`];
      slot = meta ? { meta, handle: this.o.ha.declare({ component: meta.component, device: m.device, objectId: field, name: meta.name, discovery: meta.discovery, followsDevice: true }) } : null;
      slots.set(field, slot);
      if (slot) this.entityCount++;
    }
    if (slot === null) return;
    const v = isInt(value) ? value.int : value;
    if (slot.meta.component === "binary_sensor" && typeof v !== "boolean") slot.handle.publish(v !== 0 && v !== "" && v !== "false");
    else slot.handle.publish(v);
  }

  /** The monitor's device; beyond maxDevices none (readings are counted and logged once per 1000, presence is dropped quietly). */
  private monitor(deviceId: string, countRefusal = true): Monitor | undefined {
    let m = this.monitors.get(deviceId);
    if (m) return m;
    if (this.monitors.size >= this.o.maxDevices) {
      if (countRefusal && this.refusedDevices++ % 1000 === 0) this.o.log.warn(`not announcing grid monitor ${deviceId} to Home Assistant: already ${this.o.maxDevices} (ingest.homeassistant_max_devices)`);
      return undefined;
    }
    const via = this.o.gridboxDeviceId;
    m = { device: { id: `${via}_esp32_${deviceId.replace(/[^A-Za-z0-9_-]/g, "_")}`, name: `Grid monitor ${deviceId}`, manufacturer: "open grid monitor", model: "ESP32 grid monitor", viaDevice: via }, online: undefined, fields: new Map() };
    this.monitors.set(deviceId, m);
    return m;
  }
}
