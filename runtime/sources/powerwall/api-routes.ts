import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ManualPollGate, type ManualPollResult } from "./manual-poll-gate.ts";
import type { PowerwallPoller, PollWrite, Snapshot } from "./poller.ts";
import { readingToJson } from "./points.ts";

/**
 * REST routes with powerwall-influx parity (a fastify plugin):
 * - GET  /snapshot       the last cached poll and its age (503 before the first success)
 * - GET  /snapshot/live  poll now; ?push_to_influx=true writes the point to the outbox (and so to
 *                        MQTT/Home Assistant too); ?publish_mqtt=true alone updates only the latest
 *                        values + bus (Home Assistant), not InfluxDB. Both default to false.
 * - POST /poll           poll now and write the point like a background poll
 * A failed live poll answers 502 with the error and the breaker state. Shapes: README "Tesla Powerwall".
 * Manual polls go through a ManualPollGate (at most a few gateway polls per minimum interval), and
 * every request that writes passes the HTTP write guard: POST /poll through the server's own
 * hook, /snapshot/live with a write flag through `writeAuth` here.
 */
export interface PowerwallRouteDeps {
  nowMs: () => number;
  /** powerwall.manual_poll_min_interval_ms */
  minIntervalMs: number;
  /** the HTTP write guard: answers the refusal and returns true when the request may not write */
  writeAuth: { refuse(req: FastifyRequest, reply: FastifyReply): Promise<boolean> };
}

export function powerwallRoutes(poller: PowerwallPoller, deps: PowerwallRouteDeps) {
  const gate = new ManualPollGate((write) => poller.pollNow(write), deps.nowMs, deps.minIntervalMs);
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get("/snapshot", async (_req, reply) => {
      const snap = poller.snapshot();
      if (!snap) {
        return reply.code(503).send({ error: "no successful Powerwall poll yet", code: "GRIDBOX_SOURCE_UNAVAILABLE", statusCode: 503, status: poller.status() });
      }
      return { ...body(snap), age_s: round1(snap.ageMs / 1000) };
    });

    app.get<{ Querystring: { push_to_influx?: boolean; publish_mqtt?: boolean } }>("/snapshot/live", {
      schema: {
        querystring: {
          type: "object",
          properties: { push_to_influx: { type: "boolean" }, publish_mqtt: { type: "boolean" } },
          additionalProperties: false,
        },
      },
    }, async (req, reply) => {
      const push = req.query.push_to_influx === true;
      const mqtt = req.query.publish_mqtt === true;
      const write: PollWrite = push ? "all" : mqtt ? "mqtt" : "none";
      if (write !== "none" && await deps.writeAuth.refuse(req, reply)) return reply;
      return answer(reply, await gate.poll(write));
    });

    app.post("/poll", async (_req, reply) => answer(reply, await gate.poll("all")));

    function answer(reply: FastifyReply, result: ManualPollResult): unknown {
      if (!result.ok || !result.snapshot) {
        const status = poller.status() as { breaker: unknown };
        return reply.code(502).send({ error: `Powerwall poll failed: ${result.error ?? "unknown"}`, code: "GRIDBOX_SOURCE_UNAVAILABLE", statusCode: 502, breaker: status.breaker });
      }
      // a joined answer is as old as the poll that made it, and says what that poll wrote
      const ageS = result.fresh ? 0 : round1(Math.max(0, deps.nowMs() - result.snapshot.polledAtMs) / 1000);
      return { ...body(result.snapshot), age_s: ageS, pushed_to_influx: result.wrote === "all", published_mqtt: result.wrote !== "none", fresh: result.fresh };
    }
  };
}

function body(s: Snapshot): Record<string, unknown> {
  return { timestamp: new Date(s.polledAtMs).toISOString(), data: readingToJson(s.reading) };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
