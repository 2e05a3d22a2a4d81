import type { SinkAdapter, SinkFactory } from "../../core/registry.ts";
import { LineProtocolSink } from "../line-protocol-sink.ts";
import type { Influxdb3Config } from "./config.ts";

/** InfluxDB 3's names for the units */
const V3_PRECISION = { ns: "nanosecond", us: "microsecond", ms: "millisecond", s: "second" } as const;

/** InfluxDB 3 (native /api/v3/write_lp) as a registered sink (runtime/sinks/index.ts). */
export const influxdb3Sink: SinkFactory<Influxdb3Config> = {
  create({ config: c }): SinkAdapter {
    const q = new URLSearchParams({ db: c.database, precision: V3_PRECISION[c.precision], accept_partial: "true", no_sync: "false" });
    return new LineProtocolSink({
      name: "influxdb3", url: c.url, path: `/api/v3/write_lp?${q.toString()}`, describe: `database ${c.database}`,
      headers: c.token ? { authorization: `Bearer ${c.token}` } : {}, precision: c.precision, timeoutMs: c.timeout_ms,
    });
  },
};
