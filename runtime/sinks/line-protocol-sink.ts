import type { BatchSink } from "../core/sink.ts";
import { InfluxRequest } from "./influx-request.ts";

/**
 * A write endpoint that takes a gzip'd line-protocol POST at a fixed path with fixed headers:
 * InfluxDB 3's native `/api/v3/write_lp` and VictoriaMetrics' `/write`. The path carries the
 * database and precision; answers are classified like InfluxDB's (influx-response.ts).
 */
export interface LineProtocolSinkOptions {
  name: string;
  url: string;
  /** path with its query, e.g. /api/v3/write_lp?db=gridbox&precision=microsecond */
  path: string;
  /** for messages, without secrets */
  describe: string;
  headers?: Record<string, string>;
  precision: "ns" | "us" | "ms" | "s";
  timeoutMs: number;
  nowMs?: () => number;
}

export class LineProtocolSink implements BatchSink {
  readonly name: string;
  readonly target: string;
  readonly precision: LineProtocolSinkOptions["precision"];
  readonly timeoutMs: number;
  private readonly request: InfluxRequest;

  constructor(private readonly o: LineProtocolSinkOptions) {
    this.name = o.name;
    this.precision = o.precision;
    this.timeoutMs = o.timeoutMs;
    const base = o.url.replace(/\/+$/, "");
    this.target = `${base} ${o.describe}`;
    this.request = new InfluxRequest({ base, headers: o.headers ?? {}, timeoutMs: o.timeoutMs, target: this.target, ...(o.nowMs ? { nowMs: o.nowMs } : {}) });
  }

  probe(signal: AbortSignal): Promise<void> { return this.request.probe(signal); }

  write(gzipBody: Uint8Array, signal: AbortSignal): Promise<void> {
    return this.request.post(this.o.path, gzipBody, signal);
  }
}

export const basicAuth = (username: string | undefined, password: string | undefined): string =>
  `Basic ${Buffer.from(`${username ?? ""}:${password ?? ""}`).toString("base64")}`;
