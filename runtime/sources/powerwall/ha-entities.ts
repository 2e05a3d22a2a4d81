import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { HaDevice, HaEntityHandle, HomeAssistantBridge } from "../../core/home-assistant.ts";
import { isInt, type FieldValue, type Point } from "../../core/point.ts";
import { powerwallFieldKind } from "./ha-fields.ts";

/**
 * The Powerwall in Home Assistant, declared by the source itself through the bridge: one device per
 * site (reached via the gridbox device) with an entity per field of its point (ha-fields.ts), and
 * diagnostics of the poller. The device is available while its newest reading is younger than
 * `staleAfterMs` (sources.powerwall.stale_after_ms); its values then show unavailable, not stale
 * numbers. `stop()` clears the staleness timer.
 */
export interface PowerwallEntitiesOptions {
  readonly ha: HomeAssistantBridge;
  readonly clock: Clock;
  /** the `site` tag (site.name) */
  readonly site: string;
  readonly staleAfterMs: number;
}

export interface PollerDiagnostics {
  readonly running: boolean;
  readonly consecutiveFailures: number;
  readonly lastPollMs: number | undefined;
  readonly lastSuccessMs: number | undefined;
}

export class PowerwallEntities {
  readonly device: HaDevice;
  private readonly handles = new Map<string, HaEntityHandle | null>();
  private staleTimer: TimerHandle | undefined;
  private available: boolean | undefined;

  constructor(private readonly o: PowerwallEntitiesOptions) {
    const via = o.ha.gridboxDeviceId ?? "gridbox";
    this.device = { id: `${via}_powerwall_${o.site.replace(/[^A-Za-z0-9_-]/g, "_")}`, name: `Powerwall ${o.site}`, manufacturer: "Tesla", model: "Powerwall", viaDevice: via };
  }

  /** A fresh reading: every field's state (entities declared the first time a field shows up), available until stale. */
  publish(point: Point): void {
    for (const field in point.fields) {
      const value = point.fields[field] as FieldValue;
      const h = this.handle(field, value);
      if (!h) continue;
      h.publish(isInt(value) ? value.int : value);
    }
    this.setAvailable(true);
    if (this.staleTimer) this.o.clock.clearTimeout(this.staleTimer);
    this.staleTimer = this.o.clock.setTimeout(() => { this.staleTimer = undefined; this.setAvailable(false); }, this.o.staleAfterMs);
  }

  /** After every poll, good or not: is the poller running, how many failures in a row, when it last polled and succeeded. */
  diagnostics(d: PollerDiagnostics): void {
    const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
    this.diagnostic("task_running", "Poller running", "binary_sensor", { device_class: "running" }).publish(d.running);
    this.diagnostic("consecutive_failures", "Consecutive failures", "sensor", { state_class: "measurement", icon: "mdi:alert-circle-outline" }).publish(d.consecutiveFailures);
    this.diagnostic("last_poll", "Last poll", "sensor", { device_class: "timestamp" }).publish(iso(d.lastPollMs));
    this.diagnostic("last_success", "Last success", "sensor", { device_class: "timestamp" }).publish(iso(d.lastSuccessMs));
  }

  stop(): void {
    if (this.staleTimer) this.o.clock.clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
  }

  private setAvailable(online: boolean): void {
    if (this.available === online) return;
    this.available = online;
    this.o.ha.setDeviceAvailable(this.device, online);
  }

  private handle(field: string, value: FieldValue): HaEntityHandle | null {
    let h = this.handles.get(field);
    if (h === undefined) {
      const kind = powerwallFieldKind(field, value);
      h = kind ? this.o.ha.declare({ component: kind.component, device: this.device, objectId: field, name: kind.name, discovery: kind.discovery, followsDevice: true }) : null;
      this.handles.set(field, h);
    }
    return h;
  }

  private diagnostic(objectId: string, name: string, component: "sensor" | "binary_sensor", discovery: Record<string, unknown>): HaEntityHandle {
    const key = `diag:${objectId}`;
    let h = this.handles.get(key);
    if (!h) {
      h = this.o.ha.declare({ component, device: this.device, objectId, name, discovery: { ...discovery, entity_category: "diagnostic" } });
      this.handles.set(key, h);
    }
    return h;
  }
}
