import { hostname } from "node:os";
import { readFileSync, rmSync } from "node:fs";
import type { Server as NetServer } from "node:net";
import type { FastifyPluginAsync } from "fastify";
import { writeFileAtomic } from "../config/atomic-write.ts";
import { loadConfigFile, loadConfigText, type LoadedConfig } from "../config/load.ts";
import { sleep, systemClock, type Clock } from "../core/clock.ts";
import { ConfigError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { startGridbox, type Gridbox, type StartOptions } from "../main.ts";
import { listenAddressFor } from "./listen-address.ts";

/**
 * The boot phases of `gridbox serve` (zigbee2mqtt's onboarding idea): no config file = setup mode,
 * a config that does not validate = failure mode, a valid one = running. In setup and failure mode
 * a small server (provisioning/) answers on the HTTP port with the setup or failure page; when
 * running, gridbox's own HTTP server carries the admin page.
 *
 * A new config (from the page, or the file edited and SIGHUP) is applied in-process: the running
 * components stop, the new ones start; when the new config cannot come up (start throws, or a
 * critical component is down once it settled) the previous file is put back, the previous config
 * starts again, and `lastApply` says why. One change at a time: calls queue.
 */
export type Mode = "setup" | "failed" | "running";

export interface ApplyOutcome {
  ok: boolean;
  /** what happened, in words for the owner */
  message: string;
  /** validation problems (`/path: message (hint)`) when the config was refused before anything changed */
  problems: string[];
  atMs: number;
}

export interface SupervisorState {
  mode: Mode;
  /** every problem of the config file (failure mode) */
  problems: string[];
  /** increases with every (re)start, so a page can tell that the box came back */
  generation: number;
  /** a change is being applied (the generation will move again) */
  busy: boolean;
  lastApply: ApplyOutcome | undefined;
  configPath: string;
}

/** The setup/failure page server (provisioning/); closed when gridbox starts. */
export interface ModeServer { readonly address: string; readonly server?: NetServer; close(): Promise<void> }

export interface SupervisorDeps {
  configPath: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  clock?: Clock;
  openModeServer: (sup: Supervisor, listen: { host: string; port: number }) => Promise<ModeServer>;
  /** routes added to a running gridbox's HTTP server (the admin page) */
  runningRoutes?: (sup: Supervisor, loaded: LoadedConfig) => FastifyPluginAsync;
  /** more ways writes to the running gridbox's API may authenticate (the admin session beside the API token) */
  runningVerifiers?: (sup: Supervisor, loaded: LoadedConfig) => NonNullable<StartOptions["writeVerifiers"]>;
  start?: (loaded: LoadedConfig, opts: StartOptions) => Promise<Gridbox>;
  startOptions?: StartOptions;
  /** how long a new config's components get to come up before a critical one that is down means rollback */
  settleMs?: number;
}

export class Supervisor {
  private mode: Mode = "setup";
  private problems: string[] = [];
  private generation = 0;
  private lastApply: ApplyOutcome | undefined;
  private gridbox: Gridbox | undefined;
  private modeServer: ModeServer | undefined;
  /** the text of the config that runs now (undefined: none runs) */
  private goodText: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private readonly clock: Clock;

  constructor(private readonly deps: SupervisorDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  get configPath(): string { return this.deps.configPath; }
  /** the environment the config is read with (GRIDBOX_* overrides) */
  get env(): NodeJS.ProcessEnv { return this.deps.env; }
  get running(): Gridbox | undefined { return this.gridbox; }
  get address(): string | undefined { return this.gridbox?.addresses.http ?? this.modeServer?.address; }
  /** the HTTP server that answers now (the running gridbox's, or the setup/failure page's) */
  get httpServer(): NetServer | undefined { return this.gridbox?.http?.server ?? this.modeServer?.server; }

  state(): SupervisorState {
    return { mode: this.mode, problems: [...this.problems], generation: this.generation, busy: this.pending > 0, lastApply: this.lastApply, configPath: this.deps.configPath };
  }

  /** Reads the config file and enters the mode it calls for. */
  boot(): Promise<void> {
    return this.serialize(async () => {
      const text = readIfExists(this.deps.configPath);
      if (text === undefined) return this.enterPageMode("setup", []);
      const loaded = this.load(this.deps.configPath);
      if (!loaded.ok) return this.enterPageMode("failed", loaded.problems);
      const outcome = await this.startOrExplain(loaded.loaded, text);
      if (!outcome.ok) await this.enterPageMode("failed", [outcome.message]);
    });
  }

  /** Checks `text` against the schema without touching the config file: the problems, or none. */
  validate(text: string): string[] {
    const checked = this.loadText(text);
    return checked.ok ? [] : checked.problems;
  }

  /**
   * Writes `text` as the config (atomically, mode 600) and runs it; when it cannot come up the
   * previous file and config come back. A text that does not validate changes nothing.
   */
  apply(text: string): Promise<ApplyOutcome> {
    return this.serialize(async () => {
      const checked = this.loadText(text);
      if (!checked.ok) return this.record({ ok: false, message: `the new config has ${checked.problems.length} problem(s); nothing changed`, problems: checked.problems });
      const previousFile = readIfExists(this.deps.configPath);
      writeFileAtomic(this.deps.configPath, text);
      return this.switchTo(text, previousFile);
    });
  }

  /** SIGHUP: the file was edited (or a device added by hand): run what it says now. */
  reload(): Promise<ApplyOutcome> {
    return this.serialize(async () => {
      const text = readIfExists(this.deps.configPath);
      if (text === undefined) {
        if (this.mode !== "running") await this.enterPageMode("setup", []);
        return this.record({ ok: false, message: `${this.deps.configPath} does not exist${this.mode === "running" ? "; still running the previous config" : ""}`, problems: [] });
      }
      const loaded = this.load(this.deps.configPath);
      if (!loaded.ok) {
        if (this.mode !== "running") await this.enterPageMode("failed", loaded.problems);
        return this.record({ ok: false, message: `the edited config has ${loaded.problems.length} problem(s)${this.mode === "running" ? "; still running the previous config" : ""}`, problems: loaded.problems });
      }
      if (this.mode === "running" && text === this.goodText) return this.record({ ok: true, message: "the config file is unchanged", problems: [] });
      return this.switchTo(text, this.goodText);
    });
  }

  async stop(): Promise<void> {
    await this.serialize(async () => {
      await this.stopCurrent();
    });
  }

  // ---- internals

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = (): Promise<T> => fn().finally(() => { this.pending--; });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private record(o: Omit<ApplyOutcome, "atMs">): ApplyOutcome {
    this.lastApply = { ...o, atMs: this.clock.nowMs() };
    (o.ok ? this.deps.log.info : this.deps.log.warn).call(this.deps.log, `config: ${o.message}`);
    return this.lastApply;
  }

  private load(path: string): { ok: true; loaded: LoadedConfig } | { ok: false; problems: string[] } {
    try {
      return { ok: true, loaded: loadConfigFile(path, this.deps.env) };
    } catch (err) {
      return { ok: false, problems: err instanceof ConfigError ? [...err.problems] : [String((err as Error).message)] };
    }
  }

  /** Validates a text as the file it would become (`!secret` resolves from the secrets.yaml beside the config). */
  private loadText(text: string): { ok: true; loaded: LoadedConfig } | { ok: false; problems: string[] } {
    try {
      return { ok: true, loaded: loadConfigText(text, this.deps.configPath, this.deps.env) };
    } catch (err) {
      return { ok: false, problems: err instanceof ConfigError ? [...err.problems] : [String((err as Error).message)] };
    }
  }

  private async switchTo(text: string, previousFile: string | undefined): Promise<ApplyOutcome> {
    const loaded = this.load(this.deps.configPath);
    if (!loaded.ok) return this.record({ ok: false, message: "the written config does not load", problems: loaded.problems });
    const previousGood = this.goodText;
    await this.stopCurrent();
    const outcome = await this.startOrExplain(loaded.loaded, text);
    if (outcome.ok) return this.record({ ok: true, message: "The new config is running.", problems: [] });

    // roll back: the previous file, and the previous config if one ran
    if (previousFile === undefined) rmSync(this.deps.configPath, { force: true });
    else writeFileAtomic(this.deps.configPath, previousFile);
    const back = previousGood === undefined ? undefined : this.load(this.deps.configPath);
    if (back?.ok && previousGood !== undefined) {
      const again = await this.startOrExplain(back.loaded, previousGood);
      if (!again.ok) await this.enterPageMode("failed", [again.message]);
    } else {
      const stillBroken = previousFile === undefined ? undefined : this.load(this.deps.configPath);
      await this.enterPageMode(previousFile === undefined ? "setup" : "failed", stillBroken && !stillBroken.ok ? stillBroken.problems : []);
    }
    return this.record({ ok: false, message: `The new config could not come up, so the previous one is back: ${outcome.message}`, problems: [] });
  }

  private async startOrExplain(loaded: LoadedConfig, text: string): Promise<{ ok: true } | { ok: false; message: string }> {
    const start = this.deps.start ?? startGridbox;
    let gb: Gridbox;
    try {
      gb = await start(loaded, { ...this.deps.startOptions, httpRoutes: this.deps.runningRoutes ? [this.deps.runningRoutes(this, loaded)] : [], writeVerifiers: this.deps.runningVerifiers?.(this, loaded) ?? [] });
    } catch (err) {
      return { ok: false, message: `gridbox did not start: ${(err as Error).message}` };
    }
    const settleMs = this.deps.settleMs ?? 3000;
    if (settleMs > 0) await sleep(this.clock, settleMs);
    const snap = gb.health.snapshot();
    if (snap.status === "down") {
      const down = Object.entries(snap.components).filter(([, c]) => c.critical && c.state === "down")
        .map(([name, c]) => `${name}: ${c.message ?? c.lastError ?? "down"}`);
      await gb.stop().catch(() => undefined);
      return { ok: false, message: `not running after ${settleMs / 1000} s: ${down.join("; ")}` };
    }
    this.gridbox = gb;
    this.goodText = text;
    this.mode = "running";
    this.problems = [];
    this.generation++;
    return { ok: true };
  }

  private async enterPageMode(mode: "setup" | "failed", problems: string[]): Promise<void> {
    await this.stopCurrent();
    this.mode = mode;
    this.problems = problems;
    this.goodText = undefined;
    this.generation++;
    const listen = listenAddressFor(this.deps.configPath, this.deps.env);
    this.modeServer = await this.deps.openModeServer(this, listen);
    // fastify names a wildcard bind by a loopback URL; the owner needs the name the LAN knows
    const page = listen.host === "0.0.0.0" || listen.host === "::" ? `http://${hostname()}.local:${listen.port}/ (listening on every address)` : `${this.modeServer.address}/`;
    if (mode === "setup") this.deps.log.info(`no config at ${this.deps.configPath}: setup mode, open ${page} to set gridbox up`);
    else this.deps.log.warn(`config ${this.deps.configPath} has ${problems.length} problem(s): failure page on ${page}\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }

  private async stopCurrent(): Promise<void> {
    const gb = this.gridbox, ms = this.modeServer;
    this.gridbox = undefined;
    this.modeServer = undefined;
    if (gb) await gb.stop();
    if (ms) await ms.close();
  }
}

function readIfExists(path: string): string | undefined {
  try { return readFileSync(path, "utf8"); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
