import { readFileSync, readlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../config/atomic-write.ts";
import type { SystemSettings } from "../config/sections/system.ts";
import { parseSshPublicKey } from "../config/ssh-public-key.ts";
import { ensureDir } from "../core/ensure-dir.ts";
import { GridboxError } from "../core/errors.ts";
import type { ComponentHealth } from "../core/health.ts";
import type { Logger } from "../core/log.ts";
import { runCommand } from "../core/run-command.ts";

/**
 * Applies the `system` section at start (boot and every in-process apply): the static host name
 * through hostnamed, the time zone through timedated (both only when they differ from what the
 * system has, so a start changes nothing that is already right), and the admin's SSH keys into
 * the keys file sshd's AuthorizedKeysCommand prints. Empty settings leave the system alone. A tool
 * that fails (polkit refuses, the daemon is missing) fails start() with the reason: the lifecycle
 * shows it down and retries with backoff; it is never a reason to roll the config back.
 */
export const KEYS_HEADER = "# SSH public keys for the admin user, written by gridbox from its setup page (system.ssh_authorized_keys).\n# sshd reads them through /usr/lib/gridbox/authorized-keys; edit them on the page, not here.\n";

export interface SystemSettingsOptions {
  settings: SystemSettings;
  log: Logger;
  /** the keys file (the state folder's ssh/authorized_keys) */
  keysPath: string;
  /** where /etc/hostname and /etc/localtime are read (tests: a fixture root) */
  root?: string;
  timeoutMs?: number;
}

export class SystemSettingsApplier {
  private current: ComponentHealth = { state: "starting" };
  private readonly abort = new AbortController();

  constructor(private readonly o: SystemSettingsOptions) {}

  async start(signal: AbortSignal): Promise<void> {
    const s = this.o.settings;
    const sig = AbortSignal.any([signal, this.abort.signal]);
    const done: string[] = [];
    const failed: string[] = [];
    const root = this.o.root ?? "/";
    if (s.hostname && staticHostname(root) !== s.hostname) {
      const why = await this.tool("hostnamectl", ["set-hostname", s.hostname], sig);
      if (why) failed.push(`the host name could not be set to ${s.hostname}: ${why}`); else done.push(`host name ${s.hostname}`);
    }
    if (s.timezone && timeZone(root) !== s.timezone) {
      const why = await this.tool("timedatectl", ["set-timezone", s.timezone], sig);
      if (why) failed.push(`the time zone could not be set to ${s.timezone}: ${why}`); else done.push(`time zone ${s.timezone}`);
    }
    const keys = this.writeKeys();
    if (keys.changed) done.push(`${keys.count} SSH key${keys.count === 1 ? "" : "s"} for the admin user`);
    if (done.length > 0) this.o.log.info(`system: set ${done.join(", ")}`);
    if (failed.length > 0) {
      this.current = { state: "down", message: failed.join("; ") };
      throw new GridboxError("GRIDBOX_COMMAND_REFUSED", failed.join("; "), { retryable: true });
    }
    this.current = { state: "ok", message: summary(s, keys.count) };
  }

  health(): ComponentHealth { return this.current; }

  async stop(): Promise<void> { this.abort.abort(); }

  /** undefined when the tool succeeded, else why not in words */
  private async tool(cmd: string, args: string[], signal: AbortSignal): Promise<string | undefined> {
    const r = await runCommand(cmd, args, { timeoutMs: this.o.timeoutMs ?? 30_000, signal });
    if (r.ended) return r.ended === "timeout" ? `${cmd} did not answer in time` : "stopped";
    if (r.code === 0) return undefined;
    const text = `${r.stderr}\n${r.stdout}`;
    if (r.code === 127 || r.code === "ENOENT") return `${cmd} is not installed`;
    if (/Access denied|Interactive authentication required|not authorized|Permission denied/i.test(text)) return `gridbox is not allowed to (the polkit rule for the gridbox user is missing)`;
    if (/Failed to connect to bus|Could not activate|No such file or directory/i.test(text)) return `the system service behind ${cmd} is not running`;
    return text.split("\n").map((l) => l.trim()).find(Boolean)?.slice(0, 200) ?? `${cmd} failed (${String(r.code)})`;
  }

  /** The keys file as the settings say (0600, folder 0700); rewritten only when its text changes. */
  private writeKeys(): { changed: boolean; count: number } {
    const lines = this.o.settings.ssh_authorized_keys.map((k) => parseSshPublicKey(k)).flatMap((r) => (r.ok ? [r.key.line] : []));
    const text = KEYS_HEADER + lines.map((l) => `${l}\n`).join("");
    let before: string | undefined;
    try { before = readFileSync(this.o.keysPath, "utf8"); } catch { before = undefined; }
    if (before === text) return { changed: false, count: lines.length };
    // no file and no keys: nothing to say
    if (before === undefined && lines.length === 0) return { changed: false, count: 0 };
    ensureDir(dirname(this.o.keysPath), 0o700);
    writeFileAtomic(this.o.keysPath, text, 0o600);
    return { changed: true, count: lines.length };
  }
}

function summary(s: SystemSettings, keys: number): string {
  const parts = [s.hostname ? `host name ${s.hostname}` : "host name unchanged", s.timezone ? `time zone ${s.timezone}` : "time zone unchanged", `${keys} SSH key${keys === 1 ? "" : "s"} from the setup page`];
  return parts.join(", ");
}

/** The static host name (/etc/hostname), what hostnamed sets. */
export function staticHostname(root: string): string | undefined {
  try { return readFileSync(join(root, "etc/hostname"), "utf8").trim() || undefined; } catch { return undefined; }
}

/** The time zone /etc/localtime points at (what timedated sets), or /etc/timezone's. */
export function timeZone(root: string): string | undefined {
  try {
    const m = /zoneinfo\/(.+)$/.exec(readlinkSync(join(root, "etc/localtime")));
    if (m) return m[1];
  } catch { /* not a link */ }
  try { return readFileSync(join(root, "etc/timezone"), "utf8").trim() || undefined; } catch { return undefined; }
}
