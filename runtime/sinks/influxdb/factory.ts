import type { SinkAdapter, SinkFactory } from "../../core/registry.ts";
import { InfluxSink } from "../influx-sink.ts";
import type { InfluxdbConfig } from "./config.ts";

/** InfluxDB 2 (v2 write API) as a registered sink (runtime/sinks/index.ts). */
export const influxdbSink: SinkFactory<InfluxdbConfig> = {
  create({ config: c }): SinkAdapter {
    return new InfluxSink({ url: c.url, org: c.org, bucket: c.bucket, token: c.token, precision: c.precision, timeoutMs: c.timeout_ms });
  },
};
