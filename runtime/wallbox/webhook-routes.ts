import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../core/clock.ts";
import { CommandRefused, errorMessage } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { AlertMapping } from "./alert-mapping.ts";
import type { AuditLog } from "./audit-log.ts";
import { describeCommand, parseCommandBody, type CommandSource, type WallboxCommand } from "./command.ts";
import { commandOutcome, type WallboxConfig, type WallboxController } from "./controller.ts";
import { parseGrafanaPayload, PayloadError } from "./grafana-payload.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { RepeatFilter } from "./repeat-filter.ts";
import { checkHmac, checkToken, SeenSignatures } from "./webhook-auth.ts";

/**
 * POST /webhook/grafana and POST /webhook/test. Order of checks: rate limit (429), token (401),
 * HMAC of the raw body (401), JSON (400), payload shape (400). Grafana gets its 200 at once; the
 * mapped actions run after the answer, and every alert with what it caused lands in the audit log.
 */
export interface WebhookDeps {
  config: WallboxConfig["grafana"];
  controller: Pick<WallboxController, "command" | "check">;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
}

interface Outcome { alert: string; status: string; fingerprint: string; action: string | null; outcome: "queued" | "ignored" | "duplicate" | "unknown-alert" | "refused"; error?: string }

const fail = (reply: FastifyReply, statusCode: number, code: string, error: string): FastifyReply =>
  reply.code(statusCode).send({ error, code, statusCode });

export function webhookRoutes(deps: WebhookDeps) {
  const { config, audit, clock } = deps;
  const mapping = new AlertMapping(config.alerts);
  const repeats = new RepeatFilter();
  const limiter = new RateLimiter(config.rate_limit_per_minute, () => clock.nowMs());
  const limited = new Set<string>();
  const seenSignatures = new SeenSignatures();

  /** The checks every webhook shares; sends the error and returns false when one fails. */
  function admit(req: FastifyRequest, reply: FastifyReply, source: CommandSource): boolean {
    const waitMs = limiter.take(req.ip);
    if (waitMs > 0) {
      // one audit entry (and journal line) per burst, not one per refused request
      if (!limited.has(req.ip)) audit.record({ source, client: req.ip, result: "rate-limited", detail: "further requests refused until the rate drops" });
      limited.add(req.ip);
      if (limited.size > 1000) limited.clear();
      void reply.header("retry-after", String(Math.ceil(waitMs / 1000)));
      void fail(reply, 429, "GRIDBOX_RATE_LIMITED", `too many requests from ${req.ip}; retry in ${Math.ceil(waitMs / 1000)} s`);
      return false;
    }
    limited.delete(req.ip);
    let problem: string | undefined;
    if (config.token) problem = checkToken(req.headers.authorization, config.token);
    else if (!config.hmac_secret) problem = "webhook authentication is not configured (set wallbox.grafana.token)";
    if (!problem && config.hmac_secret) {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      problem = checkHmac(raw, req.headers, {
        secret: config.hmac_secret, header: config.hmac_header, timestampHeader: config.hmac_timestamp_header,
        toleranceMs: config.timestamp_tolerance_ms,
      }, clock.nowMs(), seenSignatures);
    }
    if (problem) {
      audit.record({ source, client: req.ip, result: "unauthorized", detail: problem });
      void fail(reply, 401, "GRIDBOX_UNAUTHORIZED", problem);
      return false;
    }
    return true;
  }

  function json(req: FastifyRequest, reply: FastifyReply, source: CommandSource): { ok: true; body: unknown } | { ok: false } {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
    try {
      return { ok: true, body: JSON.parse(raw) as unknown };
    } catch (err) {
      audit.record({ source, client: req.ip, result: "bad-request", detail: `bad JSON: ${errorMessage(err)}` });
      void fail(reply, 400, "GRIDBOX_BAD_JSON", `body is not valid JSON: ${errorMessage(err)}`);
      return { ok: false };
    }
  }

  function runLater(cmd: WallboxCommand, source: CommandSource, client: string, alert?: { name: string; status: string; fingerprint: string }): void {
    const action = describeCommand(cmd);
    const base = { source, client, action, ...(alert ? { alert: alert.name, status: alert.status, fingerprint: alert.fingerprint } : {}) };
    setImmediate(() => {
      deps.controller.command(cmd, source).then(
        (snap) => audit.record({ ...base, ...commandOutcome(snap) }),
        (err: unknown) => audit.record({ ...base, result: err instanceof CommandRefused ? "refused" : "failed", detail: errorMessage(err) }),
      );
    });
  }

  return async function plugin(app: FastifyInstance): Promise<void> {
    // keep the raw bytes: the HMAC covers them exactly, and bad JSON must get our own 400
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));

    // Grafana sends POST by default; PUT is its other allowed method
    // config.auth "own": these routes check Grafana's token/HMAC themselves, not the HTTP write guard
    app.route({ method: ["POST", "PUT"], url: "/webhook/grafana", config: { auth: "own" }, handler: async (req, reply) => {
      if (!admit(req, reply, "grafana")) return reply;
      const parsed = json(req, reply, "grafana");
      if (!parsed.ok) return reply;
      let payload;
      try {
        payload = parseGrafanaPayload(parsed.body);
      } catch (err) {
        if (!(err instanceof PayloadError)) throw err;
        audit.record({ source: "grafana", client: req.ip, result: "bad-request", detail: err.message });
        return fail(reply, 400, "GRIDBOX_BAD_PAYLOAD", `not a Grafana webhook payload: ${err.message}`);
      }
      const outcomes: Outcome[] = payload.alerts.map((a) => {
        const base = { alert: a.name, status: a.status, fingerprint: a.fingerprint };
        const mapped = a.status === "other" ? undefined : mapping.lookup(a.name, a.status);
        if (a.status === "other") {
          audit.record({ source: "grafana", client: req.ip, ...base, result: "ignored", detail: "neither firing nor resolved" });
          return { ...base, action: null, outcome: "ignored" };
        }
        if (repeats.isRepeat(a.fingerprint, a.status, a.startsAt)) {
          audit.record({ source: "grafana", client: req.ip, ...base, ...(mapped ? { action: mapped.text } : {}), result: "duplicate", detail: "repeat notification suppressed" });
          return { ...base, action: mapped?.text ?? null, outcome: "duplicate" };
        }
        if (!mapped) {
          audit.record({ source: "grafana", client: req.ip, ...base, result: "ignored", detail: "no mapping for this alert" });
          return { ...base, action: null, outcome: "unknown-alert" };
        }
        try {
          deps.controller.check(mapped.command);
        } catch (err) {
          audit.record({ source: "grafana", client: req.ip, ...base, action: mapped.text, result: "refused", detail: errorMessage(err) });
          return { ...base, action: mapped.text, outcome: "refused", error: errorMessage(err) };
        }
        audit.record({ source: "grafana", client: req.ip, ...base, action: mapped.text, result: "accepted" });
        runLater(mapped.command, "grafana", req.ip, { name: a.name, status: a.status, fingerprint: a.fingerprint });
        return { ...base, action: mapped.text, outcome: "queued" };
      });
      return reply.code(200).send({ status: "accepted", format: payload.format, alerts: outcomes });
    } });

    app.post("/webhook/test", { config: { auth: "own" } }, async (req, reply) => {
      if (!admit(req, reply, "webhook-test")) return reply;
      const parsed = json(req, reply, "webhook-test");
      if (!parsed.ok) return reply;
      let cmd: WallboxCommand;
      try {
        cmd = parseCommandBody(parsed.body);
      } catch (err) {
        audit.record({ source: "webhook-test", client: req.ip, result: "bad-request", detail: errorMessage(err) });
        return fail(reply, 400, "GRIDBOX_BAD_COMMAND", errorMessage(err));
      }
      try {
        deps.controller.check(cmd);
      } catch (err) {
        audit.record({ source: "webhook-test", client: req.ip, action: describeCommand(cmd), result: "refused", detail: errorMessage(err) });
        return fail(reply, 422, "GRIDBOX_COMMAND_REFUSED", errorMessage(err));
      }
      audit.record({ source: "webhook-test", client: req.ip, action: describeCommand(cmd), result: "accepted" });
      runLater(cmd, "webhook-test", req.ip);
      return reply.code(202).send({ status: "accepted", action: describeCommand(cmd) });
    });
  };
}
