import { existsSync } from "node:fs";
import { loadConfigFile } from "../config/load.ts";
import { BatchStore } from "../outbox/batch-store.ts";
import { resolveStorePath } from "../outbox/store-path.ts";
import type { Command } from "./command.ts";
import { systemClock } from "../core/clock.ts";

/**
 * `gridbox buffer stats [--json]`: what the store holds (batches, readings, bytes, oldest age) and
 * what was dropped or dead-lettered, ever. Read-only: safe while gridbox runs (SQLite WAL readers).
 */
export const bufferStats: Command = {
  options: { json: { type: "boolean" } },
  async run({ configPath, values }) {
    const { config } = loadConfigFile(configPath);
    const path = resolveStorePath(config.outbox.store.path);
    if (!existsSync(path)) {
      if (values.json) process.stdout.write(JSON.stringify({ path, exists: false }) + "\n");
      else process.stdout.write(`no store at ${path}: nothing has been stored yet\n`);
      return 0;
    }
    const store = new BatchStore(path, config.outbox.store.max_bytes).open({ readonly: true });
    try {
      const s = store.stats();
      const oldestAgeS = s.oldestCreatedMs === undefined ? undefined : Math.max(0, (systemClock.nowMs() - s.oldestCreatedMs) / 1000);
      if (values.json) {
        process.stdout.write(JSON.stringify({ path, exists: true, ...s, oldestAgeS, recentDeadLetters: store.deadLetters(5) }) + "\n");
        return 0;
      }
      const pct = ((100 * s.bytes) / s.maxBytes).toFixed(1);
      process.stdout.write([
        `store          ${path}`,
        `batches        ${s.batches}`,
        `readings       ${s.readings}`,
        `bytes          ${s.bytes} of ${s.maxBytes} (${pct} %)`,
        `oldest         ${oldestAgeS === undefined ? "-" : `${formatAge(oldestAgeS)} ago`}`,
        `dropped        ${s.dropped} readings (store cap, ever)`,
        `dead-lettered  ${s.deadLettered} lines (refused by the sink, ever; ${s.deadLetterRows} kept)`,
      ].join("\n") + "\n");
      for (const d of store.deadLetters(3)) process.stdout.write(`  dead letter ${new Date(d.createdMs).toISOString()}: ${d.line.slice(0, 120)} (${d.reason.slice(0, 120)})\n`);
      return 0;
    } finally {
      store.close();
    }
  },
};

export function formatAge(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}
