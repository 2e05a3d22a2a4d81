import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Loads the shared fixtures (fixtures/*.json): each case names a topic, a payload (a JSON value, or
 * `payload_text` sent byte for byte) and the outcome gridbox must reach. Firmware test suites read
 * the same files.
 */
export type Expectation = { accepted: number; time_source?: "gateway" } | { rejected: string };

export interface Fixture {
  readonly file: string;
  readonly name: string;
  readonly topic: string;
  /** the exact bytes to publish */
  readonly payload: string;
  readonly expect: Expectation;
}

export const FIXTURE_FILES = ["measurement.json", "status.json", "logs.json", "topics.json"] as const;
const DIR = join(import.meta.dirname, "fixtures");

interface RawCase { name: string; topic: string; payload?: unknown; payload_text?: string; expect: Expectation }

export function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const file of FIXTURE_FILES) {
    const doc = JSON.parse(readFileSync(join(DIR, file), "utf8")) as { cases: RawCase[] };
    for (const c of doc.cases) {
      const payload = c.payload_text ?? JSON.stringify(c.payload);
      out.push({ file, name: c.name, topic: c.topic, payload, expect: c.expect });
    }
  }
  return out;
}

/** The JSON Schema of one message type (schemas/{type}.schema.json). */
export function loadSchema(type: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(import.meta.dirname, "schemas", `${type}.schema.json`), "utf8")) as Record<string, unknown>;
}
