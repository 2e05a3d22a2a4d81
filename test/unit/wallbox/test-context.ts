import { Bus } from "../../../runtime/core/bus.ts";
import type { Context } from "../../../runtime/core/component.ts";
import type { HaEntitySpec, HomeAssistantBridge } from "../../../runtime/core/home-assistant.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { createMetrics } from "../../../runtime/core/metrics.ts";
import { msToNs, type Point } from "../../../runtime/core/point.ts";
import { SiteModel } from "../../../runtime/core/site-model.ts";
import { parseConfig } from "../../../runtime/config/load.ts";
import { InMemoryLatestValues } from "../../../runtime/state/latest-values.ts";
import type { WallboxConfig } from "../../../runtime/wallbox/controller.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";

/** A Home Assistant bridge that records declarations and published states and lets a test send commands. */
export class FakeHa implements HomeAssistantBridge {
  readonly entities = new Map<string, { spec: HaEntitySpec; states: Array<string | number | boolean | null>; onCommand?: (p: string) => void }>();
  declare(spec: HaEntitySpec, onCommand?: (payload: string) => void): { publish(s: string | number | boolean | null): void } {
    const e = { spec, states: [] as Array<string | number | boolean | null>, ...(onCommand ? { onCommand } : {}) };
    this.entities.set(spec.objectId, e);
    return { publish: (s) => { e.states.push(s); } };
  }
  readonly availability: Array<{ deviceId: string; online: boolean }> = [];
  setDeviceAvailable(device: { id: string }, online: boolean): void { this.availability.push({ deviceId: device.id, online }); }
  last(objectId: string): string | number | boolean | null | undefined { return this.entities.get(objectId)?.states.at(-1); }
  send(objectId: string, payload: string): void {
    const e = this.entities.get(objectId);
    if (!e?.onCommand) throw new Error(`no command handler for ${objectId}`);
    e.onCommand(payload);
  }
}

export interface TestCtx { ctx: Context; clock: FakeClock; written: Point[]; ha: FakeHa; lines: string[] }

export function testContext(clock = new FakeClock()): TestCtx {
  const log = memoryLogger("debug");
  const latest = new InMemoryLatestValues(clock);
  const written: Point[] = [];
  const ha = new FakeHa();
  const ctx: Context = {
    log, clock, bus: new Bus(), metrics: createMetrics(), latest, ha, site: new SiteModel(clock, { gridMeter: "powerwall" }), host: "testhost",
    points: { write(batch) { written.push(...batch); latest.update(batch); return true; } },
  };
  return { ctx, clock, written, ha, lines: log.lines };
}

/** A wallbox config through the real schema (defaults filled, validated). */
export function wallboxConfig(over: Record<string, unknown> = {}): WallboxConfig {
  return parseConfig({ wallbox: { enabled: true, ...over } }).config.wallbox;
}

/** Writes a Powerwall reading as the Powerwall poller would: the point, and the report to the site model. */
export function writePowerwall(t: TestCtx, f: { site: number; solar?: number; battery?: number; load?: number; soc?: number }, atMs = t.clock.nowMs()): void {
  const r = { gridW: f.site, pvW: f.solar ?? 0, batteryW: f.battery ?? 0, homeW: f.load ?? 0, batterySocPct: f.soc ?? 80 };
  t.ctx.points.write([{
    measurement: "powerwall", tags: { host: "testhost" }, timeNs: msToNs(atMs),
    fields: { site_power_w: r.gridW, solar_power_w: r.pvW, battery_power_w: r.batteryW, load_power_w: r.homeW, battery_percentage: r.batterySocPct },
  }]);
  t.ctx.site.report("powerwall", r, atMs);
}
