import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadQueryFile, parseQuerySet } from "../../../../runtime/sources/powerwall/tedapi-queries.ts";

const ours = (queries: unknown[]): unknown => ({ format: "gridbox-tedapi-queries", version: 1, queries });

test("gridbox's format: hex or base64 signatures, variables as object or text", () => {
  const set = parseQuerySet(ours([
    { name: "device_controller", query_version: 1, query: " query DeviceControllerQuery {}", signature_hex: "3081 0a0b", variables: { a: 1 } },
    { name: "components", query: " query ComponentsQuery {}", signature_base64: Buffer.from([1, 2]).toString("base64"), variables: "{\"b\":2}" },
  ]));
  const dc = set.get("device_controller")!;
  assert.deepEqual([...dc.signature], [0x30, 0x81, 0x0a, 0x0b]);
  assert.equal(dc.variablesJson, "{\"a\":1}");
  assert.equal(dc.text, " query DeviceControllerQuery {}", "the text is kept byte for byte");
  assert.equal(set.get("components")!.version, 1);
  assert.equal(set.get("components")!.variablesJson, "{\"b\":2}");
});

test("pypowerwall's V2024_06.json layout is read as published", () => {
  const set = parseQuerySet({
    device_controller_basic: { text: " query DeviceControllerQuery {}", code: "30450221", b_value: "{}", version: 0 },
    device_controller_full: { text: " query DeviceControllerQuery { more }", code: "3046", b_value: "{}", version: 0 },
    components: { text: " query ComponentsQuery {}", code: "3044", b_value: "{\"pchSignalNames\":[]}", version: 0 },
  });
  assert.equal(set.get("device_controller")!.text, " query DeviceControllerQuery {}", "basic wins over full");
  assert.equal(set.get("device_controller")!.version, 1);
  assert.equal(set.get("components")!.variablesJson, "{\"pchSignalNames\":[]}");
});

test("bad files are clear errors naming what is wrong", () => {
  const cases: [unknown, RegExp][] = [
    [[], /expected a JSON object/],
    [ours([{ name: "components", query: "q", signature_hex: "00" }]), /device_controller` query is required/],
    [ours([{ name: "device_controller", query: "q", signature_hex: "zz" }]), /not hex/],
    [ours([{ name: "device_controller", query: "q" }]), /signature_hex or signature_base64 missing/],
    [ours([{ name: "device_controller", query: "q", signature_hex: "00", variables: "{" }]), /variables is not JSON/],
    [ours([{ name: "device_controller", query: "q", signature_hex: "00" }, { name: "device_controller", query: "q", signature_hex: "00" }]), /listed twice/],
    [{ something: 1 }, /no known query/],
  ];
  for (const [doc, re] of cases) assert.throws(() => parseQuerySet(doc, "f.json"), (e: Error) => re.test(e.message) && /f\.json/.test(e.message), String(re));
});

test("loadQueryFile: missing file and invalid JSON", () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-q-"));
  try {
    assert.throws(() => loadQueryFile(join(dir, "nope.json")), /cannot read it \(ENOENT\)/);
    writeFileSync(join(dir, "bad.json"), "{");
    assert.throws(() => loadQueryFile(join(dir, "bad.json")), /not valid JSON/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
