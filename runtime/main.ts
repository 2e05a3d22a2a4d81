import { hostname } from "node:os";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { Bus } from "./core/bus.ts";
import { systemClock, type Clock } from "./core/clock.ts";
import type { Context } from "./core/component.ts";
import { noHomeAssistant, type HomeAssistantBridge } from "./core/home-assistant.ts";
import { HealthRegistry } from "./core/health.ts";
import { createLogger, type Logger } from "./core/log.ts";
import { createMetrics, gauge } from "./core/metrics.ts";
import type { Outbox, PointWriter } from "./core/outbox.ts";
import type { Point } from "./core/point.ts";
import { StatusRegistry } from "./core/status.ts";
import type { LoadedConfig } from "./config/load.ts";
import { ConfigSchema } from "./config/schema.ts";
import { redactConfig } from "./config/secrets.ts";
import { createHttpServer } from "./http/server.ts";
import { WriteAuth } from "./http/write-auth.ts";
import { EmbeddedBroker } from "./broker/embedded-broker.ts";
import { verifyPassword } from "./core/password-hash.ts";
import { DeviceIngest } from "./ingest/device-ingest.ts";
import { MemoryOutbox } from "./outbox/memory-outbox.ts";
import { InMemoryLatestValues } from "./state/latest-values.ts";
import { ConfigError } from "./core/errors.ts";
import { VERSION } from "./version.ts";

/**
 * The composition root: the only place that constructs components. It wires them through the
 * context (log, clock, bus, metrics, points, latest values), starts them, and stops them in
 * reverse order. A component that fails to start is marked down; the rest keep running.
 * Optional areas are imported only when the config switches them on: their libraries (ocpp-rpc,
 * johnny-five, protobufjs, MQTT.js, SQLite) then cost no memory on a Pi that does not use them.
 */
export interface StartOptions {
  log?: Logger;
  clock?: Clock;
  /** a johnny-five IO plugin instead of the Pi's GPIO (wallbox driver gpio; tests and the demo) */
  wallboxIo?: object;
  /** more routes on the HTTP server, registered before it listens (the admin page, from the supervisor) */
  httpRoutes?: readonly FastifyPluginAsync[];
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

interface Stoppable { name: string; stop(): Promise<void> }

/**
 * Starts everything the config switches on. When something it must have cannot come up (the HTTP
 * port is taken, say) it stops what it had already started before it throws, so the caller can
 * start another config (the supervisor's rollback) on the same ports.
 */
export async function startGridbox(loaded: LoadedConfig, opts: StartOptions = {}): Promise<Gridbox> {
  const stoppables: Stoppable[] = [];
  try {
    return await build(loaded, opts, stoppables);
  } catch (err) {
    for (const s of [...stoppables].reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}

async function build(loaded: LoadedConfig, opts: StartOptions, stoppables: Stoppable[]): Promise<Gridbox> {
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
  const latest = new InMemoryLatestValues(clock);
  const host = config.site.host || hostname();
  const lifetime = new AbortController();

  // ---- outbox: where every reading goes (issue 3): memory for one flush interval -> InfluxDB; the SQLite store when it cannot take them
  let outbox: Outbox;
  if (config.influx.url) {
    const [{ InfluxSink }, { SinkLink }, { BatchStore }, { DurableOutbox }, { registerOutboxMetrics }, { resolveStorePath }] = await Promise.all([
      import("./sinks/influx-sink.ts"), import("./outbox/sink-link.ts"), import("./outbox/batch-store.ts"),
      import("./outbox/durable-outbox.ts"), import("./outbox/outbox-metrics.ts"), import("./outbox/store-path.ts"),
    ]);
    const { influx: ix, outbox: ob } = config;
    const olog = log.child("outbox");
    const sink = new InfluxSink({ url: ix.url, org: ix.org, bucket: ix.bucket, token: ix.token, precision: ix.precision, timeoutMs: ix.timeout_ms });
    const link = new SinkLink(sink, clock, olog.child("sink"), { initialMs: ob.retry.initial_ms, maxMs: ob.retry.max_ms });
    const store = new BatchStore(resolveStorePath(ob.store.path), ob.store.max_bytes, () => clock.nowMs(), ob.store.synchronous);
    const durable = new DurableOutbox({ link, store, clock, log: olog, flushIntervalMs: ob.flush_interval_ms, batchMaxLines: ob.batch_max_lines, memoryMaxReadings: ob.memory_max_readings, precision: ix.precision });
    health.register("sink", () => durable.sinkHealth());
    health.register("store", () => durable.storeHealth(), { critical: true });
    status.register("outbox", () => durable.status());
    registerOutboxMetrics(metrics, durable);
    outbox = durable;
  } else {
    // no sink configured (make run's default): keep the newest readings in memory only, and say so
    const memory = new MemoryOutbox(config.outbox.memory_max_readings);
    health.register("sink", () => ({ state: "disabled", message: `no influx.url configured: the newest ${config.outbox.memory_max_readings} readings are kept in memory only and lost on restart` }));
    health.register("store", () => ({ state: "disabled", message: "not used without a sink" }));
    status.register("outbox", () => memory.stats());
    outbox = memory;
  }
  await outbox.start(lifetime.signal);
  health.register("outbox", () => outbox.health(), { critical: true });
  stoppables.push({ name: "outbox", stop: () => outbox.stop() });

  const points: PointWriter = {
    write(batch: readonly Point[]): boolean {
      const more = outbox.write(batch);
      latest.update(batch);
      bus.emit("points", batch);
      return more;
    },
  };
  // ---- Home Assistant bridge (issue 4): built here so every area can declare entities; it connects in start(), after the broker
  const haPublisher = config.homeassistant.enabled
    ? new (await import("./homeassistant/publisher.ts")).HomeAssistantPublisher({ log: log.child("homeassistant"), clock, bus, latest, health, status, config, host, version: VERSION, metrics, embeddedBrokerAddress: () => addresses.mqtt })
    : undefined;
  const ha: HomeAssistantBridge = haPublisher ?? noHomeAssistant;

  const ctx: Context = { log, clock, bus, metrics, points, latest, ha, host };
  gauge(metrics, "gridbox_up", "1 while gridbox runs", [], function () { this.set(1); });

  // ---- HTTP API; every route that changes something passes writeAuth (fails closed without http.api_token)
  let http: FastifyInstance | undefined;
  const addresses: Addresses = {};
  const writeAuth = new WriteAuth({ token: config.http.api_token, log: log.child("http") });
  if (config.http.enabled) {
    const redactedConfig = redactConfig(ConfigSchema, config);
    const timeouts = { requestMs: config.http.request_timeout_ms, headersMs: config.http.headers_timeout_ms };
    http = createHttpServer({ log: log.child("http"), health, status, metrics, version: VERSION, startedAtMs, redactedConfig, timeouts, writeAuth });
  }

  // ---- embedded MQTT broker + ESP32 ingest (issue 2)
  // ingest reads what the broker hands over in-process (PublishedMessageSink); neither imports the other
  const ingest = new DeviceIngest(ctx, {
    minValidTime: config.ingest.min_valid_time,
    maxFutureSkewS: config.ingest.max_future_skew_s,
    maxPayloadBytes: config.broker.limits.max_payload_bytes,
  });
  await ingest.start(lifetime.signal);
  health.register("ingest", () => ingest.health());
  status.register("ingest", () => ingest.status());
  stoppables.push({ name: "ingest", stop: () => ingest.stop() });
  if (config.broker.enabled) {
    const broker = new EmbeddedBroker({ config: config.broker, log: log.child("broker"), metrics, verifyPassword, sink: ingest });
    health.register("broker", () => broker.health(), { critical: true });
    status.register("broker", () => broker.status());
    // live views: a broker that could not listen at boot retries and binds later
    for (const key of ["mqtt", "ws"] as const) Object.defineProperty(addresses, key, { get: () => broker.addresses[key], enumerable: true, configurable: true });
    try {
      await broker.start(lifetime.signal);
    } catch (err) {
      log.error(`MQTT broker not started: ${String(err)}`);
    }
    stoppables.push({ name: "broker", stop: () => broker.stop() });
  } else {
    health.register("broker", () => ({ state: "disabled", message: "broker.enabled is false" }));
  }

  // ---- Powerwall source, Wi-Fi association, Home Assistant publisher, Powerwall REST API (issue 4)
  if (config.powerwall.enabled) {
    const [{ PowerwallPoller }, { createPowerwallClient, pollerOptionsFrom }, { powerwallRoutes }] = await Promise.all([
      import("./sources/powerwall/poller.ts"), import("./sources/powerwall/create-client.ts"), import("./sources/powerwall/api-routes.ts"),
    ]);
    try {
      const pw = new PowerwallPoller(ctx, createPowerwallClient(config.powerwall, { clock, log: log.child("source:powerwall") }), pollerOptionsFrom(config.powerwall, config.site.name));
      health.register("powerwall", () => pw.health());
      status.register("powerwall", () => pw.status());
      if (http) await http.register(powerwallRoutes(pw, { nowMs: () => clock.nowMs(), minIntervalMs: config.powerwall.manual_poll_min_interval_ms, writeAuth }));
      await pw.start(lifetime.signal);
      stoppables.push({ name: "powerwall", stop: () => pw.stop() });
    } catch (err) {
      const why = err instanceof ConfigError ? `${err.message}: ${err.problems.join("; ")}` : String(err);
      log.error(`Powerwall source not started: ${why}`);
      health.register("powerwall", () => ({ state: "down", message: `not started: ${why}` }));
    }
  }
  // Wi-Fi association to the Powerwall's AP (issue 4, part 2): checks and joins in the background, never throws
  if (config.wifi.enabled) {
    const { WifiAssociation } = await import("./network/wifi-association.ts");
    const wifi = new WifiAssociation({ log: log.child("wifi"), clock, config: config.wifi });
    health.register("wifi", () => wifi.health());
    await wifi.start(lifetime.signal);
    stoppables.push({ name: "wifi", stop: () => wifi.stop() });
  } else {
    health.register("wifi", () => ({ state: "disabled", message: "wifi.enabled is false" }));
  }
  // Home Assistant publisher (issue 4, part 2): after the broker, so addresses.mqtt is known; never waits for the connection
  if (haPublisher) {
    health.register("homeassistant", () => haPublisher.health());
    status.register("homeassistant", () => haPublisher.stats());
    await haPublisher.start(lifetime.signal);
    stoppables.push({ name: "homeassistant", stop: () => haPublisher.stop() });
  } else {
    health.register("homeassistant", () => ({ state: "disabled", message: "homeassistant.enabled is false" }));
  }

  // ---- wallbox controller, Grafana webhooks, charger drivers (issue 5)
  if (config.wallbox.enabled) {
    const [{ AuditLog }, { createCharger }, { WallboxController }, { WallboxPublisher }, { webhookRoutes }, { apiRoutes: wallboxApiRoutes }] = await Promise.all([
      import("./wallbox/audit-log.ts"), import("./wallbox/drivers/create-charger.ts"), import("./wallbox/controller.ts"),
      import("./wallbox/wallbox-publisher.ts"), import("./wallbox/webhook-routes.ts"), import("./wallbox/api-routes.ts"),
    ]);
    const wb = config.wallbox;
    const wbLog = log.child("wallbox").redact(wb.grafana.token, wb.grafana.hmac_secret, wb.ocpp.password);
    const wbCtx: Context = { ...ctx, log: wbLog };
    const audit = new AuditLog(wbLog.child("audit"), () => clock.nowMs());
    const charger = createCharger({ config: wb, log: wbLog, clock, bus, ...(opts.wallboxIo ? { io: opts.wallboxIo } : {}) });
    const controller = new WallboxController({ ctx: wbCtx, config: wb, charger, audit });
    const wbPublisher = new WallboxPublisher(wbCtx, controller, audit, charger?.kind ?? "none");
    health.register("wallbox", () => controller.health());
    status.register("wallbox", () => ({ ...controller.snapshot(), audit_events: audit.total, driver: (charger as { stats?: unknown } | undefined)?.stats ?? null }));
    if (http) {
      await http.register(webhookRoutes({ config: wb.grafana, controller, audit, clock, log: wbLog }));
      await http.register(wallboxApiRoutes({ controller, audit }));
    }
    if (charger) {
      try {
        await charger.start(lifetime.signal);
        const ocppAddress = (charger as { address?: string }).address;
        if (ocppAddress) addresses.ocpp = ocppAddress;
      } catch (err) {
        wbLog.error(`charger driver ${charger.kind} not started: ${String(err)}`);
      }
      stoppables.push({ name: "wallbox charger", stop: () => charger.stop() });
    }
    wbPublisher.start();
    await controller.start(lifetime.signal);
    stoppables.push({ name: "wallbox", stop: () => controller.stop() });
  } else {
    health.register("wallbox", () => ({ state: "disabled", message: "wallbox.enabled is false" }));
  }

  if (http) {
    for (const routes of opts.httpRoutes ?? []) await http.register(routes);
    addresses.http = await http.listen({ host: config.http.host, port: config.http.port });
    log.info(`HTTP API on ${addresses.http}`);
    const noCredential = writeAuth.startupWarning();
    if (noCredential) log.child("http").warn(noCredential);
    const server = http;
    stoppables.push({ name: "http", stop: () => server.close() });
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      lifetime.abort();
      for (const s of [...stoppables].reverse()) {
        try { await s.stop(); } catch (err) { log.error(`stopping ${s.name} failed: ${String(err)}`); }
      }
      log.info("gridbox stopped");
    })();
    return stopping;
  };
  log.info(`gridbox ${VERSION} started (site ${config.site.name}, host ${host})`);
  return { ctx, health, status, outbox, http, addresses, stop };
}
