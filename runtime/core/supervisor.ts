import { Backoff } from "./backoff.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import { errorMessage, GridboxError } from "./errors.ts";
import type { ComponentHealth, HealthRegistry } from "./health.ts";
import type { Logger } from "./log.ts";
import type { StatusRegistry } from "./status.ts";
import { handlesReleased } from "./handles-released.ts";

/**
 * The one lifecycle policy of the composition root (CONVENTIONS C8, C16): every component and
 * adapter is a unit that is started in order, registered in /health and /status, and stopped in
 * reverse order.
 * - A unit that fails to start is stopped (whatever it half-started is released), marked down in
 *   /health with the reason, and retried with backoff (core/backoff.ts) while its neighbours run.
 *   A ConfigError is not retried: only a new config helps.
 * - A `required` unit (the outbox, the HTTP server) that fails to start aborts the whole start:
 *   `abortStart()` then stops everything already started, so nothing is left running.
 * - `stop()` cancels retries, aborts starts in flight, and resolves when every unit has stopped and
 *   the handles they closed are released (core/handles-released.ts).
 */
export interface Unit {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  health?(): ComponentHealth;
  status?(): unknown;
}

export interface UnitOptions {
  /** a critical unit that is down makes the appliance "down" (HTTP 503) */
  readonly critical?: boolean;
  /** its start failing aborts startGridbox (no retry) */
  readonly required?: boolean;
}

export interface SupervisorDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly health: HealthRegistry;
  readonly status: StatusRegistry;
  /** first retry after this, doubling up to maxMs */
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
}

type Phase = "starting" | "running" | "retrying" | "failed" | "stopped";

interface Slot {
  readonly unit: Unit;
  readonly opts: UnitOptions;
  phase: Phase;
  error: string | undefined;
  attempts: number;
  retryAtMs: number | undefined;
  timer: TimerHandle | undefined;
  backoff: Backoff;
  starting: Promise<void> | undefined;
}

export class Supervisor {
  private readonly slots: Slot[] = [];
  private readonly lifetime = new AbortController();
  private stopping: Promise<void> | undefined;

  constructor(private readonly d: SupervisorDeps) {}

  /** Registers the unit's health and status, starts it, and returns once the first attempt is done. */
  async add(unit: Unit, opts: UnitOptions = {}): Promise<void> {
    if (this.lifetime.signal.aborted) throw new GridboxError("GRIDBOX_STOPPED", `not starting ${unit.name}: stopping`);
    const slot: Slot = { unit, opts, phase: "starting", error: undefined, attempts: 0, retryAtMs: undefined, timer: undefined, backoff: new Backoff(this.d.retry.initialMs, this.d.retry.maxMs), starting: undefined };
    this.slots.push(slot);
    this.d.health.register(unit.name, () => this.healthOf(slot), { critical: opts.critical ?? false });
    if (unit.status) { const read = unit.status.bind(unit); this.d.status.register(unit.name, read); }
    await this.attempt(slot);
    if (opts.required && slot.phase !== "running") throw new GridboxError("GRIDBOX_STOPPED", `${unit.name} could not start: ${slot.error ?? "unknown"}`);
  }

  /** A component that could not even be built (its config is unusable): shown down, never retried. */
  addBroken(name: string, err: unknown, opts: UnitOptions = {}): void {
    const why = describe(err);
    this.d.log.error(`${name} not started: ${why}`);
    this.d.health.register(name, () => ({ state: "down", message: `not started: ${why}`, lastError: why }), { critical: opts.critical ?? false });
  }

  /** A component switched off in the config. */
  addDisabled(name: string, message: string): void {
    this.d.health.register(name, () => ({ state: "disabled", message }));
  }

  /** Units that are running now, by name (tests, /status). */
  running(): string[] { return this.slots.filter((s) => s.phase === "running").map((s) => s.unit.name); }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.lifetime.abort(new GridboxError("GRIDBOX_STOPPED", "stopping"));
      for (const slot of [...this.slots].reverse()) {
        if (slot.timer) { this.d.clock.clearTimeout(slot.timer); slot.timer = undefined; }
        await slot.starting?.catch(() => undefined);
        if (slot.phase === "stopped") continue;
        slot.phase = "stopped";
        try { await slot.unit.stop(); } catch (err) { this.d.log.error(`stopping ${slot.unit.name} failed: ${errorMessage(err)}`); }
      }
      // a server, socket or child process a unit closed last is released a loop phase after its event
      await handlesReleased();
    })();
    return this.stopping;
  }

  private attempt(slot: Slot): Promise<void> {
    slot.attempts++;
    slot.phase = "starting";
    slot.retryAtMs = undefined;
    const p = (async () => {
      try {
        await slot.unit.start(this.lifetime.signal);
        if (this.lifetime.signal.aborted) return; // stop() stops it
        if (slot.attempts > 1) this.d.log.info(`${slot.unit.name} started (attempt ${slot.attempts})`);
        slot.phase = "running";
        slot.error = undefined;
        slot.backoff.reset();
      } catch (err) {
        slot.error = describe(err);
        // release whatever the failed start left behind before waiting or giving up
        try { await slot.unit.stop(); } catch (e) { this.d.log.debug(`cleaning up ${slot.unit.name}: ${errorMessage(e)}`); }
        if (this.lifetime.signal.aborted) return;
        const retryable = !(err instanceof GridboxError && err.code === "GRIDBOX_CONFIG_INVALID");
        if (slot.opts.required || !retryable) {
          slot.phase = "failed";
          this.d.log.error(`${slot.unit.name} not started: ${slot.error}`);
          return;
        }
        const delay = slot.backoff.next();
        slot.phase = "retrying";
        slot.retryAtMs = this.d.clock.nowMs() + delay;
        this.d.log.error(`${slot.unit.name} not started (attempt ${slot.attempts}): ${slot.error}; retrying in ${Math.round(delay / 1000)} s`);
        slot.timer = this.d.clock.setTimeout(() => { slot.timer = undefined; void this.attempt(slot); }, delay);
      }
    })();
    slot.starting = p.finally(() => { if (slot.starting === p) slot.starting = undefined; });
    return p;
  }

  private healthOf(slot: Slot): ComponentHealth {
    switch (slot.phase) {
      case "running":
        return slot.unit.health?.() ?? { state: "ok" };
      case "starting":
        return { state: "starting", message: slot.attempts > 1 ? `starting (attempt ${slot.attempts})` : "starting" };
      case "retrying": {
        const inS = Math.max(0, Math.round(((slot.retryAtMs ?? 0) - this.d.clock.nowMs()) / 1000));
        return { state: "down", message: `not started: ${slot.error ?? "unknown"}; retry ${slot.attempts + 1} in ${inS} s`, lastError: slot.error, details: { attempts: slot.attempts, retry_in_s: inS } };
      }
      case "failed":
        return { state: "down", message: `not started: ${slot.error ?? "unknown"}`, lastError: slot.error };
      case "stopped":
        return { state: "down", message: "stopped" };
    }
  }
}

function describe(err: unknown): string {
  const problems = (err as { problems?: unknown }).problems;
  return Array.isArray(problems) && problems.length > 0 ? `${errorMessage(err)}: ${problems.join("; ")}` : errorMessage(err);
}
