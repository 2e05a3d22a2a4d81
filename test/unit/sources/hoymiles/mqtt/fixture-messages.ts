import { readFileSync } from "node:fs";

/** The messages of a `mosquitto_sub -v` style fixture (topic, a space, the payload; # comments). */
export function fixtureMessages(name: string): [string, string][] {
  return readFileSync(new URL(`../../../../fixtures/hoymiles/${name}`, import.meta.url), "utf8").split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => { const i = l.indexOf(" "); return [l.slice(0, i), l.slice(i + 1)]; });
}
