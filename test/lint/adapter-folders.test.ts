import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { walk } from "./source-files.ts";

/**
 * "Adding a source, a sink or a charger driver touches its own folder plus one registry line"
 * (README, CONVENTIONS C3) as a test: an adapter's folder (runtime/sources/<type>/,
 * runtime/sinks/<type>/, runtime/wallbox/drivers/<type>/) is imported only from inside itself and
 * from its kind's registry (the index.ts beside the folders). Everything else reaches an adapter
 * through its registry line: its config section, its factory, its setup check, its one-shot
 * reading. Tests may import adapters directly. Files at a kind's top level (runtime/sinks/*.ts:
 * helpers its adapters share) are not adapter folders.
 *
 * A folder is a device family: everything below it (runtime/sources/hoymiles/** holds the native
 * DTU client and, in mqtt/, OpenDTU and AhoyDTU) is one folder, and several registry lines may
 * point into it (hoymiles, opendtu, ahoydtu). Two adapters that share readings, points or Home
 * Assistant entities live in one family folder instead of importing across folders.
 */
const ROOT = resolve(import.meta.dirname, "..", "..");
const KINDS = ["runtime/sources", "runtime/sinks", "runtime/wallbox/drivers"];
const CODE_DIRS = ["runtime", "provisioning", "firmware-protocol"];

/** Static imports, re-exports and import() with a literal path. */
export const specifiersOf = (text: string): string[] =>
  [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => (m[1] ?? m[2]) as string);

/** The adapter (family) folder a repository path lies in, at any depth below it ("runtime/sources/hoymiles" for runtime/sources/hoymiles/mqtt/config.ts), if any. */
export function adapterFolderOf(rel: string): string | undefined {
  for (const kind of KINDS) {
    if (!rel.startsWith(kind + "/")) continue;
    const rest = rel.slice(kind.length + 1).split("/");
    if (rest.length < 2) return undefined; // the registry index.ts or a shared helper at the kind's top level
    const folder = `${kind}/${rest[0]}`;
    // runtime/wallbox/drivers is itself inside no adapter folder; a deeper kind wins over a shallower one
    return KINDS.some((k) => k !== kind && k.startsWith(folder)) ? undefined : folder;
  }
  return undefined;
}

export function crossFolderImports(files: ReadonlyArray<{ rel: string; text: string }>): string[] {
  const bad: string[] = [];
  for (const f of files) {
    const own = adapterFolderOf(f.rel);
    for (const spec of specifiersOf(f.text)) {
      if (!spec.startsWith(".")) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(f.rel), spec));
      const folder = adapterFolderOf(target);
      if (!folder || folder === own) continue;
      if (f.rel === `${dirname(folder)}/index.ts`) continue; // its registry line
      bad.push(`${f.rel} imports ${spec}: only ${folder}/ itself and ${dirname(folder)}/index.ts may (reach the adapter through its registry line)`);
    }
  }
  return bad;
}

test("an adapter's folder is imported only from itself and its registry's index.ts", () => {
  const files = CODE_DIRS.flatMap((d) => walk(join(ROOT, d))).filter((abs) => !abs.includes(".test.")).map((abs) => ({ rel: relative(ROOT, abs), text: readFileSync(abs, "utf8") }));
  assert.ok(files.some((f) => f.rel === "runtime/sources/index.ts"), "the walk sees the registries");
  assert.deepEqual(crossFolderImports(files), []);
});

test("the rule itself: what it flags and what it lets through", () => {
  const files = [
    { rel: "runtime/cli/poll.ts", text: `import { x } from "../sources/powerwall/points.ts";` },
    { rel: "runtime/compose/wallbox.ts", text: `const m = await import("../wallbox/drivers/goe/charger.ts");` },
    { rel: "runtime/sources/hoymiles/source.ts", text: `import { y } from "../powerwall/reading.ts";\nimport { z } from "./points.ts";` },
    { rel: "runtime/sources/index.ts", text: `import { s } from "./powerwall/config.ts";` },
    { rel: "runtime/sinks/influxdb/setup-check.ts", text: `import { h } from "../setup-check-http.ts";` },
    { rel: "runtime/wallbox/controller.ts", text: `export { d } from "./drivers/index.ts";` },
    { rel: "runtime/sources/hoymiles/mqtt/plant-state.ts", text: `import type { r } from "../reading.ts";` },
    { rel: "runtime/sources/hoymiles/mqtt/mqtt-source.ts", text: `import { p } from "../../powerwall/points.ts";` },
    { rel: "runtime/sources/index.ts", text: `const f = await import("./hoymiles/mqtt/factory.ts");` },
    { rel: "runtime/cli/strings.ts", text: `import { m } from "../sources/hoymiles/mqtt/config.ts";` },
  ];
  assert.deepEqual(crossFolderImports(files).map((b) => b.split(":")[0]), [
    "runtime/cli/poll.ts imports ../sources/powerwall/points.ts",
    "runtime/compose/wallbox.ts imports ../wallbox/drivers/goe/charger.ts",
    "runtime/sources/hoymiles/source.ts imports ../powerwall/reading.ts",
    "runtime/sources/hoymiles/mqtt/mqtt-source.ts imports ../../powerwall/points.ts",
    "runtime/cli/strings.ts imports ../sources/hoymiles/mqtt/config.ts",
  ]);
  assert.equal(adapterFolderOf("runtime/sources/hoymiles/mqtt/plant-state.ts"), "runtime/sources/hoymiles", "a family folder is one folder at any depth");
  assert.equal(adapterFolderOf("runtime/wallbox/drivers/ocpp/auth.ts"), "runtime/wallbox/drivers/ocpp");
  assert.equal(adapterFolderOf("runtime/wallbox/controller.ts"), undefined);
  assert.equal(adapterFolderOf("runtime/sinks/influx-request.ts"), undefined);
});
