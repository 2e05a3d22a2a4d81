import type { HaDevice, HaEntityHandle, HomeAssistantBridge } from "../../core/home-assistant.ts";
import type { DtuReading } from "./reading.ts";

/**
 * The Hoymiles plant in Home Assistant: one device per DTU (AC power, today's and lifetime energy,
 * inverters online), one per inverter (via its DTU) with its AC values and, per port, DC power,
 * voltage, current and energy. Energy sensors are `energy` + `total_increasing` in Wh, so the
 * Energy dashboard takes them directly. Entities are declared the first time a reading shows them;
 * an inverter out of the DTU's reach is unavailable in Home Assistant (its reachability sensor
 * stays), and its values are published as unknown, not as 0.
 * Used by the DTU source and by the OpenDTU/AhoyDTU sources alike.
 */
const POWER = { device_class: "power", unit_of_measurement: "W", state_class: "measurement" };
const ENERGY = { device_class: "energy", unit_of_measurement: "Wh", state_class: "total_increasing" };
const VOLTAGE = { device_class: "voltage", unit_of_measurement: "V", state_class: "measurement" };
const CURRENT = { device_class: "current", unit_of_measurement: "A", state_class: "measurement" };
const INVERTER_MODEL = "micro-inverter";

export class HoymilesEntities {
  private readonly handles = new Map<string, HaEntityHandle>();

  constructor(private readonly ha: HomeAssistantBridge, private readonly model: string) {}

  publish(dtuName: string, r: DtuReading): void {
    const slug = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, "_");
    const gridboxId = this.ha.gridboxDeviceId ?? "gridbox";
    const dtuId = `${gridboxId}_hoymiles_${slug(r.dtuSerial || dtuName)}`;
    const dtu: HaDevice = { id: dtuId, name: `Hoymiles ${dtuName}`, manufacturer: "Hoymiles", model: this.model, viaDevice: gridboxId };
    const online = r.ports.filter((p) => p.online);
    const sum = (f: (p: (typeof online)[number]) => number | undefined): number | null => (online.length === 0 ? null : online.reduce((s, p) => s + (f(p) ?? 0), 0));
    this.sensor(dtu, "power_w", "AC power", POWER).publish(r.acPowerW);
    this.sensor(dtu, "today_energy_wh", "Energy today", ENERGY).publish(sum((p) => p.energyTodayWh));
    this.sensor(dtu, "total_energy_wh", "Energy total", ENERGY).publish(sum((p) => p.energyTotalWh));
    this.sensor(dtu, "inverters_online", "Inverters online", { icon: "mdi:solar-panel", state_class: "measurement" }).publish(r.inverters.filter((i) => i.online).length);
    for (const inv of r.inverters) {
      const dev: HaDevice = { id: `${dtuId}_${slug(inv.serial)}`, name: `Inverter ${inv.serial}`, manufacturer: "Hoymiles", model: INVERTER_MODEL, viaDevice: dtuId };
      this.sensor(dev, "power_w", "AC power", POWER).publish(inv.online ? (inv.activePowerW ?? null) : 0);
      this.sensor(dev, "grid_voltage_v", "Grid voltage", VOLTAGE).publish(inv.gridVoltageV ?? null);
      this.sensor(dev, "grid_frequency_hz", "Grid frequency", { device_class: "frequency", unit_of_measurement: "Hz", state_class: "measurement" }).publish(inv.gridFrequencyHz ?? null);
      this.sensor(dev, "temperature_c", "Temperature", { device_class: "temperature", unit_of_measurement: "°C", state_class: "measurement" }).publish(inv.temperatureC ?? null);
      this.handle(dev, "binary_sensor", "online", "Reachable", { device_class: "connectivity", payload_on: "ON", payload_off: "OFF" }, false).publish(inv.online ? "ON" : "OFF");
      this.ha.setDeviceAvailable(dev, inv.online);
      for (const p of r.ports.filter((x) => x.inverterSerial === inv.serial)) {
        const n = `port${p.port}`;
        this.sensor(dev, `${n}_power_w`, `Port ${p.port} power`, POWER).publish(p.powerW);
        this.sensor(dev, `${n}_voltage_v`, `Port ${p.port} voltage`, VOLTAGE).publish(p.voltageV ?? null);
        this.sensor(dev, `${n}_current_a`, `Port ${p.port} current`, CURRENT).publish(p.currentA ?? null);
        this.sensor(dev, `${n}_today_energy_wh`, `Port ${p.port} energy today`, ENERGY).publish(p.energyTodayWh ?? null);
        this.sensor(dev, `${n}_total_energy_wh`, `Port ${p.port} energy total`, ENERGY).publish(p.energyTotalWh ?? null);
      }
    }
  }

  /** inverter values follow their device's availability; the DTU's own are always there */
  private sensor(device: HaDevice, objectId: string, name: string, discovery: Record<string, unknown>): HaEntityHandle {
    return this.handle(device, "sensor", objectId, name, discovery, device.model === INVERTER_MODEL);
  }

  private handle(device: HaDevice, component: "sensor" | "binary_sensor", objectId: string, name: string, discovery: Record<string, unknown>, followsDevice: boolean): HaEntityHandle {
    const key = `${device.id}/${component}/${objectId}`;
    let h = this.handles.get(key);
    if (!h) {
      h = this.ha.declare({ component, device, objectId, name, discovery, followsDevice });
      this.handles.set(key, h);
    }
    return h;
  }
}
