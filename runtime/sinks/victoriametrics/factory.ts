import type { SinkAdapter, SinkFactory } from "../../core/registry.ts";
import { basicAuth, LineProtocolSink } from "../line-protocol-sink.ts";
import type { VictoriametricsConfig } from "./config.ts";

/** VictoriaMetrics (/write, line protocol) as a registered sink (runtime/sinks/index.ts). */
export const victoriametricsSink: SinkFactory<VictoriametricsConfig> = {
  create({ config: c }): SinkAdapter {
    const headers: Record<string, string> = {};
    if (c.bearer_token) headers.authorization = `Bearer ${c.bearer_token}`;
    else if (c.username !== undefined || c.password !== undefined) headers.authorization = basicAuth(c.username, c.password);
    return new LineProtocolSink({
      name: "victoriametrics", url: c.url, path: `/write?${new URLSearchParams({ precision: c.precision }).toString()}`, describe: "(VictoriaMetrics)",
      headers, precision: c.precision, timeoutMs: c.timeout_ms,
    });
  },
};
