import { importFlaskWebhook, isFlaskIni } from "./flask-webhook.ts";
import type { ImportResult } from "./import-result.ts";
import { importHoymilesEnv, importPowerwallInfluxEnv, isHoymilesEnv, isPowerwallInfluxEnv } from "./powerwall-influx.ts";

/**
 * Recognises a file from a tool owners ran before gridbox by its content (uploads lose their
 * names; `.env` says nothing) and imports it. One entry per format: the CLI (`gridbox import`)
 * and the setup page both call this.
 */
const FORMATS: { name: string; matches: (text: string) => boolean; run: (text: string) => ImportResult }[] = [
  { name: "Flask webhook.conf", matches: isFlaskIni, run: importFlaskWebhook },
  { name: "powerwall-influx .env", matches: isPowerwallInfluxEnv, run: importPowerwallInfluxEnv },
  { name: "Hoymiles bridge .env", matches: isHoymilesEnv, run: importHoymilesEnv },
];

export const IMPORT_FORMATS = FORMATS.map((f) => f.name);

export function importForeignConfig(text: string): ImportResult {
  const format = FORMATS.find((f) => f.matches(text));
  if (!format) {
    return { format: "unknown", changes: [], secretPaths: [], notes: [], problems: [`not a file gridbox can import (known: ${IMPORT_FORMATS.join(", ")})`] };
  }
  return format.run(text);
}
