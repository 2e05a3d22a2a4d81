import type { FastifyInstance } from "fastify";
import type { Config } from "../config/schema.ts";
import type { Context } from "../core/component.ts";
import type { AdapterInstance, SourceFactory, WriteGuard } from "../core/registry.ts";
import type { Supervisor } from "../core/supervisor.ts";
import { SOURCES } from "../sources/index.ts";

/**
 * Starts every source the config enables (`sources.<type>.enabled`), each through its registered
 * factory and the supervisor's lifecycle: its health and status under its type name, its HTTP
 * routes before the server listens. A source whose config it cannot run with is shown down; one
 * that fails to start is retried with backoff; the others run either way.
 */
export async function startSources(o: { config: Readonly<Config>; ctx: Context; sup: Supervisor; http: FastifyInstance | undefined; writeGuard: WriteGuard }): Promise<void> {
  for (const type of Object.keys(SOURCES) as Array<keyof typeof SOURCES>) {
    const section = o.config.sources[type];
    if (!section.enabled) continue;
    let source: AdapterInstance;
    try {
      const factory = await SOURCES[type].load() as SourceFactory<typeof section>;
      source = factory.create({ ctx: { ...o.ctx, log: o.ctx.log.child(`source:${type}`) }, config: section, siteName: o.config.site.name, writeGuard: o.writeGuard });
    } catch (err) {
      o.sup.addBroken(type, err);
      continue;
    }
    if (o.http && source.routes) await o.http.register(source.routes);
    await o.sup.add({ name: type, start: (s) => source.start(s), stop: () => source.stop(), health: () => source.health(), ...(source.status ? { status: () => source.status?.() } : {}) });
  }
}
