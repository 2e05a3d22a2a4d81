import { sink, type SinkRegistry } from "../core/registry.ts";
import { checkInfluxdb, influxdbSection } from "./influxdb/config.ts";
import { checkInfluxdb1, influxdb1Section } from "./influxdb1/config.ts";
import { checkInfluxdb3, influxdb3Section } from "./influxdb3/config.ts";
import { checkVictoriametrics, victoriametricsSection } from "./victoriametrics/config.ts";

/**
 * Every sink, by its type name (`sink.type` in the config; its settings under `sink.<type>`).
 * Adding one: its folder (a config section, a factory returning a SinkAdapter, a setup-check.ts
 * for the setup page's Test button; copy runtime/sinks/influxdb/) plus one line here. The module is imported only when chosen.
 * `sink.type: none` (no line here) keeps the newest readings in memory only.
 */
export const SINKS = {
  influxdb: sink(influxdbSection, "InfluxDB 2 (v2 write API; InfluxDB 3 and VictoriaMetrics accept it too)", async () => (await import("./influxdb/factory.ts")).influxdbSink, checkInfluxdb,
    { label: "Test InfluxDB (reachable, token may write to the bucket)", load: async () => (await import("./influxdb/setup-check.ts")).checkInfluxdbSink }),
  influxdb1: sink(influxdb1Section, "InfluxDB 1.x (/write?db=&rp=; also 1.8 compatibility in InfluxDB 2 and 3)", async () => (await import("./influxdb1/factory.ts")).influxdb1Sink, checkInfluxdb1,
    { label: "Test InfluxDB 1.x (reachable, user, database, may write)", load: async () => (await import("./influxdb1/setup-check.ts")).checkInfluxdb1Sink }),
  influxdb3: sink(influxdb3Section, "InfluxDB 3 Core/Enterprise (native /api/v3/write_lp, partial writes)", async () => (await import("./influxdb3/factory.ts")).influxdb3Sink, checkInfluxdb3,
    { label: "Test InfluxDB 3 (reachable, token may write to the database)", load: async () => (await import("./influxdb3/setup-check.ts")).checkInfluxdb3Sink }),
  victoriametrics: sink(victoriametricsSection, "VictoriaMetrics (/write line protocol; stores ms)", async () => (await import("./victoriametrics/factory.ts")).victoriametricsSink, checkVictoriametrics,
    { label: "Test VictoriaMetrics (reachable, accepts writes)", load: async () => (await import("./victoriametrics/setup-check.ts")).checkVictoriametricsSink }),
} satisfies SinkRegistry;
