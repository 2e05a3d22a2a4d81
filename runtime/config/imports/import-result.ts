import type { YamlChange } from "../yaml-edit.ts";

/**
 * What an importer makes of a file another tool used: config changes (paths into gridbox's
 * config), which of them hold secrets (the CLI puts those in secrets.yaml; the setup page never
 * echoes them), problems with lines it could not use, and notes for the owner.
 */
export interface ImportResult {
  /** e.g. "powerwall-influx .env" */
  format: string;
  changes: YamlChange[];
  /** dotted paths of the changes whose value is a secret */
  secretPaths: string[];
  problems: string[];
  notes: string[];
}

export const dotted = (path: readonly string[]): string => path.join(".");
