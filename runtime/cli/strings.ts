import { loadConfigFile } from "../config/load.ts";
import { ConfigError, errorMessage } from "../core/errors.ts";
import type { OneReading } from "../core/registry.ts";
import type { Command } from "./command.ts";
import { readPowerwallOnce } from "./read-once.ts";

/** `gridbox strings [--json]`: one poll, the PV strings A-F as a table (power = V x I). */
export const strings: Command = {
  options: { json: { type: "boolean" } },
  async run({ configPath, values }) {
    const loaded = loadConfigFile(configPath);
    let reading: OneReading;
    try { reading = await readPowerwallOnce(loaded); } catch (err) {
      if (err instanceof ConfigError) throw err; // main prints every problem and exits 2
      process.stderr.write(`gridbox strings: Powerwall poll failed: ${errorMessage(err)}\n`);
      return 1;
    }
    if (values.json) {
      process.stdout.write(JSON.stringify(reading.pvStrings ?? {}, null, 2) + "\n");
      return 0;
    }
    process.stdout.write(stringsTable(reading));
    return 0;
  },
};

export function stringsTable(r: OneReading): string {
  const rows = [["string", "state", "voltage_v", "current_a", "power_w", "connected"]];
  const strings = Object.entries(r.pvStrings ?? {}).sort(([a], [b]) => a.localeCompare(b));
  let total = 0;
  for (const [name, s] of strings) {
    if (!s) continue;
    rows.push([name.toUpperCase(), s.state, s.voltageV.toFixed(1), s.currentA.toFixed(2), s.powerW.toFixed(1), s.connected ? "yes" : "no"]);
    total += s.powerW;
  }
  if (rows.length === 1) return "no PV strings reported by this gateway\n";
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd());
  return lines.join("\n") + `\ntotal power_w ${total.toFixed(1)}\n`;
}
