import { isIP } from "node:net";
import { FormatRegistry, Type, type TObject, type TProperties, type TString, type StringOptions, type TSchema, type NumberOptions } from "@sinclair/typebox";

/**
 * Building blocks for the config schema. Every section is a closed object (unknown keys are errors)
 * whose missing value defaults to {} so nested defaults fill in. A `title` is what the setup page
 * calls a section or field (else a title made from its key).
 */
export function section<P extends TProperties>(properties: P, description: string, opts: { title?: string } = {}): TObject<P> {
  return Type.Object(properties, { additionalProperties: false, default: {}, description, ...opts });
}

/** A secret string: masked in every dump, log line and API answer (see secrets.ts). */
export function secret(description: string, opts: StringOptions = {}): TString {
  return Type.String({ minLength: 1, ...opts, description, secret: true });
}

export function port(defaultPort: number, description: string): ReturnType<typeof Type.Integer> {
  return Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort, description });
}

/** An IPv4/IPv6 address or a DNS name, checked at validation (a space or a scheme here fails only at listen or connect). */
FormatRegistry.Set("host", (v) => isIP(v.replace(/^\[(.*)\]$/, "$1")) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(v));
export function hostAddress(defaultHost: string, description: string): TString {
  return Type.String({ minLength: 1, format: "host", default: defaultHost, description });
}

/**
 * An http:// or https:// base URL with a host (what fetch and the InfluxDB client accept); with
 * `optional`, "" too (meaning "not used"). `127.0.0.1:8086` without a scheme is refused here, at
 * validation, rather than by the client when gridbox starts.
 */
FormatRegistry.Set("http-url", (v) => isHttpUrl(v));
FormatRegistry.Set("http-url-or-empty", (v) => v === "" || isHttpUrl(v));
export function isHttpUrl(v: string): boolean {
  if (!/^https?:\/\//i.test(v)) return false;
  try { return new URL(v).hostname !== ""; } catch { return false; }
}
export function httpUrl(defaultUrl: string, description: string, opts: { optional?: boolean } = {}): TString {
  return Type.String({ format: opts.optional ? "http-url-or-empty" : "http-url", default: defaultUrl, description });
}

export function durationMs(defaultMs: number, description: string, opts: NumberOptions = {}): ReturnType<typeof Type.Integer> {
  return Type.Integer({ minimum: 0, default: defaultMs, description, ...opts });
}

/** Common polling settings for every poller (ESPHome's polling schema idea). */
export function pollingSchema(defaults: { intervalMs: number; timeoutMs: number }): {
  interval_ms: ReturnType<typeof Type.Integer>;
  timeout_ms: ReturnType<typeof Type.Integer>;
} {
  return {
    interval_ms: Type.Integer({ minimum: 500, default: defaults.intervalMs, description: "time between polls" }),
    timeout_ms: Type.Integer({ minimum: 100, default: defaults.timeoutMs, description: "timeout of each request" }),
  };
}

/**
 * A string format with its own explanation: `check` runs at validation, `explain(value)` says what is
 * wrong in the owner's words (validate.ts shows it at the field). An explanation must not quote a
 * value that could be a secret (a private key pasted into the SSH key field).
 */
const EXPLANATIONS = new Map<string, (value: string) => string>();
export function defineFormat(name: string, check: (value: string) => boolean, explain: (value: string) => string): void {
  FormatRegistry.Set(name, check);
  EXPLANATIONS.set(name, explain);
}
export const formatExplanation = (name: string): ((value: string) => string) | undefined => EXPLANATIONS.get(name);

export const isSecretSchema = (s: TSchema): boolean => (s as { secret?: unknown }).secret === true;

/** An ISO 8601 date or date-time that Date.parse accepts (checked at validation, not at start). */
FormatRegistry.Set("iso-date", (v) => /^\d{4}-\d{2}-\d{2}/.test(v) && Number.isFinite(Date.parse(v)));
export function isoDate(defaultValue: string, description: string): TString {
  return Type.String({ format: "iso-date", default: defaultValue, description });
}

/** A sink's timestamp precision (line protocol's ns | us | ms | s); readings are truncated to it. */
export function timePrecision(defaultValue: "ns" | "us" | "ms" | "s", description: string) {
  return Type.Union([Type.Literal("ns"), Type.Literal("us"), Type.Literal("ms"), Type.Literal("s")], { default: defaultValue, description });
}
