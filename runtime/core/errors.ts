/**
 * The error catalog. Codes are stable and never reused; each error says whether retrying can help,
 * and the store-and-forward loop and pollers decide by that flag alone.
 */
export type ErrorCode =
  | "GRIDBOX_CONFIG_INVALID"
  | "GRIDBOX_CONFIG_NOT_FOUND"
  | "GRIDBOX_SINK_UNAVAILABLE"
  | "GRIDBOX_SINK_REJECTED"
  | "GRIDBOX_SINK_AUTH"
  | "GRIDBOX_SOURCE_UNAVAILABLE"
  | "GRIDBOX_SOURCE_AUTH"
  | "GRIDBOX_SOURCE_RATE_LIMITED"
  | "GRIDBOX_SOURCE_BAD_RESPONSE"
  | "GRIDBOX_STORE_FAILED"
  | "GRIDBOX_DEVICE_MESSAGE_INVALID"
  | "GRIDBOX_NETWORK_FAILED"
  | "GRIDBOX_CHARGER_FAILED"
  | "GRIDBOX_COMMAND_REFUSED"
  | "GRIDBOX_POLL_TIMEOUT"
  | "GRIDBOX_STOPPED";

export interface GridboxErrorOptions { cause?: unknown; retryable?: boolean; retryAfterMs?: number }

export class GridboxError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(code: ErrorCode, message: string, opts: GridboxErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export class ConfigError extends GridboxError {
  /** one line per problem: `path: message (hint)` */
  readonly problems: readonly string[];
  constructor(message: string, problems: readonly string[], code: ErrorCode = "GRIDBOX_CONFIG_INVALID") {
    super(code, message, { retryable: false });
    this.problems = problems;
  }
}

export class SinkError extends GridboxError {
  constructor(code: "GRIDBOX_SINK_UNAVAILABLE" | "GRIDBOX_SINK_REJECTED" | "GRIDBOX_SINK_AUTH", message: string, opts: GridboxErrorOptions = {}) {
    super(code, message, opts);
  }
}

export class SourceError extends GridboxError {}
export class CommandRefused extends GridboxError {
  constructor(message: string) { super("GRIDBOX_COMMAND_REFUSED", message, { retryable: false }); }
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
