import { chmodSync, closeSync, existsSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { systemClock } from "../core/clock.ts";
import { ensureDir } from "../core/ensure-dir.ts";

/**
 * The durable store: one row per compressed batch (never a row per reading), WAL with
 * synchronous=NORMAL (a commit survives a process crash; a power cut may lose the last commits,
 * never corrupt the file). Bounded in bytes of batch bodies: at the cap the oldest batches are
 * dropped and their readings counted in a persisted counter. Dead letters (lines the sink refused
 * for good) live in their own bounded table.
 */
export interface StoredBatch { id: number; createdMs: number; lines: number; body: Buffer }
export interface DeadLetter { id: number; createdMs: number; line: string; reason: string }

export interface StoreStats {
  batches: number;
  readings: number;
  bytes: number;
  maxBytes: number;
  oldestCreatedMs: number | undefined;
  /** readings dropped at the cap, ever (persisted) */
  dropped: number;
  /** lines dead-lettered, ever (persisted) */
  deadLettered: number;
  deadLetterRows: number;
}

export interface DropEvent { batches: number; readings: number; bytes: number }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY, created_ms INTEGER NOT NULL, lines INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, created_ms INTEGER NOT NULL, line TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;
const MAX_DEAD_LETTER_ROWS = 10_000;
// Small pages: a 1000-reading batch is ~10 KB, and every commit also rewrites one table leaf page,
// so 1 KiB pages waste less of the SD card than 4 KiB ones (measured in test/bench/store-disk.bench.ts).
const PAGE_SIZE = 1024;

export class BatchStore {
  private db: Database.Database | undefined;
  private totals = { batches: 0, readings: 0, bytes: 0 };
  /** ids only grow while open (no AUTOINCREMENT: its sqlite_sequence page would be rewritten on every commit) */
  private nextId = 1;
  /** the id of the batch the last append() stored */
  lastAppendedId = 0;
  /** ids being sent right now: the cap drops other batches first (a batch both dropped and delivered would spoil the count) */
  readonly busy = new Set<number>();
  private stmts!: ReturnType<BatchStore["prepare"]>;
  /** PRAGMA data_version when the totals were last computed: it moves when another connection commits */
  private seenVersion = 0;

  constructor(readonly path: string, readonly maxBytes: number, private readonly nowMs: () => number = systemClock.nowMs, private readonly synchronous: "normal" | "full" = "normal") {}

  open(opts: { readonly?: boolean } = {}): this {
    const onDisk = !opts.readonly && this.path !== ":memory:";
    if (onDisk) this.privateFile();
    const db = new Database(this.path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
    try {
      if (!opts.readonly) {
        db.pragma(`page_size = ${PAGE_SIZE}`); // only takes effect on a new file
        db.pragma("journal_mode = WAL");
        db.pragma(`synchronous = ${this.synchronous === "full" ? "FULL" : "NORMAL"}`);
        db.exec(SCHEMA);
      }
      // SQLite gives -wal and -shm the database file's mode; older stores (0644) are fixed here
      if (onDisk) for (const ext of ["-wal", "-shm"]) if (existsSync(this.path + ext)) chmodSync(this.path + ext, 0o600);
      db.pragma("busy_timeout = 5000");
      this.stmts = this.prepare(db, opts.readonly ?? false);
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    this.refresh();
    return this;
  }

  /**
   * The readings are the household's data: the store file is created 0600 before SQLite opens it
   * (SQLite then creates -wal and -shm with the same mode), whatever the umask, and an existing
   * file is made 0600 too.
   */
  private privateFile(): void {
    ensureDir(dirname(this.path));
    closeSync(openSync(this.path, "a", 0o600));
    chmodSync(this.path, 0o600);
  }

  /**
   * Opens for writing; a file that is not a database or is corrupt (a failing SD card) is renamed
   * aside, kept for inspection, and a new store is created, so durability comes back on its own
   * (Telegraf stops at start-up until someone deletes its corrupt WAL by hand).
   */
  openRecovering(): { movedAside?: string } {
    try {
      this.open();
      return {};
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== "SQLITE_NOTADB" && code !== "SQLITE_CORRUPT") throw err;
      const aside = `${this.path}.corrupt-${this.nowMs()}`;
      renameSync(this.path, aside);
      for (const ext of ["-wal", "-shm"]) rmSync(this.path + ext, { force: true });
      this.open();
      return { movedAside: aside };
    }
  }

  /** Recomputes the totals from the file (another process, e.g. `gridbox buffer drain`, may have changed it). */
  refresh(): void {
    const db = this.handle;
    this.seenVersion = this.stmts.dataVersion.get() as number;
    const row = db.prepare("SELECT count(*) AS n, coalesce(sum(lines), 0) AS lines, coalesce(sum(length(body)), 0) AS bytes, coalesce(max(id), 0) AS maxId FROM batches").get() as { n: number; lines: number; bytes: number; maxId: number };
    this.totals = { batches: row.n, readings: row.lines, bytes: row.bytes };
    this.nextId = Math.max(this.nextId, row.maxId + 1);
  }

  private prepare(db: Database.Database, readonly: boolean) {
    const rw = <T>(make: () => T): T => (readonly ? (undefined as T) : make());
    return {
      // the id never goes back below one this connection used, nor below what another process inserted
      insert: rw(() => db.prepare("INSERT INTO batches (id, created_ms, lines, body) VALUES (max(?, (SELECT coalesce(max(id), 0) + 1 FROM batches)), ?, ?, ?)")),
      oldest: db.prepare("SELECT id, created_ms AS createdMs, lines, body FROM batches WHERE id > ? ORDER BY id LIMIT ?"),
      oldestMeta: db.prepare("SELECT id, lines, length(body) AS bytes FROM batches ORDER BY id LIMIT ?"),
      oldestCreated: db.prepare("SELECT created_ms AS t FROM batches ORDER BY id LIMIT 1"),
      remove: rw(() => db.prepare("DELETE FROM batches WHERE id = ? RETURNING lines, length(body) AS bytes")),
      getCounter: db.prepare("SELECT value FROM counters WHERE name = ?"),
      addCounter: rw(() => db.prepare("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value")),
      setCounter: rw(() => db.prepare("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")),
      replaceBody: rw(() => db.prepare("UPDATE batches SET body = ? WHERE id = ?")),
      insertDead: rw(() => db.prepare("INSERT INTO dead_letters (created_ms, line, reason) VALUES (?, ?, ?)")),
      trimDead: rw(() => db.prepare("DELETE FROM dead_letters WHERE id <= (SELECT max(id) FROM dead_letters) - ?")),
      deadRows: db.prepare("SELECT count(*) AS n FROM dead_letters"),
      dataVersion: db.prepare("PRAGMA data_version").pluck(),
      deadList: db.prepare("SELECT id, created_ms AS createdMs, line, reason FROM dead_letters ORDER BY id DESC LIMIT ?"),
    };
  }

  private get handle(): Database.Database {
    if (!this.db) throw new Error("batch store is not open");
    return this.db;
  }

  /**
   * Stores one batch in one transaction; first drops the oldest batches while the new one would
   * pass the cap. Returns what was dropped (the caller logs and counts it).
   */
  append(body: Buffer, lines: number): DropEvent {
    const drop: DropEvent = { batches: 0, readings: 0, bytes: 0 };
    this.handle.transaction(() => {
      // another process (`gridbox buffer drain`) may have sent and deleted batches: the cap must not
      // count them, or it drops readings while the file has room
      if (this.stmts.dataVersion.get() !== this.seenVersion) this.refresh();
      if (this.totals.bytes + body.length > this.maxBytes) {
        for (const victim of this.stmts.oldestMeta.all(64 + this.busy.size) as { id: number; lines: number; bytes: number }[]) {
          if (this.totals.bytes - drop.bytes + body.length <= this.maxBytes) break;
          if (this.busy.has(victim.id)) continue;
          this.stmts.remove.run(victim.id);
          drop.batches++; drop.readings += victim.lines; drop.bytes += victim.bytes;
        }
        if (drop.readings > 0) this.stmts.addCounter.run("dropped_readings", drop.readings);
      }
      this.insertRow(lines, body);
    }).immediate(); // the write lock first: the cap reads before it writes, and waits out busy_timeout
    this.totals.batches += 1 - drop.batches;
    this.totals.readings += lines - drop.readings;
    this.totals.bytes += body.length - drop.bytes;
    return drop;
  }

  private insertRow(lines: number, body: Buffer): void {
    const r = this.stmts.insert.run(this.nextId, this.nowMs(), lines, body);
    this.lastAppendedId = Number(r.lastInsertRowid);
    this.nextId = this.lastAppendedId + 1;
  }

  /** Up to `limit` of the oldest batches with id > afterId. */
  oldest(limit: number, afterId = 0): StoredBatch[] {
    return this.stmts.oldest.all(afterId, limit) as StoredBatch[];
  }

  /** Deletes a batch the sink confirmed (a no-op when the cap already dropped it). */
  remove(id: number): boolean {
    const row = this.stmts.remove.get(id) as { lines: number; bytes: number } | undefined;
    if (!row) return false;
    this.totals.batches--; this.totals.readings -= row.lines; this.totals.bytes -= row.bytes;
    return true;
  }

  /** `count`: the readings they stand for (a line each, unless a whole undecodable batch is one entry) */
  addDeadLetters(lines: readonly string[], reason: string, count = lines.length): void {
    if (lines.length === 0) return;
    this.handle.transaction(() => {
      const now = this.nowMs();
      for (const line of lines) this.stmts.insertDead.run(now, line, reason);
      this.stmts.addCounter.run("dead_lettered", count);
      this.stmts.trimDead.run(MAX_DEAD_LETTER_ROWS);
    })();
  }

  deadLetters(limit = 20): DeadLetter[] { return this.stmts.deadList.all(limit) as DeadLetter[]; }

  /**
   * The timestamp unit of the stored lines as decimal digits after the second (0 s, 3 ms, 6 µs,
   * 9 ns); undefined for a store written before gridbox recorded it. See store-precision.ts.
   */
  get timeDigits(): number | undefined {
    return (this.stmts.getCounter.get("time_digits") as { value: number } | undefined)?.value;
  }
  set timeDigits(digits: number) { this.stmts.setCounter.run("time_digits", digits); }

  /** Rewrites batches' bodies in one transaction (their line counts stay), then recounts the bytes. */
  replaceBodies(bodies: readonly { id: number; body: Buffer }[]): void {
    this.handle.transaction(() => { for (const b of bodies) this.stmts.replaceBody.run(b.body, b.id); })();
    this.refresh();
  }

  private counter(name: string): number {
    return (this.stmts.getCounter.get(name) as { value: number } | undefined)?.value ?? 0;
  }

  stats(): StoreStats {
    const oldest = this.stmts.oldestCreated.get() as { t: number } | undefined;
    return {
      ...this.totals,
      maxBytes: this.maxBytes,
      oldestCreatedMs: oldest?.t,
      dropped: this.counter("dropped_readings"),
      deadLettered: this.counter("dead_lettered"),
      deadLetterRows: (this.stmts.deadRows.get() as { n: number }).n,
    };
  }

  get isOpen(): boolean { return this.db !== undefined; }
  get isEmpty(): boolean { return this.totals.batches === 0; }
  get totalsNow(): Readonly<{ batches: number; readings: number; bytes: number }> { return this.totals; }

  close(): void {
    const db = this.db;
    this.db = undefined;
    db?.close();
  }
}
