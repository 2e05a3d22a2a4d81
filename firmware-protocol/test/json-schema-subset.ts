/**
 * A small JSON Schema (2020-12) checker for the keywords our message schemas use: type, properties,
 * required, items, minItems, maxItems, minimum, maximum, minLength, maxLength (code points), enum,
 * const, anyOf, $ref to #/$defs. Any other keyword throws, so a schema cannot silently use something
 * this checker ignores. Tests only: the runtime uses the hand-written reader.
 */
type Schema = Record<string, unknown>;
const KNOWN = new Set(["$schema", "$id", "$defs", "title", "description", "type", "properties", "required", "items",
  "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "enum", "const", "anyOf", "$ref"]);

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case "object": return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array": return Array.isArray(v);
    case "string": return typeof v === "string";
    case "number": return typeof v === "number";
    case "integer": return typeof v === "number" && Number.isInteger(v);
    case "boolean": return typeof v === "boolean";
    case "null": return v === null;
    default: throw new Error(`unsupported type ${type}`);
  }
}

export function validate(schema: Schema, value: unknown, root: Schema = schema): boolean {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`unsupported keyword ${k}`);
  if (typeof schema.$ref === "string") {
    const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
    const target = m ? (root.$defs as Record<string, Schema> | undefined)?.[m[1] as string] : undefined;
    if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
    if (!validate(target, value, root)) return false;
  }
  if (typeof schema.type === "string" && !typeOk(schema.type, value)) return false;
  if ("const" in schema && value !== schema.const) return false;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return false;
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && !(value >= schema.minimum)) return false;
    if (typeof schema.maximum === "number" && !(value <= schema.maximum)) return false;
  }
  if (typeof value === "string") {
    const len = [...value].length;
    if (typeof schema.minLength === "number" && len < schema.minLength) return false;
    if (typeof schema.maxLength === "number" && len > schema.maxLength) return false;
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) return false;
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) return false;
    if (schema.items && !value.every((v) => validate(schema.items as Schema, v, root))) return false;
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    if (Array.isArray(schema.required) && !schema.required.every((k) => typeof k === "string" && k in obj)) return false;
    const props = schema.properties as Record<string, Schema> | undefined;
    if (props) for (const [k, s] of Object.entries(props)) if (k in obj && !validate(s, obj[k], root)) return false;
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => validate(s as Schema, value, root))) return false;
  return true;
}
