import { buildOutbox, reading } from "./harness.ts";

/**
 * A child process for the kill -9 tests: the real outbox on a given store, fed a steady stream of
 * readings numbered from `start`. After each write it prints `wrote <next index>` so the parent knows
 * what was accepted when it kills us. argv: url storePath t0Ms start perTick tickMs flushIntervalMs
 */
const [url, storePath, t0, start, perTick, tickMs, flushMs] = process.argv.slice(2);
if (!url || !storePath || !t0 || !start || !perTick || !tickMs || !flushMs) {
  process.stderr.write("usage: outbox-child url storePath t0Ms start perTick tickMs flushIntervalMs\n");
  process.exit(2);
}
const h = buildOutbox({ url, storePath, flushIntervalMs: Number(flushMs), retry: { initialMs: 100, maxMs: 500 } });
await h.outbox.start(new AbortController().signal);
let i = Number(start);
const n = Number(perTick);
process.stdout.write(`ready ${h.store.totalsNow.readings}\n`);
setInterval(() => {
  const batch = Array.from({ length: n }, () => reading(i++, Number(t0)));
  h.outbox.write(batch);
  process.stdout.write(`wrote ${i} stored=${h.store.totalsNow.readings} sink=${h.link.state}\n`);
}, Number(tickMs));
process.on("SIGTERM", () => { void h.outbox.stop().then(() => process.exit(0)); });
