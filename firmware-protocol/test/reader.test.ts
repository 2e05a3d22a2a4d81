import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { loadFixtures, loadSchema } from "../fixtures.ts";
import { isFault, parseTopic, readMessage } from "../reader.ts";
import { MESSAGE_TYPES } from "../topics.ts";
import { validate } from "./json-schema-subset.ts";
import { pick, prng } from "./prng.ts";

const schemas = Object.fromEntries(MESSAGE_TYPES.map((t) => [t, loadSchema(t)]));

/** The verdict the JSON Schemas give: topic grammar + parseable JSON + schema. */
function schemaVerdict(topic: string, payload: string): boolean {
  const t = parseTopic(topic);
  if (isFault(t)) return false;
  let doc: unknown;
  try { doc = JSON.parse(payload); } catch { return false; }
  return validate(schemas[t.type] as Record<string, unknown>, doc);
}

function count(r: ReturnType<typeof readMessage>): number {
  if (isFault(r)) return 0;
  return r.type === "measurement" ? r.readings.length : r.type === "logs" ? r.entries.length : 1;
}

describe("every fixture: the reader does what the fixture says, and the JSON Schema agrees", () => {
  const fixtures = loadFixtures();
  test("there are valid and invalid fixtures for every message type", () => {
    for (const type of MESSAGE_TYPES) {
      const mine = fixtures.filter((f) => f.topic.endsWith("/" + type));
      assert.ok(mine.some((f) => "accepted" in f.expect), `${type}: no valid fixture`);
      assert.ok(mine.some((f) => "rejected" in f.expect), `${type}: no invalid fixture`);
    }
  });
  for (const f of fixtures) {
    test(`${f.file}: ${f.name}`, () => {
      const r = readMessage(f.topic, f.payload);
      if ("accepted" in f.expect) {
        assert.ok(!isFault(r), `rejected: ${isFault(r) ? `${r.reason} (${r.field})` : ""}`);
        assert.equal(count(r), f.expect.accepted);
      } else {
        assert.ok(isFault(r), "accepted, expected a rejection");
        assert.equal(r.reason, f.expect.rejected);
      }
      assert.equal(schemaVerdict(f.topic, f.payload), "accepted" in f.expect, "the JSON Schema disagrees with the reader");
    });
  }
});

/** Mutates a valid document one step: drop, retype or push a field out of range, add junk, wrap in arrays. */
function mutate(rnd: () => number, doc: unknown): unknown {
  const values: unknown[] = [null, true, false, 0, -1, 1.5, 50, 1e400, -1e400, 9007199254740993, "", "x", "50.0", [], {}, [1], { a: 1 },
    -127, -128, 4294967296, 1764072000000000, "a".repeat(1100), "⚡".repeat(1024), "⚡".repeat(1025), "error", "fatal", 65535, 65536];
  if (Array.isArray(doc)) {
    const r = rnd();
    if (r < 0.2) return [];
    if (r < 0.3) return doc.concat(pick(rnd, values));
    const copy = [...doc];
    const i = Math.floor(rnd() * copy.length);
    copy[i] = mutate(rnd, copy[i]);
    return copy;
  }
  if (typeof doc !== "object" || doc === null) return pick(rnd, values);
  const copy: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
  const keys = [...Object.keys(copy), "online", "protocol", "current", "power", "rssi", "free_heap", "level", "module", "junk"];
  const k = pick(rnd, keys);
  const r = rnd();
  if (r < 0.25) delete copy[k];
  else if (r < 0.9) copy[k] = pick(rnd, values);
  else return [copy, copy];
  return copy;
}

test("5,000 mutated messages (seeded): the reader and the JSON Schema give the same verdict", () => {
  const seed = 20261125;
  const rnd = prng(seed);
  const valid = loadFixtures().filter((f) => "accepted" in f.expect);
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    const base = pick(rnd, valid);
    let doc: unknown = JSON.parse(base.payload);
    const steps = 1 + Math.floor(rnd() * 3);
    for (let s = 0; s < steps; s++) doc = mutate(rnd, doc);
    const payload = JSON.stringify(doc) ?? "";
    const reader = !isFault(readMessage(base.topic, payload));
    if (reader) accepted++;
    assert.equal(reader, schemaVerdict(base.topic, payload), `seed ${seed} case ${i}: ${base.topic} ${payload.slice(0, 300)}`);
  }
  // the mutations must exercise both verdicts, or this test proves nothing
  assert.ok(accepted > 200 && accepted < 4800, `accepted ${accepted} of 5000`);
});
