import { hostname } from "node:os";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { Bus } from "./core/bus.ts";
import { systemClock, type Clock } from "./core/clock.ts";
import type { Context } from "./core/component.ts";
import { noHomeAssistant, type HomeAssistantBridge } from "./core/home-assistant.ts";
import { HealthRegistry, type ComponentHealth } from "./core/health.ts";
import { createLogger, type Logger } from "./core/log.ts";
import { createMetrics, gauge } from "./core/metrics.ts";
import type { Outbox, PointWriter } from "./core/outbox.ts";
import type { Point } from "./core/point.ts";
import { SiteModel } from "./core/site-model.ts";
import { StatusRegistry } from "./core/status.ts";
import { Supervisor } from "./core/supervisor.ts";
import type { LoadedConfig } from "./config/load.ts";
import { ConfigSchema } from "./config/schema.ts";
import { redactConfig } from "./config/secrets.ts";
import { createHttpServer } from "./http/server.ts";
import { WriteAuth, type WriteVerifier } from "./http/write-auth.ts";
import { EmbeddedBroker } from "./broker/embedded-broker.ts";
import { verifyPassword } from "./core/password-hash.ts";
import { DeviceIngest } from "./ingest/device-ingest.ts";
import { buildOutbox } from "./compose/outbox.ts";
import { startSources } from "./compose/sources.ts";
import { startSystemSettings } from "./compose/system.ts";
import { startWallbox } from "./compose/wallbox.ts";
import { InMemoryLatestValues } from "./state/latest-values.ts";
import { VERSION } from "./version.ts";

/**
 * The composition root: the only place that constructs components. It wires them through the
 * context (log, clock, bus, metrics, points, latest values, site model) and hands each to the
 * Supervisor (core/supervisor.ts), the one lifecycle policy: start in order, health and status
 * registered, a unit that fails to start marked down and retried with backoff while its neighbours
 * run, stop in reverse. Sources, the sink and the charger driver come from their registries
 * (runtime/sources/index.ts, runtime/sinks/index.ts, runtime/wallbox/drivers/index.ts), loaded
 * only when the config enables them. If the start aborts (the outbox or the HTTP port cannot come
 * up) everything already started is stopped before the error is thrown, so a caller can start
 * again with a new config in the same process (provisioning, SIGHUP).
 */
export interface StartOptions {
  log?: Logger;
  clock?: Clock;
  /** a johnny-five IO plugin instead of the Pi's GPIO (wallbox driver gpio; tests and the demo) */
  wallboxIo?: object;
  /** more routes on the HTTP server, registered before it listens (the admin page, from the boot supervisor) */
  httpRoutes?: readonly FastifyPluginAsync[];
  /** more ways to authenticate HTTP writes beside http.api_token (the admin session) */
  writeVerifiers?: readonly WriteVerifier[];
  /** more GET /status sections from outside the running components (the setup hotspot, which runs beside every boot phase) */
  statusSections?: Readonly<Record<string, () => unknown>>;
  /** more /health components from outside the running components (the setup button, when enabled), never critical */
  healthSections?: Readonly<Record<string, () => ComponentHealth>>;
  /** gridbox's state folder (default: /var/lib/gridbox on the Pi, ./var in a checkout); tests use their own */
  stateDir?: string;
}

export interface Gridbox {
  readonly ctx: Context;
  readonly health: HealthRegistry;
  readonly status: StatusRegistry;
  readonly outbox: Outbox;
  readonly http: FastifyInstance | undefined;
  /** bound addresses, for tests that listen on port 0 */
  readonly addresses: Addresses;
  stop(): Promise<void>;
}

/** Where each listener ended up (port 0 in tests picks a free port). Areas add their own keys. */
export interface Addresses { http?: string; mqtt?: string; ws?: string; ocpp?: string }

/** Retry of a component that failed to start: 1 s doubling to 60 s (as the broker's listeners). */
const RETRY = { initialMs: 1_000, maxMs: 60_000 };

export async function startGridbox(loaded: LoadedConfig, opts: StartOptions = {}): Promise<Gridbox> {
  const { config } = loaded;
  const startedAtMs = (opts.clock ?? systemClock).nowMs();
  const format = config.log.format === "auto" ? undefined : config.log.format;
  const log = (opts.log ?? createLogger("gridbox", { level: config.log.level, levels: config.log.levels, ...(format ? { format } : {}) })).redact(...loaded.secrets);
  for (const w of loaded.warnings) log.warn(w);

  const clock = opts.clock ?? systemClock;
  const bus = new Bus();
  bus.onListenerError((err) => log.error(`bus listener failed: ${String(err)}`));
  const metrics = createMetrics({ version: VERSION });
  const health = new HealthRegistry();
  const status = new StatusRegistry();
  for (const [name, read] of Object.entries(opts.statusSections ?? {})) status.register(name, read);
  for (const [name, read] of Object.entries(opts.healthSections ?? {})) health.register(name, read);
  const latest = new InMemoryLatestValues(clock);
  const site = new SiteModel(clock, { gridMeter: config.site.grid_meter });
  const host = config.site.host || hostname();
  const sup = new Supervisor({ clock, log, health, status, retry: RETRY });
  const addresses: Addresses = {};

  try {
    // ---- outbox: memory for one flush interval -> the chosen sink; the SQLite store when it cannot take them
    const outbox = await buildOutbox({ config, log: log.child("outbox"), clock, health, status, metrics });
    await sup.add({ name: "outbox", start: (s) => outbox.start(s), stop: () => outbox.stop(), health: () => outbox.health() }, { critical: true, required: true });

    const points: PointWriter = {
      write(batch: readonly Point[]): boolean {
        const more = outbox.write(batch);
        latest.update(batch);
        bus.emit("points", batch);
        return more;
      },
    };
    // ---- Home Assistant bridge: built first so every source and the wallbox can declare entities; it connects in start(), after the broker
    const haPublisher = config.homeassistant.enabled
      ? new (await import("./homeassistant/publisher.ts")).HomeAssistantPublisher({ log: log.child("homeassistant"), clock, health, status, config, host, version: VERSION, metrics, embeddedBrokerAddress: () => addresses.mqtt })
      : undefined;
    const ha: HomeAssistantBridge = haPublisher ?? noHomeAssistant;

    const ctx: Context = { log, clock, bus, metrics, points, latest, ha, site, host };
    gauge(metrics, "gridbox_up", "1 while gridbox runs", [], function () { this.set(1); });
    // ---- gridbox's own metrics through the sink (measurement `gridbox`), for the gridbox dashboard
    if (config.sink.type !== "none" && config.outbox.self_metrics_ms > 0) {
      const self = new (await import("./self-metrics/self-metrics-writer.ts")).SelfMetricsWriter(ctx, config.outbox.self_metrics_ms);
      await sup.add({ name: "self_metrics", start: (s) => self.start(s), stop: () => self.stop(), health: () => self.health() });
    }

    // every route that changes something passes writeAuth (fails closed without http.api_token)
    const writeAuth = new WriteAuth({ token: config.http.api_token, log: log.child("http"), verifiers: opts.writeVerifiers ?? [] });
    const timeouts = { requestMs: config.http.request_timeout_ms, headersMs: config.http.headers_timeout_ms };
    const http = config.http.enabled
      ? createHttpServer({ log: log.child("http"), health, status, metrics, version: VERSION, startedAtMs, redactedConfig: redactConfig(ConfigSchema, config), timeouts, writeAuth })
      : undefined;

    // ---- the Pi's own settings: home Wi-Fi (new settings that cannot join abort the start: the boot supervisor rolls back), host name, time zone, SSH keys
    await startSystemSettings({ config, ctx, sup, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });

    // ---- embedded MQTT broker + ESP32 ingest: ingest reads what the broker hands over in-process
    const ingest = new DeviceIngest(ctx, { minValidTime: config.ingest.min_valid_time, maxFutureSkewS: config.ingest.max_future_skew_s, maxPayloadBytes: config.broker.limits.max_payload_bytes, homeAssistantMaxDevices: config.ingest.homeassistant_max_devices });
    await sup.add({ name: "ingest", start: (s) => ingest.start(s), stop: () => ingest.stop(), health: () => ingest.health(), status: () => ingest.status() });
    if (config.broker.enabled) {
      const broker = new EmbeddedBroker({ config: config.broker, log: log.child("broker"), metrics, verifyPassword, sink: ingest });
      // live views: a broker that could not listen at boot retries and binds later
      for (const key of ["mqtt", "ws"] as const) Object.defineProperty(addresses, key, { get: () => broker.addresses[key], enumerable: true, configurable: true });
      await sup.add({ name: "broker", start: (s) => broker.start(s), stop: () => broker.stop(), health: () => broker.health(), status: () => broker.status() }, { critical: true });
    } else {
      sup.addDisabled("broker", "broker.enabled is false");
    }

    // ---- sources (runtime/sources/index.ts): every enabled one, each its own failure domain
    await startSources({ config, ctx, sup, http, writeGuard: writeAuth });

    // ---- Wi-Fi association to the Powerwall's AP: checks and joins in the background
    if (config.wifi.enabled) {
      const { WifiAssociation } = await import("./network/wifi-association.ts");
      const wifi = new WifiAssociation({ log: log.child("wifi"), clock, config: config.wifi });
      await sup.add({ name: "wifi", start: (s) => wifi.start(s), stop: () => wifi.stop(), health: () => wifi.health() });
    } else {
      sup.addDisabled("wifi", "wifi.enabled is false");
    }
    // ---- Home Assistant publisher: after the broker, so addresses.mqtt is known; never waits for the connection
    if (haPublisher) {
      await sup.add({ name: "homeassistant", start: (s) => haPublisher.start(s), stop: () => haPublisher.stop(), health: () => haPublisher.health(), status: () => haPublisher.stats() });
    } else {
      sup.addDisabled("homeassistant", "homeassistant.enabled is false");
    }

    // ---- wallbox controller, Grafana webhooks, the charger driver (runtime/wallbox/drivers/index.ts)
    await startWallbox({ config, ctx, sup, http, addresses, ...(opts.wallboxIo ? { io: opts.wallboxIo } : {}) });
    // ---- optional: the dashboards published to a Grafana (runtime/grafana/dashboard-publisher.ts), once at start and on POST /api/grafana/publish
    if (config.grafana.enabled) {
      const { DashboardPublisher, publishRoutes } = await import("./grafana/dashboard-publisher.ts");
      const publisher = new DashboardPublisher({ log: log.child("grafana").redact(config.grafana.token), clock, config: config.grafana, sinkType: config.sink.type, version: VERSION });
      if (http) await http.register(publishRoutes(publisher));
      await sup.add({ name: "grafana_publish", start: (s) => publisher.start(s), stop: () => publisher.stop(), health: () => publisher.health(), status: () => publisher.status() });
    }

    if (http) {
      for (const routes of opts.httpRoutes ?? []) await http.register(routes);
      await sup.add({
        name: "http",
        start: async () => {
          addresses.http = await http.listen({ host: config.http.host, port: config.http.port });
          // fastify names a wildcard bind by a loopback URL: say that the LAN can reach it too
          const everywhere = config.http.host === "0.0.0.0" || config.http.host === "::";
          log.info(`HTTP API on ${addresses.http}${everywhere ? ` (listening on every address, ${config.http.host}:${config.http.port})` : ""}`);
          const noCredential = writeAuth.startupWarning();
          if (noCredential) log.child("http").warn(noCredential);
        },
        stop: () => http.close(),
        health: () => ({ state: "ok", message: `listening on ${addresses.http ?? "?"}` }),
      }, { required: true });
    }

    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopping ??= sup.stop().then(() => log.info("gridbox stopped"));
      return stopping;
    };
    log.info(`gridbox ${VERSION} started (site ${config.site.name}, host ${host})`);
    return { ctx, health, status, outbox, http, addresses, stop };
  } catch (err) {
    // nothing started may outlive an aborted start
    await sup.stop();
    throw err;
  }
}
