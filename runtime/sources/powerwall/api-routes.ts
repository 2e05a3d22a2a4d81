import type { FastifyInstance, FastifyReply } from "fastify";
import type { PollResult, PowerwallPoller, PollWrite, Snapshot } from "./poller.ts";
import { readingToJson } from "./points.ts";

/**
 * REST routes with powerwall-influx parity (a fastify plugin):
 * - GET  /snapshot       the last cached poll and its age (503 before the first success)
 * - GET  /snapshot/live  poll now; ?push_to_influx=true writes the point to the outbox (and so to
 *                        MQTT/Home Assistant too); ?publish_mqtt=true alone updates only the latest
 *                        values + bus (Home Assistant), not InfluxDB. Both default to false.
 * - POST /poll           poll now and write the point like a background poll
 * A failed live poll answers 502 with the error and the breaker state. Shapes: README "Tesla Powerwall".
 */
export function powerwallRoutes(poller: PowerwallPoller) {
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
      const result = await poller.pollNow(write);
      return answer(reply, result, { pushed_to_influx: push, published_mqtt: push || mqtt });
    });

    app.post("/poll", async (_req, reply) => answer(reply, await poller.pollNow("all"), { pushed_to_influx: true, published_mqtt: true }));

    function answer(reply: FastifyReply, result: PollResult, flags: Record<string, boolean>): unknown {
      if (!result.ok || !result.snapshot) {
        const status = poller.status() as { breaker: unknown };
        return reply.code(502).send({ error: `Powerwall poll failed: ${result.error ?? "unknown"}`, code: "GRIDBOX_SOURCE_UNAVAILABLE", statusCode: 502, breaker: status.breaker });
      }
      return { ...body(result.snapshot), age_s: 0, ...flags };
    }
  };
}

function body(s: Snapshot): Record<string, unknown> {
  return { timestamp: new Date(s.polledAtMs).toISOString(), data: readingToJson(s.reading) };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
