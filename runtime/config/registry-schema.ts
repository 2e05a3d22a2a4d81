import { Type, type Static, type TLiteral, type TObject, type TUnion } from "@sinclair/typebox";
import { knownTypes, type AnyRegistry } from "../core/registry.ts";

/**
 * Config schema pieces composed from the adapter registries (runtime/sources/index.ts,
 * runtime/sinks/index.ts, runtime/wallbox/drivers/index.ts): one section per registered adapter and
 * the type selectors. The schema nodes carry `registryKind` so validation names the known types
 * when a config asks for one that is not registered.
 */
export type SectionsOf<R extends AnyRegistry> = { [K in keyof R]: R[K]["section"] };

/** `{ <type>: <its section> }` for every adapter of the registry. */
export function sectionsOf<R extends AnyRegistry>(registry: R): SectionsOf<R> {
  const out: Record<string, TObject> = {};
  for (const [type, entry] of Object.entries(registry)) out[type] = entry.section;
  return out as SectionsOf<R>;
}

/** An object whose keys are the registry's types (sources: several at once, each with `enabled`). */
export function registryObject<R extends AnyRegistry>(kind: string, registry: R, description: string): TObject<SectionsOf<R>> {
  return Type.Object(sectionsOf(registry), { additionalProperties: false, default: {}, description, registryKind: kind });
}

/** The selector naming one adapter of the registry, or `none`. */
export function typeSelector<R extends AnyRegistry>(kind: string, registry: R, description: string): TUnion<Array<TLiteral<"none" | (keyof R & string)>>> {
  const types = ["none", ...knownTypes(registry)];
  return Type.Union(types.map((t) => Type.Literal(t)), { default: "none", description: `${description}: ${types.join(" | ")}`, registryKind: kind }) as unknown as TUnion<Array<TLiteral<"none" | (keyof R & string)>>>;
}

/** Runs each enabled adapter's own check (values required only when it is chosen). */
export function checkEnabled<R extends AnyRegistry>(registry: R, sections: { [K in keyof R]: Static<R[K]["section"]> }, enabled: (type: string) => boolean, path: string): string[] {
  const problems: string[] = [];
  for (const [type, entry] of Object.entries(registry)) {
    if (!enabled(type) || !entry.check) continue;
    // the entry's check takes its own section's type, which `sections[type]` is
    const check = entry.check as (config: unknown, path: string) => string[];
    problems.push(...check((sections as Record<string, unknown>)[type], `${path}/${type}`));
  }
  return problems;
}
