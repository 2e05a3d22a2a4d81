import { strict as assert } from "node:assert";
import { test } from "node:test";
import { encodePoint } from "../../../runtime/core/line-protocol.ts";
import { int, type Point } from "../../../runtime/core/point.ts";

const base = (over: Partial<Point>): Point => ({ measurement: "m", tags: {}, fields: { v: 1 }, timeNs: 1_700_000_000_000_000_000n, ...over });

test("integers carry the i suffix, floats and strings do not", () => {
  const line = encodePoint(base({ fields: { a: 1.5, b: int(-42), c: "x", d: true, e: 3 } }));
  assert.equal(line, 'm a=1.5,b=-42i,c="x",d=true,e=3 1700000000000000000');
});

test("tags are sorted and empty tags left out, so the same point always gives the same bytes", () => {
  const a = encodePoint(base({ tags: { z: "1", a: "2", empty: "" } }));
  const b = encodePoint(base({ tags: { a: "2", z: "1" } }));
  assert.equal(a, b);
  assert.equal(a, "m,a=2,z=1 v=1 1700000000000000000");
});

const escapes: Array<[string, Partial<Point>, string]> = [
  ["measurement comma and space", { measurement: "my m,x" }, "my\\ m\\,x v=1 1700000000000000000"],
  ["tag key/value equals, comma, space", { tags: { "a=b": "c d,e" } }, "m,a\\=b=c\\ d\\,e v=1 1700000000000000000"],
  ["string field quotes, backslash, newline", { fields: { s: 'say "hi"\\\nbye' } }, 'm s="say \\"hi\\"\\\\\\nbye" 1700000000000000000'],
];
for (const [name, over, expected] of escapes) {
  test(`escapes ${name}`, () => assert.equal(encodePoint(base(over)), expected));
}

test("non-finite numbers are left out; a point with nothing writable gives undefined", () => {
  assert.equal(encodePoint(base({ fields: { a: NaN, b: 2 } })), "m b=2 1700000000000000000");
  assert.equal(encodePoint(base({ fields: { a: Infinity } })), undefined);
});
