import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { writeFileAtomic } from "../../../runtime/config/atomic-write.ts";
import { DELETE, editYaml } from "../../../runtime/config/yaml-edit.ts";
import { DEV_CONFIG_PATH } from "../../../runtime/config/paths.ts";

const example = readFileSync(DEV_CONFIG_PATH, "utf8");

/** Lines of `after` that are not in `before` plus lines of `before` gone from `after` (a crude diff size). */
function changedLines(before: string, after: string): string[] {
  const a = before.split("\n"), b = after.split("\n");
  const inA = new Set(a), inB = new Set(b);
  return [...a.filter((l) => !inB.has(l)).map((l) => `- ${l}`), ...b.filter((l) => !inA.has(l)).map((l) => `+ ${l}`)];
}

test("changing one value changes one line and keeps its comment and alignment", () => {
  const out = editYaml(example, [{ path: ["site", "name"], value: "cottage" }]);
  assert.deepEqual(changedLines(example, out), ["-   name: home            # the `site` tag of the Powerwall points", "+   name: cottage            # the `site` tag of the Powerwall points"]);
  assert.equal(parse(out).site.name, "cottage");
});

test("a missing section is appended, a missing key goes to the end of its mapping with its indentation", () => {
  const out = editYaml(example, [
    { path: ["admin", "password_hash"], value: "scrypt$16384$8$1$abc$def" },
    { path: ["wallbox", "grafana", "alerts", "Surplus.firing"], value: "start" },
    { path: ["influx", "url"], value: "http://127.0.0.1:8428" },
  ]);
  const doc = parse(out);
  assert.equal(doc.admin.password_hash, "scrypt$16384$8$1$abc$def");
  assert.equal(doc.wallbox.grafana.alerts["Surplus.firing"], "start");
  assert.equal(doc.influx.url, "http://127.0.0.1:8428");
  // everything else the same: only the changed/added lines differ
  const diff = changedLines(example, out);
  assert.ok(diff.length <= 8, diff.join("\n"));
  assert.ok(!diff.some((l) => l.startsWith("- ") && !l.includes("url:") && !l.includes("alerts")), diff.join("\n"));
});

test("adding and removing map entries (ESP32 devices), arrays, and emptied mappings keep the document valid", () => {
  let out = editYaml(example, [{ path: ["broker", "devices", "gm-new-1"], value: { password_hash: "scrypt$16384$8$1$s$h" } }]);
  let doc = parse(out);
  assert.equal(doc.broker.devices["gm-new-1"].password_hash, "scrypt$16384$8$1$s$h");
  const before = Object.keys(doc.broker.devices);
  out = editYaml(out, [{ path: ["broker", "devices", "gm-new-1"], value: DELETE }]);
  doc = parse(out);
  assert.deepEqual(Object.keys(doc.broker.devices), before.filter((k) => k !== "gm-new-1"));
  for (const id of Object.keys(doc.broker.devices)) out = editYaml(out, [{ path: ["broker", "devices", id], value: DELETE }]);
  assert.deepEqual(parse(out).broker.devices, {});
  out = editYaml(out, [{ path: ["wallbox", "ocpp", "id_tags"], value: ["a", "b"] }, { path: ["broker", "devices", "x1"], value: { password_hash: "h" } }]);
  doc = parse(out);
  assert.deepEqual(doc.wallbox.ocpp.id_tags, ["a", "b"]);
  assert.deepEqual(doc.broker.devices, { x1: { password_hash: "h" } });
});

test("an empty file and a !secret reference", () => {
  assert.deepEqual(parse(editYaml("", [{ path: ["a", "b"], value: 1 }])), { a: { b: 1 } });
  const text = "influx:\n  token: !secret influx_token   # from secrets.yaml\n  url: x\n";
  const out = editYaml(text, [{ path: ["influx", "token"], value: "plain" }]);
  assert.equal(out, "influx:\n  token: plain   # from secrets.yaml\n  url: x\n");
  assert.throws(() => editYaml("a: [", [{ path: ["a"], value: 1 }]), /not valid YAML/);
});

test("writeFileAtomic replaces the file whole with mode 600 and leaves no temp file", () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-atomic-"));
  const path = join(dir, "gridbox.yaml");
  writeFileSync(path, "old: 1\n", { mode: 0o644 });
  writeFileAtomic(path, "new: 2\n");
  assert.equal(readFileSync(path, "utf8"), "new: 2\n");
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ["gridbox.yaml"]);
});
