import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync } from "fastify";
import { Backoff } from "../core/backoff.ts";
import type { Clock, TimerHandle } from "../core/clock.ts";
import type { Component } from "../core/component.ts";
import { ConfigError, errorMessage } from "../core/errors.ts";
import type { ComponentHealth } from "../core/health.ts";
import type { Logger } from "../core/log.ts";
import type { Config } from "../config/schema.ts";
import { GrafanaApi, GrafanaApiError, unexpected } from "./grafana-api.ts";

/**
 * Publishes the shipped dashboards (dashboards/gridbox-*-<influxql|promql>.json) to a Grafana, as
 * Pluto does: into the folder `folder_uid` (found, or created), each created or updated by its uid
 * (POST /api/dashboards/db with overwrite), and with `public_dashboards` each also made a public
 * dashboard whose URL (Grafana's /public-dashboards/<accessToken>) /status shows.
 * Runs once at start (in the background: start() does not wait for Grafana) and on publish().
 * Grafana down, a timeout or a 5xx: retried with backoff on the Clock. Credentials refused or a
 * dashboard rejected: degraded with Grafana's reason, not retried until publish() is asked again.
 */
export type GrafanaSection = Config["grafana"];

export interface PublishedDashboard { uid: string; title: string; url: string; version: number; publicUrl?: string }

export interface DashboardPublisherDeps {
  readonly log: Logger;
  readonly clock: Clock;
  readonly config: GrafanaSection;
  /** sink.type, for language auto */
  readonly sinkType: string;
  /** the folder of the generated dashboards (default: the shipped ones beside this file) */
  readonly dashboardsDir?: string;
  /** first retry after this, doubling up to retryMaxMs */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  readonly version?: string;
}

export const DEFAULT_DASHBOARDS_DIR = fileURLToPath(new URL("./dashboards/", import.meta.url));

export class DashboardPublisher implements Component {
  private readonly lifetime = new AbortController();
  private api: GrafanaApi | undefined;
  private backoff: Backoff;
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private state: "starting" | "ok" | "retrying" | "failed" = "starting";
  private lastError: string | undefined;
  private nextRetryAtMs: number | undefined;
  private lastPublishedMs: number | undefined;
  private published: PublishedDashboard[] = [];
  attempts = 0;

  constructor(private readonly d: DashboardPublisherDeps) {
    this.backoff = new Backoff(d.retryInitialMs ?? 5_000, d.retryMaxMs ?? 5 * 60_000);
  }

  get language(): "influxql" | "promql" {
    const l = this.d.config.language;
    return l === "auto" ? (this.d.sinkType === "victoriametrics" ? "promql" : "influxql") : l;
  }

  async start(signal: AbortSignal): Promise<void> {
    const c = this.d.config;
    const problems: string[] = [];
    if (c.url === "") problems.push("/grafana/url: required when grafana.enabled is true (e.g. http://grafana.local:3000)");
    if (!c.token && c.auth_proxy_header === "") problems.push("/grafana/token: a service-account token, or grafana.auth_proxy_header, is required to publish");
    if (problems.length > 0) throw new ConfigError("grafana publishing is not configured", problems);
    this.api = new GrafanaApi({ baseUrl: c.url, auth: { token: c.token, proxyHeader: c.auth_proxy_header || undefined, proxyUser: c.auth_proxy_user }, timeoutMs: c.timeout_ms, clock: this.d.clock });
    signal.addEventListener("abort", () => { void this.stop(); }, { once: true });
    void this.publish();
  }

  /** Publishes now (a pending retry is folded into it); resolves when this run ends, never rejects. */
  publish(): Promise<void> {
    if (this.stopped || !this.api) return Promise.resolve();
    if (this.running) return this.running;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.nextRetryAtMs = undefined;
    this.running = this.run(this.api).finally(() => { this.running = undefined; });
    return this.running;
  }

  /** Resolves when the run in flight (if any) has ended, without starting one. */
  idle(): Promise<void> { return this.running ?? Promise.resolve(); }

  private async run(api: GrafanaApi): Promise<void> {
    this.attempts++;
    try {
      this.published = await this.publishAll(api, this.lifetime.signal);
      this.state = "ok";
      this.lastError = undefined;
      this.lastPublishedMs = this.d.clock.nowMs();
      this.backoff.reset();
      this.d.log.info(`published ${this.published.length} dashboards to ${api.base} (folder ${this.d.config.folder_uid})`);
    } catch (err) {
      if (this.stopped) return;
      this.lastError = errorMessage(err);
      const retryable = err instanceof GrafanaApiError && err.retryable;
      if (retryable) {
        const delay = this.backoff.next();
        this.state = "retrying";
        this.nextRetryAtMs = this.d.clock.nowMs() + delay;
        this.timer = this.d.clock.setTimeout(() => { this.timer = undefined; void this.publish(); }, delay);
        this.timer.unref?.();
        this.d.log.warn(`publishing dashboards failed, retry in ${Math.round(delay / 1000)} s: ${this.lastError}`);
      } else {
        this.state = "failed";
        this.d.log.error(`publishing dashboards failed (not retried; POST /api/grafana/publish after fixing it): ${this.lastError}`);
      }
    }
  }

  private async publishAll(api: GrafanaApi, signal: AbortSignal): Promise<PublishedDashboard[]> {
    const c = this.d.config;
    const folder = await api.request("GET", `/api/folders/${encodeURIComponent(c.folder_uid)}`, undefined, signal);
    if (folder.status === 404) {
      const created = await api.request("POST", "/api/folders", { uid: c.folder_uid, title: c.folder_title }, signal);
      // 409: someone created it in between (or a folder of that title exists): the dashboard post says which
      if (created.status !== 200 && created.status !== 409) throw unexpected(`creating folder ${c.folder_uid}`, created);
    } else if (folder.status !== 200) {
      throw unexpected(`reading folder ${c.folder_uid}`, folder);
    }
    const out: PublishedDashboard[] = [];
    for (const dashboard of await this.dashboards()) {
      const uid = String(dashboard.uid);
      const saved = await api.request("POST", "/api/dashboards/db", {
        dashboard: { ...dashboard, id: null },
        folderUid: c.folder_uid,
        overwrite: true,
        message: `published by gridbox${this.d.version ? ` ${this.d.version}` : ""}`,
      }, signal);
      if (saved.status !== 200) throw unexpected(`saving dashboard ${uid}`, saved);
      const entry: PublishedDashboard = { uid, title: String(dashboard.title), url: `${api.base}${String(saved.body.url ?? `/d/${uid}`)}`, version: Number(saved.body.version ?? 0) };
      if (c.public_dashboards) entry.publicUrl = await this.makePublic(api, uid, signal);
      out.push(entry);
    }
    return out;
  }

  /** The public dashboard of `uid` (made, or enabled when it exists switched off); its URL. */
  private async makePublic(api: GrafanaApi, uid: string, signal: AbortSignal): Promise<string> {
    const path = `/api/dashboards/uid/${encodeURIComponent(uid)}/public-dashboards`;
    let pd = await api.request("GET", path, undefined, signal);
    if (pd.status === 404) {
      pd = await api.request("POST", path, { isEnabled: true, share: "public", timeSelectionEnabled: true, annotationsEnabled: false }, signal);
      if (pd.status !== 200) throw unexpected(`making dashboard ${uid} public`, pd);
    } else if (pd.status !== 200) {
      throw unexpected(`reading the public dashboard of ${uid}`, pd);
    } else if (pd.body.isEnabled !== true) {
      const enabled = await api.request("PATCH", `${path}/${encodeURIComponent(String(pd.body.uid))}`, { isEnabled: true }, signal);
      if (enabled.status !== 200) throw unexpected(`enabling the public dashboard of ${uid}`, enabled);
      pd = { status: 200, body: { ...pd.body, ...enabled.body } };
    }
    const token = pd.body.accessToken;
    if (typeof token !== "string" || !/^[A-Za-z0-9_-]+$/.test(token)) throw new GrafanaApiError(`the public dashboard of ${uid} came back without an access token`, pd.status, false);
    return `${api.base}/public-dashboards/${token}`;
  }

  private async dashboards(): Promise<Record<string, unknown>[]> {
    const dir = this.d.dashboardsDir ?? DEFAULT_DASHBOARDS_DIR;
    const suffix = `-${this.language}.json`;
    const files = (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort();
    if (files.length === 0) throw new GrafanaApiError(`no dashboards *${suffix} in ${dir} (make dashboards)`, undefined, false);
    return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), "utf8")) as Record<string, unknown>));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.d.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.lifetime.abort();
    await this.running;
  }

  health(): ComponentHealth {
    const where = this.api?.base ?? this.d.config.url;
    if (this.state === "ok") return { state: "ok", message: `${this.published.length} dashboards published to ${where}` };
    if (this.state === "starting") return { state: "starting", message: `publishing dashboards to ${where}` };
    const retry = this.state === "retrying" && this.nextRetryAtMs !== undefined ? `; retry in ${Math.max(0, Math.round((this.nextRetryAtMs - this.d.clock.nowMs()) / 1000))} s` : "; not retried until POST /api/grafana/publish";
    return { state: "degraded", message: `dashboards not published${retry}: ${this.lastError ?? "?"}`, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  status(): unknown {
    return {
      grafana: this.api?.base ?? this.d.config.url,
      folder_uid: this.d.config.folder_uid,
      language: this.language,
      state: this.state,
      attempts: this.attempts,
      last_published_ms: this.lastPublishedMs ?? null,
      last_error: this.lastError ?? null,
      dashboards: this.published,
      public_urls: this.published.flatMap((p) => (p.publicUrl ? [p.publicUrl] : [])),
    };
  }
}

/** POST /api/grafana/publish: publishes now and answers what /status shows (guarded like every write route). */
export function publishRoutes(p: DashboardPublisher): FastifyPluginAsync {
  return async (app) => {
    app.post("/api/grafana/publish", async (_req, reply) => {
      await p.publish();
      const s = p.status() as { state: string };
      return reply.code(s.state === "ok" ? 200 : 502).send(s);
    });
  };
}
