import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DASHBOARD_DIR, generatedFiles } from "../../../runtime/grafana/generate.ts";
import { checkAgainstSdkType } from "./schema-check.ts";

/** The dashboards gridbox ships are the generated ones, and they are valid Grafana dashboards. */
const committed = new Map(readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith(".json")).map((f) => [f, readFileSync(join(DASHBOARD_DIR, f), "utf8")]));

test("the committed dashboard JSON is exactly what `make dashboards` generates (no stale, no missing file)", () => {
  const generated = generatedFiles();
  assert.deepEqual([...committed.keys()].sort(), [...generated.keys()].sort(), "run `make dashboards` and commit the result");
  for (const [name, text] of generated) assert.equal(committed.get(name), text, `${name} differs: run \`make dashboards\``);
});

test("every dashboard validates against Grafana's dashboard schema types (foundation SDK), and a broken one does not", { timeout: 120_000 }, () => {
  const docs = new Map<string, unknown>([...committed].map(([name, text]) => [name, JSON.parse(text)]));
  const first = JSON.parse([...committed.values()][0] as string) as { panels: Record<string, unknown>[] };
  docs.set("broken-types.json", { ...first, graphTooltip: "shared", panels: [{ ...first.panels[1], gridPos: { h: "9", w: 12, x: 0, y: 0 } }] });
  docs.set("broken-unknown-key.json", { ...first, refersh: "30s" });
  const result = checkAgainstSdkType(docs, "dashboard", "Dashboard");
  for (const [name, problems] of result) if (!name.startsWith("broken")) assert.deepEqual(problems, [], name);
  const types = result.get("broken-types.json")?.join("\n") ?? "";
  assert.match(types, /DashboardCursorSync/);
  assert.match(types, /'string' is not assignable to type 'number'/);
  assert.match(result.get("broken-unknown-key.json")?.join("\n") ?? "", /refersh/);
});

test("uids are unique, every panel reads the datasource variable, and schemaVersion is Grafana 10's", () => {
  const uids = new Set<string>();
  for (const [name, text] of committed) {
    const d = JSON.parse(text) as { uid: string; schemaVersion: number; panels: { type: string; datasource?: { uid?: string }; targets?: { datasource?: { uid?: string } }[] }[] };
    assert.ok(!uids.has(d.uid), `${name}: duplicate uid ${d.uid}`);
    uids.add(d.uid);
    assert.ok(d.uid.length <= 40, `${name}: Grafana uids are at most 40 characters`);
    assert.equal(d.schemaVersion, 39);
    for (const p of d.panels.filter((x) => x.type !== "row")) {
      assert.equal(p.datasource?.uid, "${datasource}", `${name}: panel datasource`);
      for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, "${datasource}");
    }
  }
});
