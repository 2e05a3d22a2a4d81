import { SinkError, type GridboxErrorOptions } from "./errors.ts";

/**
 * Where the outbox sends batches: one gzip'd line-protocol body per call. `write` resolves only when
 * the sink confirmed the whole body and rejects with a SinkError otherwise:
 * - retryable (GRIDBOX_SINK_UNAVAILABLE: 429, 5xx, timeout, refused) -> keep and retry later
 * - GRIDBOX_SINK_AUTH (401/403/404 org or bucket) -> permanent until the config changes
 * - SinkRejected (400/413/422) -> some lines are bad or the body too big: split, dead-letter the bad lines
 * The sink owns no retries and no buffering: the outbox does.
 */
export interface BatchSink {
  readonly name: string;
  /** a short description without secrets, e.g. "influx http://127.0.0.1:8086 bucket energy" */
  readonly target: string;
  write(gzipBody: Uint8Array, signal: AbortSignal): Promise<void>;
  /**
   * Is the server there? A request without data (InfluxDB: GET /ping); any HTTP answer counts.
   * Rejects with a retryable SinkError when nothing answers. Lets the outbox notice a sink that came
   * back while it had nothing to send (its store emptied by `gridbox buffer drain`).
   */
  probe?(signal: AbortSignal): Promise<void>;
}

export interface SinkRejectedOptions extends GridboxErrorOptions {
  /** 1-based line numbers the server named as bad (may be empty: find them by splitting) */
  badLines?: readonly number[];
  /** true for 413: nothing is wrong with the lines, the body is too large */
  tooLarge?: boolean;
  /** true when the server wrote the good lines of the batch ("partial write") */
  partial?: boolean;
  /** how many lines the server says it dropped ("... dropped=N"), when it says so */
  dropped?: number | undefined;
}

export class SinkRejected extends SinkError {
  readonly badLines: readonly number[];
  readonly tooLarge: boolean;
  readonly partial: boolean;
  readonly dropped: number | undefined;
  constructor(message: string, opts: SinkRejectedOptions = {}) {
    super("GRIDBOX_SINK_REJECTED", message, { ...opts, retryable: false });
    this.badLines = opts.badLines ?? [];
    this.tooLarge = opts.tooLarge ?? false;
    this.partial = opts.partial ?? false;
    this.dropped = opts.dropped;
  }
}
