import { sink, type SinkRegistry } from "../core/registry.ts";
import { checkInfluxdb, influxdbSection } from "./influxdb/config.ts";

/**
 * Every sink, by its type name (`sink.type` in the config; its settings under `sink.<type>`).
 * Adding one: its folder (a config section, a factory returning a SinkAdapter; copy
 * runtime/sinks/influxdb/) plus one line here. The module is imported only when chosen.
 * `sink.type: none` (no line here) keeps the newest readings in memory only.
 */
export const SINKS = {
  influxdb: sink(influxdbSection, "InfluxDB 2 (v2 write API; InfluxDB 3 and VictoriaMetrics accept it too)", async () => (await import("./influxdb/factory.ts")).influxdbSink, checkInfluxdb),
} satisfies SinkRegistry;
