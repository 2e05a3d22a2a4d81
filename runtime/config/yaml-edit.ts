import { isCollection, isMap, isPair, isScalar, parseDocument, stringify, type Document, type Node, type Pair, type YAMLMap } from "yaml";

/**
 * Edits a YAML config file's text in place, keeping every comment, blank line, alignment and
 * quoting the owner wrote: each change splices only the bytes of the value it changes (or
 * inserts the missing keys at the end of their mapping with its indentation). `Document.toString()`
 * would re-render the whole file (comment spacing, folded long strings, flow padding: ~60 changed
 * lines for one imported section). The yaml package's Document API still finds the nodes and their
 * source ranges; this file only decides which bytes change.
 */
export const DELETE = Symbol("delete");
export interface YamlChange { path: readonly string[]; value: unknown }
/** A value written as `!secret name` (resolved from secrets.yaml beside the config). */
export class SecretRef { constructor(readonly name: string) {} }

const REF_MARK = "__gridbox_secret_ref__";
/** SecretRefs become marker strings for the yaml stringifier, and the markers `!secret name` afterwards */
function markRefs(v: unknown): unknown {
  if (v instanceof SecretRef) return `${REF_MARK}${v.name}`;
  if (Array.isArray(v)) return v.map(markRefs);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, markRefs(x)]));
  return v;
}
const unmarkRefs = (text: string): string => text.replace(new RegExp(`["']?${REF_MARK}([A-Za-z0-9_.-]+)["']?`, "g"), "!secret $1");

const DUMP = { lineWidth: 0, flowCollectionPadding: false } as const;

export function editYaml(text: string, changes: readonly YamlChange[]): string {
  let out = text;
  for (const change of changes) out = applyOne(out, change);
  return out;
}

function parse(text: string): Document {
  const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`not valid YAML: ${doc.errors[0]?.message.split("\n")[0]}`);
  return doc;
}

function applyOne(text: string, { path, value }: YamlChange): string {
  if (path.length === 0) throw new Error("empty path");
  const doc = parse(text);
  // walk down as far as the document has mappings
  let map: YAMLMap | undefined = isMap(doc.contents) ? doc.contents : undefined;
  if (!map) {
    if (value === DELETE) return text;
    if (doc.contents && !(isScalar(doc.contents) && doc.contents.value === null)) throw new Error("the config is not a YAML mapping");
    return `${text}${text === "" || text.endsWith("\n") ? "" : "\n"}${dump(nest(path, value), 0)}`;
  }
  let parentPair: Pair<Node, Node | null> | undefined;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string;
    const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key) as Pair<Node, Node | null> | undefined;
    const last = i === path.length - 1;
    if (!pair) {
      if (value === DELETE) return text;
      return insertInto(text, map, nest(path.slice(i), value));
    }
    if (last) {
      // removing a mapping's only key leaves `{}` so the parent keeps its type
      if (value === DELETE) return map.items.length === 1 && parentPair ? replaceValue(text, parentPair, {}) : removePair(text, pair);
      return replaceValue(text, pair, value);
    }
    const child = pair.value;
    if (isMap(child) && !child.flow) { map = child; parentPair = pair; continue; }
    if (value === DELETE) return text;
    // a scalar, null or flow mapping in the way: rewrite just that value with the merged content
    const existing = child && isCollection(child) ? (child.toJSON() as Record<string, unknown>) : {};
    const merged = mergeAt(isMap(child) ? existing : {}, path.slice(i + 1), value);
    return replaceValue(text, pair, merged);
  }
  return text;
}

function nest(path: readonly string[], value: unknown): Record<string, unknown> {
  let v: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) v = { [path[i] as string]: v };
  return v as Record<string, unknown>;
}

function mergeAt(base: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const out = structuredClone(base);
  let node = out;
  path.forEach((k, i) => {
    if (i === path.length - 1) { node[k] = value; return; }
    const next = node[k];
    node = (node[k] = next && typeof next === "object" && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
  });
  return out;
}

/** Block YAML for `value`, every line indented by `indent` spaces. */
function dump(value: unknown, indent: number): string {
  const body = unmarkRefs(stringify(markRefs(value), DUMP));
  const pad = " ".repeat(indent);
  return body.split("\n").map((l) => (l === "" ? l : pad + l)).join("\n");
}

/** One-line YAML for a scalar or a small flow collection. */
function inline(value: unknown): string {
  if (value !== null && typeof value === "object" && !(value instanceof SecretRef)) return unmarkRefs(stringify(markRefs(value), { ...DUMP, collectionStyle: "flow" }).trimEnd());
  return unmarkRefs(stringify(markRefs(value), DUMP).trimEnd());
}

const lineStart = (text: string, pos: number): number => text.lastIndexOf("\n", pos - 1) + 1;
const columnOf = (text: string, pos: number): number => pos - lineStart(text, pos);

/** Where the source of a pair's value ends: after a scalar's trailing comment and newline, after a block collection's last line. */
function pairEnd(text: string, pair: Pair<Node, Node | null>): number {
  const v = pair.value;
  const range = v?.range ?? (pair.key as Node).range;
  if (!range) return text.length;
  const end = v && isCollection(v) && !v.flow ? range[1] : range[2];
  const nl = text.indexOf("\n", Math.max(end - 1, 0));
  return end > 0 && text[end - 1] === "\n" ? end : nl === -1 ? text.length : nl + 1;
}

function insertInto(text: string, map: YAMLMap, value: Record<string, unknown>): string {
  const items = map.items as Pair<Node, Node | null>[];
  const lastPair = items[items.length - 1];
  if (!lastPair) throw new Error("cannot insert into an empty mapping");
  const indent = columnOf(text, (items[0]?.key as Node).range?.[0] ?? 0);
  const at = pairEnd(text, lastPair);
  const before = text.slice(0, at);
  return `${before}${before.endsWith("\n") || before === "" ? "" : "\n"}${dump(value, indent)}${text.slice(at)}`;
}

function replaceValue(text: string, pair: Pair<Node, Node | null>, value: unknown): string {
  const keyNode = pair.key as Node;
  const v = pair.value;
  const asBlock = value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof SecretRef) && Object.keys(value).length > 0;
  const blockValue = v !== null && isCollection(v) && !v.flow;
  if (v?.range && !blockValue && !asBlock) {
    // a scalar or flow value: splice exactly its bytes (a tag such as `!secret name` goes with it)
    const [start, end] = v.range;
    const from = v.tag && isScalar(v) ? text.lastIndexOf(v.tag, start) : start;
    return text.slice(0, from >= 0 ? from : start) + inline(value) + text.slice(end);
  }
  // from after `key:` to the end of the value (a block collection ends after its last newline)
  const colon = text.indexOf(":", keyNode.range?.[1] ?? 0);
  const end = v?.range ? v.range[1] : colon + 1;
  const indent = columnOf(text, keyNode.range?.[0] ?? 0);
  const body = asBlock ? `\n${dump(value, indent + 2).replace(/\n$/, "")}` : ` ${inline(value)}`;
  return `${text.slice(0, colon + 1)}${body}${blockValue ? "\n" : ""}${text.slice(end)}`;
}

function removePair(text: string, pair: Pair<Node, Node | null>): string {
  if (!isPair(pair)) return text;
  return text.slice(0, lineStart(text, (pair.key as Node).range?.[0] ?? 0)) + text.slice(pairEnd(text, pair));
}
