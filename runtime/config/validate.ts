import { Kind, type TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { formatExplanation, isSecretSchema } from "./schema-helpers.ts";

/**
 * Validates a config document against the schema: fills defaults, then reports every problem as
 * `path: message (hint)`, with "did you mean" for unknown keys. Unknown keys in our own config are
 * errors; the same check is what the provisioning page runs before it writes.
 */
export function applyDefaults<T>(schema: TSchema, value: unknown): T {
  return Value.Default(schema, structuredClone(value ?? {})) as T;
}

export function validateConfig(schema: TSchema, value: unknown): string[] {
  const problems: string[] = [];
  unknownKeys(schema, value, "", problems);
  const seen = new Set<string>();
  for (const e of Value.Errors(schema, value)) {
    if (e.type === ValueErrorType.ObjectAdditionalProperties) continue; // reported above, with a hint
    const path = e.path || "/";
    // a union reports each branch; keep the first message per path
    if (seen.has(path)) continue;
    seen.add(path);
    // never echo a secret, nor a password hash (users paste plaintext passwords there)
    const hidden = isSecretSchema(e.schema) || path.endsWith("/password_hash");
    problems.push(`${path}: ${describe(e.type, e.schema, e.value, e.message, hidden)}`);
  }
  return problems;
}

function describe(type: ValueErrorType, schema: TSchema, value: unknown, message: string, hidden: boolean): string {
  const got = value === undefined ? "nothing" : hidden ? `a hidden ${typeof value}` : JSON.stringify(value);
  const help = schema.description ? ` (${schema.description})` : "";
  switch (type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `required value is missing${help}`;
    case ValueErrorType.Union: {
      const kind = (schema as { registryKind?: string }).registryKind;
      if (kind) {
        const known = ((schema.anyOf as TSchema[] | undefined) ?? []).map((s) => String(s.const));
        const guess = typeof value === "string" ? closest(value, known) : undefined;
        return `unknown ${kind} type ${got}${guess ? ` (did you mean "${guess}"?)` : ""}; known: ${known.join(", ")}`;
      }
      const options = (schema.anyOf as TSchema[] | undefined)?.map((s) => JSON.stringify(s.const ?? s.type)).join(", ");
      return `got ${got}; expected one of ${options}${help}`;
    }
    case ValueErrorType.String:
    case ValueErrorType.Number:
    case ValueErrorType.Integer:
    case ValueErrorType.Boolean:
    case ValueErrorType.Object:
    case ValueErrorType.Array:
      return `expected ${schema[Kind] === "Integer" ? "an integer" : `a ${String(schema.type)}`}, got ${got}${help}`;
    case ValueErrorType.Literal:
      return `expected ${JSON.stringify(schema.const)}, got ${got}${help}`;
    case ValueErrorType.StringFormat: {
      const explain = formatExplanation(String(schema.format));
      if (explain) return explain(String(value)); // says it all; the field's help is shown beside it anyway
      return `${hidden ? "the value" : got} is not ${FORMATS[String(schema.format)] ?? `in the format ${String(schema.format)}`}${help}`;
    }
    case ValueErrorType.StringPattern:
      return `${hidden ? "the value" : got} does not match ${String(schema.pattern)}${help}`;
    default:
      return `${message}, got ${got}${help}`;
  }
}

const FORMATS: Record<string, string> = {
  "http-url": "an http:// or https:// URL (hint: write the scheme, e.g. http://127.0.0.1:8086)",
  "http-url-or-empty": "an http:// or https:// URL, or empty (hint: write the scheme, e.g. http://127.0.0.1:8086)",
  host: "an IP address or a host name (hint: no scheme, port or path, e.g. 192.168.1.10 or gridbox.local)",
  "iso-date": "an ISO date (hint: e.g. 2020-01-01T00:00:00Z)",
};

function unknownKeys(schema: TSchema, value: unknown, path: string, problems: string[]): void {
  if (!value || typeof value !== "object" || Array.isArray(value)) return;
  if (schema[Kind] === "Object") {
    const props = (schema.properties ?? {}) as Record<string, TSchema>;
    for (const [key, child] of Object.entries(value)) {
      const sub = props[key];
      if (sub) { unknownKeys(sub, child, `${path}/${key}`, problems); continue; }
      if (schema.additionalProperties === false) {
        const guess = closest(key, Object.keys(props));
        const kind = (schema as { registryKind?: string }).registryKind;
        if (kind) {
          problems.push(`${path}/${key}: unknown ${kind} type "${key}"${guess ? ` (did you mean "${guess}"?)` : ""}; known: ${Object.keys(props).sort().join(", ")}`);
          continue;
        }
        problems.push(`${path}/${key}: unknown key${guess ? ` (did you mean "${guess}"?)` : ` (known keys: ${Object.keys(props).join(", ")})`}`);
      }
    }
  } else if (schema[Kind] === "Record") {
    const [pattern, valueSchema] = Object.entries((schema.patternProperties ?? {}) as Record<string, TSchema>)[0] ?? [];
    const keyRe = pattern && pattern !== "^(.*)$" ? new RegExp(pattern) : undefined;
    for (const [key, child] of Object.entries(value)) {
      if (keyRe && !keyRe.test(key)) problems.push(`${path}/${key}: "${key}" is not a valid name here (expected ${pattern})`);
      if (valueSchema) unknownKeys(valueSchema, child, `${path}/${key}`, problems);
    }
  }
}

/** The known key nearest to a typo, if it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = levenshtein(w, c.toLowerCase());
    if (d < bestDistance) { bestDistance = d; best = c; }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
