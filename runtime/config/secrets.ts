import { Kind, type TSchema } from "@sinclair/typebox";
import { isSecretSchema } from "./schema-helpers.ts";

/**
 * Secret handling derived from the schema: every field marked `secret` is collected so loggers can
 * mask it, and replaced by "***" (with every password hash) in any config shown to a person.
 */
export const REDACTED = "***";

const isHashKey = (key: string): boolean => key === "password_hash";

/** Walks schema and value together and calls `fn` for every secret value (and hash, if asked). */
function walk(schema: TSchema | undefined, value: unknown, key: string, fn: (v: string) => string | undefined, hashes = false): unknown {
  if (!schema) return value;
  if (typeof value === "string" && (isSecretSchema(schema) || (hashes && isHashKey(key)))) return fn(value) ?? value;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const child = schema[Kind] === "Object"
        ? (schema.properties as Record<string, TSchema>)[k]
        : schema[Kind] === "Record" ? Object.values(schema.patternProperties as Record<string, TSchema>)[0] : undefined;
      out[k] = walk(child, v, k, fn, hashes);
    }
    return out;
  }
  if (Array.isArray(value) && schema[Kind] === "Array") return value.map((v) => walk(schema.items as TSchema, v, key, fn, hashes));
  return value;
}

export function collectSecrets(schema: TSchema, config: unknown): string[] {
  const found: string[] = [];
  walk(schema, config, "", (v) => { if (v) found.push(v); return undefined; });
  return found;
}

export function redactConfig<T>(schema: TSchema, config: T): T {
  return walk(schema, config, "", () => REDACTED, true) as T;
}

/** True when the document holds a secret value inline (not via !secret). */
export const hasInlineSecrets = (schema: TSchema, raw: unknown): boolean => collectSecrets(schema, raw).length > 0;
