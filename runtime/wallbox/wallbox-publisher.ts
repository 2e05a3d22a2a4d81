import type { Context } from "../core/component.ts";
import { errorMessage } from "../core/errors.ts";
import type { HaDevice, HaEntityHandle } from "../core/home-assistant.ts";
import { gauge } from "../core/metrics.ts";
import { int, msToNs, type FieldValue } from "../core/point.ts";
import type { AuditLog } from "./audit-log.ts";
import { CHARGE_MODES, isChargeMode } from "./charge-policy.ts";
import { describeCommand, type WallboxCommand } from "./command.ts";
import { commandOutcome, type WallboxController, type WallboxSnapshot } from "./controller.ts";

/**
 * Shows the controller's state as `wallbox` points (InfluxDB) and in Home Assistant (sensors, a
 * `select` for the mode, a `switch` for start/stop), and turns Home Assistant commands into
 * controller commands. Field types never change: current_a/limit_a are integers, powers and
 * energy floats, mode and reason strings, flags booleans.
 */
export class WallboxPublisher {
  private handles: Record<string, HaEntityHandle> = {};
  private device: HaDevice | undefined;

  constructor(private readonly ctx: Context, private readonly controller: WallboxController, private readonly audit: AuditLog, private readonly chargerKind: string) {}

  start(): void {
    const gridboxId = this.ctx.ha.gridboxDeviceId ?? "gridbox";
    const device: HaDevice = { id: `${gridboxId}_wallbox`, name: "Wallbox", model: `gridbox wallbox (${this.chargerKind})`, manufacturer: "gridbox", viaDevice: gridboxId };
    this.device = device;
    const ha = this.ctx.ha;
    // what the charger reports is unavailable while it does not answer; the mode, the status and the surplus are gridbox's own
    const sensor = (objectId: string, name: string, discovery: Record<string, unknown>, followsDevice = true): HaEntityHandle =>
      ha.declare({ component: "sensor", device, objectId, name, discovery, followsDevice });
    this.handles = {
      mode: ha.declare({ component: "select", device, objectId: "mode", name: "Charge mode", discovery: { options: [...CHARGE_MODES], icon: "mdi:ev-station" } },
        (payload) => this.fromHa(payload.trim(), (p) => (isChargeMode(p) ? { action: "set-mode", mode: p } : undefined))),
      charging: ha.declare({ component: "switch", device, objectId: "charging", name: "Charging", followsDevice: true, discovery: { payload_on: "ON", payload_off: "OFF", icon: "mdi:ev-plug-type2" } },
        (payload) => this.fromHa(payload.trim().toUpperCase(), (p) => (p === "ON" ? { action: "start" } : p === "OFF" ? { action: "stop" } : undefined))),
      current_a: sensor("current_a", "Charge current", { device_class: "current", unit_of_measurement: "A", state_class: "measurement" }),
      power_w: sensor("power_w", "Charge power", { device_class: "power", unit_of_measurement: "W", state_class: "measurement" }),
      session_energy_wh: sensor("session_energy_wh", "Session energy", { device_class: "energy", unit_of_measurement: "Wh", state_class: "total_increasing" }),
      surplus_w: sensor("surplus_w", "Solar surplus", { device_class: "power", unit_of_measurement: "W", state_class: "measurement" }, false),
      status: sensor("status", "Wallbox status", { icon: "mdi:information-outline" }, false),
    };
    this.controller.onUpdate((s) => this.publish(s));
    const m = this.ctx.metrics;
    const snap = (): WallboxSnapshot => this.controller.snapshot();
    gauge(m, "gridbox_wallbox_current_amperes", "current the wallbox may draw now, per phase (0: paused)", [], function () { this.set(snap().current_a); });
    gauge(m, "gridbox_wallbox_power_watts", "charge power now", [], function () { this.set(snap().power_w); });
    gauge(m, "gridbox_wallbox_surplus_watts", "solar surplus available to the car (NaN when readings are stale)", [], function () { this.set(snap().surplus_w ?? Number.NaN); });
  }

  private fromHa(payload: string, parse: (p: string) => WallboxCommand | undefined): void {
    const cmd = parse(payload);
    if (!cmd) {
      this.audit.record({ source: "homeassistant", result: "bad-request", detail: `unknown payload ${JSON.stringify(payload.slice(0, 40))}` });
      return;
    }
    this.controller.command(cmd, "homeassistant").then(
      (s) => this.audit.record({ source: "homeassistant", action: describeCommand(cmd), ...commandOutcome(s) }),
      (err: unknown) => this.audit.record({ source: "homeassistant", action: describeCommand(cmd), result: "refused", detail: errorMessage(err) }),
    );
  }

  publish(s: WallboxSnapshot): void {
    const fields: Record<string, FieldValue> = {
      mode: s.mode,
      enabled: s.enabled,
      charging: s.charging,
      car_connected: s.charger.status === "B" || s.charger.status === "C",
      charger_online: s.charger.online,
      current_a: int(s.current_a),
      limit_a: int(s.limit_a),
      power_w: Number(s.power_w),
      stale: s.readings.stale,
      // the decision's why, for Grafana's decisions table (Home Assistant gets it as the status text)
      reason: s.reason,
    };
    if (s.session_energy_wh !== null) fields.session_energy_wh = Number(s.session_energy_wh);
    if (s.surplus_w !== null) fields.surplus_w = Number(s.surplus_w);
    this.ctx.points.write([{ measurement: "wallbox", tags: { host: this.ctx.host, charger: s.charger.kind }, fields, timeNs: msToNs(this.ctx.clock.nowMs()) }]);

    if (this.device) this.ctx.ha.setDeviceAvailable(this.device, s.charger.online);
    const h = this.handles;
    h.mode?.publish(s.mode);
    h.charging?.publish(s.enabled ? "ON" : "OFF");
    h.current_a?.publish(s.current_a);
    h.power_w?.publish(Math.round(s.power_w));
    h.session_energy_wh?.publish(s.session_energy_wh === null ? null : Math.round(s.session_energy_wh));
    h.surplus_w?.publish(s.surplus_w);
    h.status?.publish(`${s.charger.online ? s.charger.status : "offline"}: ${s.reason}`.slice(0, 255));
  }
}
