import Fastify, { type FastifyInstance } from "fastify";
import type { HealthRegistry } from "../core/health.ts";
import type { Logger } from "../core/log.ts";
import type { Metrics } from "../core/metrics.ts";
import type { StatusRegistry } from "../core/status.ts";
import { guardWriteRoutes, type WriteAuth } from "./write-auth.ts";
import { systemClock } from "../core/clock.ts";

/**
 * The HTTP API (fastify). Core routes: / (banner), /health (200 or 503), /status, /metrics, /config
 * (secrets masked). Other areas add
 * their routes as plugins before listen(). Every error answers JSON: { error, code, statusCode }.
 * Every route that changes something passes the write guard (write-auth.ts) unless it declares
 * `config: { auth: "own" }` and authenticates itself.
 */
export interface HttpDeps {
  log: Logger;
  health: HealthRegistry;
  status: StatusRegistry;
  metrics: Metrics;
  version: string;
  startedAtMs: number;
  /** the effective config with every secret masked (GET /config) */
  redactedConfig: unknown;
  /** a request must arrive whole within requestMs, its headers within headersMs */
  timeouts: { requestMs: number; headersMs: number };
  /** the guard of every writing route */
  writeAuth: WriteAuth;
}

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  const { requestMs } = deps.timeouts;
  const headersMs = Math.min(deps.timeouts.headersMs, requestMs);
  const app = Fastify({
    logger: false, bodyLimit: 1024 * 1024, return503OnClosing: true,
    // no client may hold a socket open by trickling or never sending what it announced; Node
    // checks the request/headers deadlines every connectionsCheckingInterval
    requestTimeout: requestMs,
    connectionTimeout: requestMs * 2,
    keepAliveTimeout: 5000,
    http: { headersTimeout: headersMs, requestTimeout: requestMs, connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(headersMs / 4))) },
  });
  const log = deps.log;
  // registered before any route or plugin, so every route in every child context passes it
  app.addHook("onRoute", guardWriteRoutes(deps.writeAuth));

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    const statusCode = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (statusCode >= 500) log.error(`${req.method} ${req.url} failed: ${err.message}`);
    void reply.code(statusCode).send({
      error: statusCode >= 500 ? "internal error" : err.message,
      code: err.code ?? (statusCode >= 500 ? "GRIDBOX_INTERNAL" : "GRIDBOX_BAD_REQUEST"),
      statusCode,
    });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: `no route ${req.method} ${req.url.split("?")[0]}`, code: "GRIDBOX_NOT_FOUND", statusCode: 404 });
  });

  // a person's browser goes to the admin page (provisioning/); programs get the banner
  app.get("/", async (req, reply) => (/text\/html/.test(String(req.headers.accept ?? "")) ? reply.redirect("/setup/") : reply.send({ name: "gridbox", version: deps.version, endpoints: ["/health", "/status", "/metrics", "/config", "/setup/"] })));

  app.get("/config", async () => deps.redactedConfig);

  app.get("/health", async (_req, reply) => {
    const snap = deps.health.snapshot();
    return reply.code(snap.status === "down" ? 503 : 200).send({
      // the boot phase: this server runs only with a valid config (setup and failure pages answer "setup" / "failed")
      mode: "running",
      status: snap.status,
      version: deps.version,
      uptime_s: Math.round((systemClock.nowMs() - deps.startedAtMs) / 1000),
      components: snap.components,
    });
  });

  app.get("/status", async () => ({
    version: deps.version,
    uptime_s: Math.round((systemClock.nowMs() - deps.startedAtMs) / 1000),
    ...deps.status.snapshot(),
  }));

  app.get("/metrics", async (_req, reply) => {
    const text = await deps.metrics.metrics();
    return reply.type(deps.metrics.contentType).send(text);
  });

  return app;
}
