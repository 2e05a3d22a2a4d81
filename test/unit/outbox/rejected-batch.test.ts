import { strict as assert } from "node:assert";
import { test } from "node:test";
import { SinkRejected } from "../../../runtime/core/sink.ts";
import { gunzipLinesSync } from "../../../runtime/outbox/line-batch.ts";
import { settleRejected } from "../../../runtime/outbox/rejected-batch.ts";
import type { SendOutcome } from "../../../runtime/outbox/sink-link.ts";

/** Finding the bad lines of a rejected batch, against a sink that refuses any body holding one. */
const lines = Array.from({ length: 5000 }, (_, i) => `m,d=1 v=${i} ${i}`);
const bad = new Set([lines[1234] as string, lines[4000] as string]);

function refusingSink(opts: { nameLines?: boolean } = {}): { send: (b: Uint8Array) => Promise<SendOutcome>; calls: number; written: Set<string> } {
  const state = { calls: 0, written: new Set<string>(), send: async (body: Uint8Array): Promise<SendOutcome> => {
    state.calls++;
    const got = gunzipLinesSync(body);
    const badAt = got.map((l, i) => (bad.has(l) ? i + 1 : 0)).filter((n) => n > 0);
    if (badAt.length === 0) { for (const l of got) state.written.add(l); return { kind: "ok" }; }
    return { kind: "rejected", error: new SinkRejected("field type conflict", { badLines: opts.nameLines ? badAt : [] }) };
  } };
  return state;
}

test("bisecting finds exactly the bad lines and delivers all the others", async () => {
  const sink = refusingSink();
  const result = await settleRejected(lines, new SinkRejected("conflict"), sink.send);
  assert.equal(result.kind, "done");
  if (result.kind !== "done") return;
  assert.deepEqual(result.dead.map((d) => d.line).sort(), [...bad].sort());
  assert.equal(result.delivered, 4998);
  assert.equal(sink.written.size, 4998);
  assert.ok(sink.calls <= 2 * 2 * 13 + 2, `bounded number of requests (${sink.calls})`);
});

test("lines the server names are dead-lettered without bisecting", async () => {
  const sink = refusingSink({ nameLines: true });
  const result = await settleRejected(lines, new SinkRejected("parse", { badLines: [1235, 4001] }), sink.send);
  assert.equal(result.kind, "done");
  assert.equal(sink.calls, 1, "one resend of the good lines");
  assert.equal(sink.written.size, 4998);
});

test("when the sink goes down meanwhile the batch stays for a retry", async () => {
  let calls = 0;
  const result = await settleRejected(lines, new SinkRejected("conflict"), async () => (++calls > 1 ? { kind: "retry" } : { kind: "ok" }));
  assert.equal(result.kind, "retry");
});

test("a single rejected line is dead-lettered; 413 splits without blaming lines", async () => {
  const one = await settleRejected(["x"], new SinkRejected("bad"), async () => ({ kind: "ok" }));
  assert.deepEqual(one.kind === "done" ? one.dead.map((d) => d.line) : [], ["x"]);
  const sizes: number[] = [];
  const split = await settleRejected(lines.slice(0, 8), new SinkRejected("too large", { tooLarge: true, badLines: [1] }), async (b) => { sizes.push(gunzipLinesSync(b).length); return { kind: "ok" }; });
  assert.deepEqual(sizes, [4, 4]);
  assert.equal(split.kind === "done" ? split.dead.length : -1, 0);
});

test("when the server dropped every line of a request (dropped=N), they are dead-lettered in one go", async () => {
  let calls = 0;
  const all = lines.slice(0, 1000);
  const result = await settleRejected(all, new SinkRejected("partial write: field type conflict dropped=1000", { partial: true, dropped: 1000 }), async () => { calls++; return { kind: "ok" }; });
  assert.equal(calls, 0);
  assert.equal(result.kind === "done" ? result.dead.length : -1, 1000);
});
