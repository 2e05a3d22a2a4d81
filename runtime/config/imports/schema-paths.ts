import { Kind, type TSchema } from "@sinclair/typebox";
import { ConfigSchema } from "../schema.ts";

/** The schema node at a config path (through objects and records), or undefined when the config has no such key. */
export function schemaAt(path: readonly string[], schema: TSchema = ConfigSchema): TSchema | undefined {
  let node: TSchema | undefined = schema;
  for (const key of path) {
    if (!node) return undefined;
    if (node[Kind] === "Object") node = (node.properties as Record<string, TSchema>)[key];
    else if (node[Kind] === "Record") node = Object.values(node.patternProperties as Record<string, TSchema>)[0];
    else return undefined;
  }
  return node;
}
