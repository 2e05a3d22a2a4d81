import type { Config } from "../config/schema.ts";
import type { Clock } from "../core/clock.ts";
import { ConfigError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { entryOf, type SinkAdapter } from "../core/registry.ts";
import { SINKS } from "../sinks/index.ts";

/**
 * The sink named by `sink.type`, built by its registered factory, or undefined for `none`.
 * `serve` (through the outbox), `gridbox buffer drain` and `gridbox poll` all build it here.
 */
export async function createSink(config: Readonly<Config>, deps: { log: Logger; clock: Clock }): Promise<SinkAdapter | undefined> {
  const type = config.sink.type;
  if (type === "none") return undefined;
  const entry = entryOf("sink", SINKS, type);
  // the entry and the section belong to the same `type`; TypeScript cannot pair them across the union
  const section = config.sink[type] as never;
  const problems = entry.check?.(section, `/sink/${type}`) ?? [];
  if (problems.length > 0) throw new ConfigError(`sink ${type} cannot start`, problems);
  const factory = await entry.load();
  return factory.create({ config: section, log: deps.log.child(`sink:${type}`), clock: deps.clock });
}
