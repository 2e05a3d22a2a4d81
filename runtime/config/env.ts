import { Kind, type TSchema } from "@sinclair/typebox";

/**
 * Environment overrides derived from the schema: GRIDBOX_<SECTION>__<KEY>[__<KEY>...] sets the
 * value at that path, converted to the schema's type. GRIDBOX_INFLUX__TOKEN=... sets influx.token.
 * Only keys the schema knows are accepted; a typo is an error, not a silent no-op.
 */
const PREFIX = "GRIDBOX_";
// not config keys: where the config and the state folder are; a fixture root for the Imager detection (tests)
const IGNORED = new Set(["GRIDBOX_CONFIG", "GRIDBOX_STATE_DIR", "GRIDBOX_IMAGER_ROOT"]);

export function applyEnvOverrides(schema: TSchema, data: Record<string, unknown>, env: NodeJS.ProcessEnv, problems: string[]): Record<string, unknown> {
  const out = structuredClone(data);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || IGNORED.has(name) || raw === undefined) continue;
    const segments = name.slice(PREFIX.length).toLowerCase().split("__");
    let node: TSchema | undefined = schema;
    let target: Record<string, unknown> = out;
    for (let i = 0; i < segments.length; i++) {
      const key = segments[i] as string;
      node = childSchema(node, key);
      if (!node) { problems.push(`env ${name}: no config key "${segments.slice(0, i + 1).join(".")}" (hint: use GRIDBOX_SECTION__KEY, e.g. GRIDBOX_HTTP__PORT)`); break; }
      if (i === segments.length - 1) {
        const converted = convert(raw, node);
        if (converted.ok) target[key] = converted.value;
        else problems.push(`env ${name}: ${converted.error}`);
      } else {
        const next = target[key];
        target = (next && typeof next === "object" ? next : (target[key] = {})) as Record<string, unknown>;
      }
    }
  }
  return out;
}

function childSchema(s: TSchema | undefined, key: string): TSchema | undefined {
  if (!s) return undefined;
  if (s[Kind] === "Object") return (s.properties as Record<string, TSchema>)[key];
  if (s[Kind] === "Record") return Object.values(s.patternProperties as Record<string, TSchema>)[0];
  return undefined;
}

function convert(raw: string, s: TSchema): { ok: true; value: unknown } | { ok: false; error: string } {
  switch (s[Kind]) {
    case "Integer":
    case "Number": {
      const n = Number(raw);
      return raw.trim() !== "" && Number.isFinite(n) ? { ok: true, value: n } : { ok: false, error: `expected a number, got "${raw}"` };
    }
    case "Boolean":
      if (/^(true|1|yes|on)$/i.test(raw)) return { ok: true, value: true };
      if (/^(false|0|no|off)$/i.test(raw)) return { ok: true, value: false };
      return { ok: false, error: `expected true or false, got "${raw}"` };
    case "Object":
    case "Array":
    case "Record":
      try { return { ok: true, value: JSON.parse(raw) }; } catch { return { ok: false, error: "expected JSON for a structured value" }; }
    default:
      return { ok: true, value: raw };
  }
}
