import { strict as assert } from "node:assert";
import { test } from "node:test";
import { Backoff } from "../../../runtime/core/backoff.ts";

test("exponential with equal jitter, capped, reset after success", () => {
  const lo = new Backoff(1000, 8000, () => 0);
  assert.deepEqual([lo.next(), lo.next(), lo.next(), lo.next(), lo.next()], [500, 1000, 2000, 4000, 4000]);
  const hi = new Backoff(1000, 8000, () => 0.999999);
  assert.deepEqual([hi.next(), hi.next(), hi.next(), hi.next(), hi.next()], [1000, 2000, 4000, 8000, 8000]);
  hi.reset();
  assert.equal(hi.next(), 1000);
});

test("Retry-After wins when longer, capped at 10 minutes", () => {
  const b = new Backoff(1000, 60_000, () => 0.5);
  assert.equal(b.next(30_000), 30_000);
  assert.equal(b.next(100), 1500);
  assert.equal(b.next(3_600_000), 600_000);
});
