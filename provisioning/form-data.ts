import { Value } from "@sinclair/typebox/value";
import { parse } from "yaml";
import { PasswordHash } from "../runtime/config/sections/broker.ts";
import { ConfigSchema } from "../runtime/config/schema.ts";
import { REDACTED, redactConfig } from "../runtime/config/secrets.ts";

/**
 * What the setup page is rendered from: the config schema itself (titles, descriptions, defaults,
 * secret markers, enums, nested sections; a new adapter's section appears without page edits),
 * the current file's values with every secret and hash replaced by "***" (the page says "set"),
 * and problems split into the field path they belong to and the message.
 */
export const SECRET_SET = REDACTED;

/** The schema as plain JSON (TypeBox's symbols dropped), computed once. */
let schemaJson: unknown;
export function formSchema(): unknown {
  schemaJson ??= JSON.parse(JSON.stringify(ConfigSchema));
  return schemaJson;
}

/** The file's own values (no defaults filled in), secrets masked; `!secret` references count as set. */
export function maskedValues(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  let doc: unknown;
  try {
    doc = parse(text, { customTags: [{ tag: "!secret", resolve: () => SECRET_SET }] });
  } catch {
    return {};
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return {};
  return redactConfig(ConfigSchema, doc as Record<string, unknown>);
}

export interface FieldProblem { path: string; message: string }

/** `/influx/url: expected ... (hint)` -> { path: "influx.url", message }; problems without a path go to "". */
export function fieldProblems(problems: readonly string[]): FieldProblem[] {
  return problems.map((p) => {
    const m = /^(\/[^:\s]*):\s(.*)$/s.exec(p);
    if (!m) return { path: "", message: p };
    const path = (m[1] as string).split("/").filter(Boolean).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~")).join(".");
    return { path, message: m[2] as string };
  });
}

/** The file's admin.password_hash when it is a well-formed hash (a broken file elsewhere still guards the page with it). */
export function adminHashIn(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const doc = parse(text, { customTags: [{ tag: "!secret", resolve: () => "" }] }) as { admin?: { password_hash?: unknown } } | null;
    const h = doc?.admin?.password_hash;
    return typeof h === "string" && Value.Check(PasswordHash, h) ? h : undefined;
  } catch {
    return undefined;
  }
}
