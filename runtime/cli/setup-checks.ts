import type { CheckEntry } from "../core/setup-check.ts";
import type { AnyRegistry } from "../core/registry.ts";
import { SINKS } from "../sinks/index.ts";
import { SOURCES } from "../sources/index.ts";

/**
 * The setup page's "Test" buttons, by config section (its dotted path): the page shows a button for
 * every section listed here. Adapters declare their check beside themselves and name it in their
 * registry line (`sink.<type>`, `sources.<type>`: e.g. runtime/sources/powerwall/setup-check.ts,
 * which logs in with the poller's own client), so a new adapter gets its button without an edit
 * here or on the page.
 */

/** The tests adapters declare in a registry, keyed `<kind>.<type>` (lazily imported when run). */
export function registryChecks(kind: string, registry: AnyRegistry): [string, CheckEntry][] {
  return Object.entries(registry).flatMap(([type, e]): [string, CheckEntry][] => {
    const t = e.setupTest;
    return t ? [[`${kind}.${type}`, { label: t.label, run: async (section, signal) => (await t.load())(section, signal) }]] : [];
  });
}

export const SETUP_CHECKS: ReadonlyMap<string, CheckEntry> = new Map<string, CheckEntry>([
  ...registryChecks("sink", SINKS),
  ...registryChecks("sources", SOURCES),
]);
