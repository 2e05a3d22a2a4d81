import type { YamlChange } from "../runtime/config/yaml-edit.ts";

/**
 * Changes that wait on the server until the owner saves: secrets from an imported file and the
 * hashes of newly added ESP32s. They never go to the browser, which only learns their paths
 * ("set", "new device"). Cleared once a config with them runs.
 */
export class Draft {
  private readonly pending = new Map<string, YamlChange>();

  set(path: readonly string[], value: unknown): void {
    if (this.pending.size >= 500) throw new Error("too many unsaved changes: save or reload first");
    this.pending.set(JSON.stringify(path), { path: [...path], value });
  }

  changes(): YamlChange[] { return [...this.pending.values()]; }

  deviceIds(): string[] {
    return this.changes().filter((c) => c.path[0] === "broker" && c.path[1] === "devices").map((c) => c.path[2] as string);
  }

  /** what the page may know: which paths wait, never their values */
  summary(): { paths: string[][]; devices: string[] } {
    return { paths: this.changes().map((c) => [...c.path]), devices: this.deviceIds() };
  }

  clear(): void { this.pending.clear(); }
}
