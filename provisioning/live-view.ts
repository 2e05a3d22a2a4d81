import type { Gridbox } from "../runtime/main.ts";

/**
 * One sample of the admin page's live view (polled every second): grid frequency per ESP32,
 * the Powerwall's power flows, component health, and the outbox's backlog and drain progress.
 * Values come from the latest-values cache: nothing here waits on a device.
 */
export interface LiveSample {
  t: number;
  frequencyHz: Record<string, number>;
  power: { solar_w: number | null; load_w: number | null; grid_w: number | null; battery_w: number | null; battery_pct: number | null };
  health: { status: string; components: Record<string, { state: string; message?: string }> };
  outbox: { accepted: number; delivered: number; pendingMemory: number; pendingStored: number; dropped: number };
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function liveView(gb: Gridbox, staleMs = 10_000): LiveSample {
  const now = gb.ctx.clock.nowMs();
  const frequencyHz: Record<string, number> = {};
  for (const e of gb.ctx.latest.find("grid_data")) {
    const f = num(e.fields.frequency);
    const id = e.tags.device_id;
    if (f !== null && id && now - e.receivedMs < staleMs) frequencyHz[id] = f;
  }
  const pw = gb.ctx.latest.get("powerwall");
  const fresh = pw && now - pw.receivedMs < 60_000 ? pw.fields : {};
  const snap = gb.health.snapshot();
  const o = gb.outbox.stats();
  return {
    t: now,
    frequencyHz,
    power: { solar_w: num(fresh.solar_power_w), load_w: num(fresh.load_power_w), grid_w: num(fresh.site_power_w), battery_w: num(fresh.battery_power_w), battery_pct: num(fresh.battery_percentage) },
    health: { status: snap.status, components: Object.fromEntries(Object.entries(snap.components).map(([k, c]) => [k, { state: c.state, ...(c.message ? { message: c.message } : {}) }])) },
    outbox: { accepted: o.accepted, delivered: o.delivered, pendingMemory: o.pendingMemory, pendingStored: o.pendingStored, dropped: o.dropped },
  };
}
