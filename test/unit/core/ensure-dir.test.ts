import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ensureDir } from "../../../runtime/core/ensure-dir.ts";
import { BatchStore } from "../../../runtime/outbox/batch-store.ts";

test("ensureDir makes missing parents 0700 and accepts what exists", () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-dir-"));
  try {
    ensureDir(join(dir, "a", "b", "c"));
    assert.equal(statSync(join(dir, "a", "b", "c")).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, "a")).mode & 0o777, 0o700);
    ensureDir(join(dir, "a", "b", "c"));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

// Node 20's mkdirSync(..., { recursive: true }) never returns here: this test hung before the fix
test("a store path under /proc fails at once with its error instead of freezing the process", () => {
  assert.throws(() => ensureDir("/proc/gridbox-nope/x"), (err: NodeJS.ErrnoException) => err.code === "ENOENT");
  assert.throws(() => new BatchStore("/proc/gridbox-nope/outbox.db", 1 << 20).openRecovering(), (err: NodeJS.ErrnoException) => err.code === "ENOENT");
});
