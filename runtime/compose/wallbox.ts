import type { FastifyInstance } from "fastify";
import type { Config } from "../config/schema.ts";
import type { Charger } from "../core/charger.ts";
import type { Context } from "../core/component.ts";
import { entryOf, type ChargerFactory } from "../core/registry.ts";
import type { Supervisor } from "../core/supervisor.ts";
import type { Addresses } from "../main.ts";
import { CHARGERS } from "../wallbox/drivers/index.ts";

/**
 * The wallbox: the charger driver named by `wallbox.driver` (through its registered factory), the
 * controller, its Home Assistant entities, the Grafana webhook and the wallbox API. The driver is
 * its own unit ("charger"): one that cannot start (the OCPP port taken) is retried with backoff
 * while the controller runs and says the charger is unreachable.
 */
export interface WallboxDeps {
  config: Readonly<Config>;
  ctx: Context;
  sup: Supervisor;
  http: FastifyInstance | undefined;
  addresses: Addresses;
  /** a johnny-five IO plugin instead of the Pi's GPIO (driver gpio; tests and the demo) */
  io?: object;
}

export async function startWallbox({ config, ctx, sup, http, addresses, io }: WallboxDeps): Promise<void> {
  const wb = config.wallbox;
  if (!wb.enabled) { sup.addDisabled("wallbox", "wallbox.enabled is false"); return; }
  const [{ AuditLog }, { WallboxController }, { WallboxPublisher }, { webhookRoutes }, { apiRoutes }] = await Promise.all([
    import("../wallbox/audit-log.ts"), import("../wallbox/controller.ts"), import("../wallbox/wallbox-publisher.ts"),
    import("../wallbox/webhook-routes.ts"), import("../wallbox/api-routes.ts"),
  ]);
  const log = ctx.log.child("wallbox").redact(wb.grafana.token, wb.grafana.hmac_secret);
  const wbCtx: Context = { ...ctx, log };
  const audit = new AuditLog(log.child("audit"), () => ctx.clock.nowMs());

  let charger: Charger | undefined;
  if (wb.driver !== "none") {
    try {
      const factory = await entryOf("charger driver", CHARGERS, wb.driver).load() as ChargerFactory<unknown>;
      charger = factory.create({ config: wb[wb.driver], phases: wb.phases, log, clock: ctx.clock, bus: ctx.bus, ...(io ? { io } : {}) });
    } catch (err) {
      sup.addBroken("charger", err);
    }
  }
  const controller = new WallboxController({ ctx: wbCtx, config: wb, charger, audit });
  const publisher = new WallboxPublisher(wbCtx, controller, audit, charger?.kind ?? "none");
  if (http) {
    await http.register(webhookRoutes({ config: wb.grafana, controller, audit, clock: ctx.clock, log }));
    await http.register(apiRoutes({ controller, audit }));
  }
  if (charger) {
    const c = charger;
    await sup.add({
      name: "charger",
      start: async (s) => { await c.start(s); if (c.address) addresses.ocpp = c.address; },
      stop: () => c.stop(),
      health: () => { const st = c.state(); return { state: st.online ? "ok" : "degraded", message: `${c.kind}: ${st.online ? "online" : st.detail ?? "offline"}` }; },
    });
  }
  publisher.start();
  await sup.add({
    name: "wallbox",
    start: (s) => controller.start(s),
    stop: () => controller.stop(),
    health: () => controller.health(),
    status: () => ({ ...controller.snapshot(), audit_events: audit.total, driver: charger?.stats ?? null }),
  });
}
