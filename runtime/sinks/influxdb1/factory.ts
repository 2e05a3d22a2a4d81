import type { SinkAdapter, SinkFactory } from "../../core/registry.ts";
import { InfluxV1Sink } from "../influx-v1-sink.ts";
import type { Influxdb1Config } from "./config.ts";

/** InfluxDB 1.x as a registered sink (runtime/sinks/index.ts). */
export const influxdb1Sink: SinkFactory<Influxdb1Config> = {
  create({ config: c }): SinkAdapter {
    return new InfluxV1Sink({ url: c.url, database: c.database, retentionPolicy: c.retention_policy, username: c.username, password: c.password, precision: c.precision, timeoutMs: c.timeout_ms });
  },
};
