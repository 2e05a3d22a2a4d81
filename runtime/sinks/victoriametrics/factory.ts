import type { SinkAdapter, SinkFactory } from "../../core/registry.ts";
import { LineProtocolSink } from "../line-protocol-sink.ts";
import { victoriametricsAuth } from "./auth.ts";
import type { VictoriametricsConfig } from "./config.ts";

/** VictoriaMetrics (/write, line protocol) as a registered sink (runtime/sinks/index.ts). */
export const victoriametricsSink: SinkFactory<VictoriametricsConfig> = {
  create({ config: c }): SinkAdapter {
    const headers = victoriametricsAuth(c);
    return new LineProtocolSink({
      name: "victoriametrics", url: c.url, path: `/write?${new URLSearchParams({ precision: c.precision }).toString()}`, describe: "(VictoriaMetrics)",
      headers, precision: c.precision, timeoutMs: c.timeout_ms,
    });
  },
};
