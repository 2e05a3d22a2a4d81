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
  /** the dashboards gridbox published to Grafana (grafana section), with their public links when made public */
  dashboards: { title: string; url: string; publicUrl?: string }[];
}

const httpLink = (v: unknown): v is string => typeof v === "string" && /^https?:\/\//i.test(v);

/** What the Grafana publisher reports in /status (runtime/grafana/dashboard-publisher.ts), only well-formed http(s) links. */
export function publishedDashboards(status: unknown): LiveSample["dashboards"] {
  const list = (status as { dashboards?: unknown } | undefined)?.dashboards;
  if (!Array.isArray(list)) return [];
  return list.flatMap((d: { title?: unknown; url?: unknown; publicUrl?: unknown }) => (httpLink(d?.url)
    ? [{ title: typeof d.title === "string" ? d.title : d.url, url: d.url, ...(httpLink(d.publicUrl) ? { publicUrl: d.publicUrl } : {}) }]
    : []));
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
  // the site model (runtime/core/site-model.ts): whatever sources measure it, values younger than a minute
  const site = gb.ctx.site.snapshot();
  const fresh = (v: { value: number; timeMs: number } | undefined): number | null => (v && now - v.timeMs < 60_000 ? num(v.value) : null);
  const snap = gb.health.snapshot();
  const o = gb.outbox.stats();
  return {
    t: now,
    frequencyHz,
    power: { solar_w: fresh(site.pvW), load_w: fresh(site.homeW), grid_w: fresh(site.gridW), battery_w: fresh(site.batteryW), battery_pct: fresh(site.batterySocPct) },
    health: { status: snap.status, components: Object.fromEntries(Object.entries(snap.components).map(([k, c]) => [k, { state: c.state, ...(c.message ? { message: c.message } : {}) }])) },
    outbox: { accepted: o.accepted, delivered: o.delivered, pendingMemory: o.pendingMemory, pendingStored: o.pendingStored, dropped: o.dropped },
    dashboards: publishedDashboards(gb.status.read("grafana_publish")),
  };
}
