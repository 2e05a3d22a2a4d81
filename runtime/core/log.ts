import { fstatSync } from "node:fs";
import { systemClock } from "./clock.ts";

/**
 * Named child loggers with per-name levels, lazy messages and secret redaction. One line per event:
 * JSON for journald in production, a short readable line in development. When stderr is the
 * journal, each line starts with its syslog priority (`<3>` error … `<7>` debug), which journald
 * strips and stores, so `journalctl -p warning -u gridbox` shows warnings and errors only.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
/** syslog priorities (sd-daemon(3) prefixes) */
const PRIORITY: Record<Exclude<LogLevel, "silent">, number> = { debug: 7, info: 6, warn: 4, error: 3 };

export type LogMessage = string | (() => string);
export type LogExtra = Record<string, unknown>;

export interface Logger {
  readonly name: string;
  debug(msg: LogMessage, extra?: LogExtra): void;
  info(msg: LogMessage, extra?: LogExtra): void;
  warn(msg: LogMessage, extra?: LogExtra): void;
  error(msg: LogMessage, extra?: LogExtra): void;
  child(name: string): Logger;
  /** Registers secret values: they are replaced by *** wherever they would appear in output. */
  redact(...secrets: ReadonlyArray<string | undefined>): Logger;
}

export interface LogOptions {
  level?: LogLevel;
  levels?: Readonly<Record<string, LogLevel>>;
  format?: "json" | "pretty";
  write?: (line: string) => void;
  /** prefix lines with `<priority>`; default: for the stderr writer, what useJournalPriorities set */
  journal?: boolean;
}

interface Shared {
  level: LogLevel;
  levels: Readonly<Record<string, LogLevel>>;
  format: "json" | "pretty";
  write: (line: string) => void;
  journal: boolean;
  secrets: Set<string>;
  pattern: RegExp | undefined;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

class NamedLogger implements Logger {
  /** the configured level for this name, decided once (levels do not change after creation) */
  private readonly minRank: number;

  constructor(readonly name: string, private readonly shared: Shared) {
    const { levels } = shared;
    // keys name components below the root ("broker", "source:powerwall") or in full ("gridbox:broker")
    const colon = name.indexOf(":");
    const rel = colon < 0 ? undefined : name.slice(colon + 1);
    const covers = (n: string | undefined, key: string): boolean => n !== undefined && (n === key || n.startsWith(key + ":"));
    let configured = shared.level;
    // the most specific configured prefix wins: "source:powerwall" > "source"
    let best = -1;
    for (const key of Object.keys(levels)) {
      // a full-name key is as specific as the same key without the root
      const score = covers(rel, key) ? key.length : covers(name, key) ? Math.max(0, key.length - (colon + 1)) : -1;
      if (score > best) {
        best = score;
        configured = levels[key] as LogLevel;
      }
    }
    this.minRank = RANK[configured];
  }

  private enabled(level: LogLevel): boolean {
    return RANK[level] >= this.minRank;
  }

  private emit(level: Exclude<LogLevel, "silent">, msg: LogMessage, extra?: LogExtra): void {
    if (!this.enabled(level)) return;
    const text = typeof msg === "function" ? msg() : msg;
    const { format, write } = this.shared;
    let line: string;
    if (format === "json") {
      line = JSON.stringify({ time: new Date(systemClock.nowMs()).toISOString(), level, name: this.name, msg: text, ...extra }, jsonSafe);
    } else {
      const rest = extra && Object.keys(extra).length > 0 ? " " + JSON.stringify(extra, jsonSafe) : "";
      line = `${new Date(systemClock.nowMs()).toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} [${this.name}] ${text}${rest}`;
    }
    write((this.shared.journal ? `<${PRIORITY[level]}>` : "") + this.scrub(line));
  }

  private scrub(line: string): string {
    return this.shared.pattern ? line.replace(this.shared.pattern, "***") : line;
  }

  debug(msg: LogMessage, extra?: LogExtra): void { this.emit("debug", msg, extra); }
  info(msg: LogMessage, extra?: LogExtra): void { this.emit("info", msg, extra); }
  warn(msg: LogMessage, extra?: LogExtra): void { this.emit("warn", msg, extra); }
  error(msg: LogMessage, extra?: LogExtra): void { this.emit("error", msg, extra); }
  child(name: string): Logger { return new NamedLogger(`${this.name}:${name}`, this.shared); }

  redact(...secrets: ReadonlyArray<string | undefined>): Logger {
    let added = false;
    for (const s of secrets) {
      // very short values would mask ordinary words; such secrets are too weak to hide anyway
      if (s && s.length >= 4 && !this.shared.secrets.has(s)) { this.shared.secrets.add(s); added = true; }
    }
    if (added) {
      // in JSON output a secret with quotes, backslashes or control characters appears escaped
      const forms = new Set<string>();
      for (const v of this.shared.secrets) { forms.add(v); forms.add(JSON.stringify(v).slice(1, -1)); }
      const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRe);
      this.shared.pattern = new RegExp(alternatives.join("|"), "g");
    }
    return this;
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  return value;
}

export function createLogger(root: string, opts: LogOptions = {}): Logger {
  const shared: Shared = {
    level: opts.level ?? "info",
    levels: opts.levels ?? {},
    format: opts.format ?? (process.stderr.isTTY ? "pretty" : "json"),
    write: opts.write ?? ((line) => process.stderr.write(line + "\n")),
    journal: opts.journal ?? (opts.write === undefined && stderrJournal),
    secrets: new Set(),
    pattern: undefined,
  };
  return new NamedLogger(root, shared);
}

/** stderr is the journal: the CLI decides once at start (stderr is one per process) */
let stderrJournal = false;
export function useJournalPriorities(on: boolean): void { stderrJournal = on; }

/**
 * True when fd 2 is the stream systemd connected to the journal: JOURNAL_STREAM names its
 * device:inode (systemd.exec(5)); a child whose stderr was redirected elsewhere inherits the
 * variable but not the stream.
 */
export function stderrIsJournal(env: NodeJS.ProcessEnv, fd = 2): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? "");
  if (!m) return false;
  try {
    const st = fstatSync(fd);
    return String(st.dev) === m[1] && String(st.ino) === m[2];
  } catch {
    return false;
  }
}

/** A logger that records lines, for tests. */
export function memoryLogger(level: LogLevel = "debug"): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = createLogger("test", { level, format: "json", write: (l) => lines.push(l) });
  return Object.assign(log, { lines });
}

/**
 * Logs at most one line per key per interval and counts what it held back, so a device sending
 * garbage at 50 Hz cannot flood the journal.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(private readonly log: Logger, private readonly intervalMs = 10_000, private readonly now: () => number = systemClock.nowMs) {}

  warn(key: string, msg: string, extra?: LogExtra): void { this.emit("warn", key, msg, extra); }
  error(key: string, msg: string, extra?: LogExtra): void { this.emit("error", key, msg, extra); }

  private emit(level: "warn" | "error", key: string, msg: string, extra?: LogExtra): void {
    const t = this.now();
    const entry = this.last.get(key);
    if (entry && t - entry.at < this.intervalMs) { entry.suppressed++; return; }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(key, { at: t, suppressed: 0 });
    if (this.last.size > 10_000) this.last.clear();
    this.log[level](msg, suppressed > 0 ? { ...extra, suppressed } : extra);
  }
}
