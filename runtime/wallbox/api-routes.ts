import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CommandRefused, errorMessage } from "../core/errors.ts";
import type { AuditLog } from "./audit-log.ts";
import { describeCommand, parseCommandBody, type WallboxCommand } from "./command.ts";
import { commandOutcome, type WallboxController } from "./controller.ts";

/**
 * The wallbox API: GET /api/wallbox (state), GET /api/wallbox/events (audit log, newest first),
 * and commands POST /api/wallbox/start | stop | mode {"mode"} | current {"current_a"} |
 * command {"action", ...}. Commands pass the HTTP server's write guard (http.api_token as Bearer
 * token; without one configured they answer 403); refusals land in the audit log. A refused
 * command answers 422 and changes nothing.
 */
export interface ApiDeps {
  controller: Pick<WallboxController, "command" | "check" | "snapshot">;
  audit: AuditLog;
}

const fail = (reply: FastifyReply, statusCode: number, code: string, error: string): FastifyReply =>
  reply.code(statusCode).send({ error, code, statusCode });

export function apiRoutes(deps: ApiDeps) {
  const { controller, audit } = deps;

  async function run(req: FastifyRequest, reply: FastifyReply, build: (body: Record<string, unknown>) => WallboxCommand): Promise<FastifyReply> {
    const body = req.body && typeof req.body === "object" && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    let cmd: WallboxCommand;
    try {
      cmd = build(body);
    } catch (err) {
      audit.record({ source: "api", client: req.ip, result: "bad-request", detail: errorMessage(err) });
      return fail(reply, 400, "GRIDBOX_BAD_COMMAND", errorMessage(err));
    }
    try {
      controller.check(cmd);
    } catch (err) {
      if (!(err instanceof CommandRefused)) throw err;
      audit.record({ source: "api", client: req.ip, action: describeCommand(cmd), result: "refused", detail: err.message });
      return fail(reply, 422, "GRIDBOX_COMMAND_REFUSED", err.message);
    }
    const snap = await controller.command(cmd, "api");
    const failed = snap.last_error;
    audit.record({ source: "api", client: req.ip, action: describeCommand(cmd), ...commandOutcome(snap) });
    if (failed) return fail(reply, 502, "GRIDBOX_CHARGER_FAILED", `charger did not take the command: ${failed}`);
    return reply.send(snap);
  }

  return async function plugin(app: FastifyInstance): Promise<void> {
    // the write guard answers before our handlers run: record its refusals of commands here
    app.addHook("onResponse", async (req, reply) => {
      if (req.method !== "POST" || (reply.statusCode !== 401 && reply.statusCode !== 403)) return;
      audit.record({ source: "api", client: req.ip, result: "unauthorized", detail: `HTTP ${reply.statusCode} on ${req.url.split("?")[0]}` });
    });
    app.get("/api/wallbox", async () => controller.snapshot());
    app.get<{ Querystring: { limit?: string } }>("/api/wallbox/events", async (req) => {
      const limit = Math.min(500, Math.max(1, Number(req.query.limit ?? 100) || 100));
      return { total: audit.total, events: audit.list(limit) };
    });
    app.post("/api/wallbox/start", (req, reply) => run(req, reply, () => ({ action: "start" })));
    app.post("/api/wallbox/stop", (req, reply) => run(req, reply, () => ({ action: "stop" })));
    app.post("/api/wallbox/mode", (req, reply) => run(req, reply, (b) => parseCommandBody({ action: "set-mode", mode: b.mode })));
    app.post("/api/wallbox/current", (req, reply) => run(req, reply, (b) => parseCommandBody({ action: "set-current", current_a: b.current_a })));
    app.post("/api/wallbox/command", (req, reply) => run(req, reply, (b) => parseCommandBody(b)));
  };
}
