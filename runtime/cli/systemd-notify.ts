import { execFile } from "node:child_process";
import type { Clock, TimerHandle } from "../core/clock.ts";
import type { Logger } from "../core/log.ts";

/**
 * Tells systemd that gridbox is ready (Type=notify) and pets its watchdog (WatchdogSec=) from the
 * event loop, so a hung loop gets the process restarted.
 *
 * Node has no AF_UNIX datagram socket, so each message goes through systemd's own `systemd-notify`
 * tool (the unit sets NotifyAccess=all so systemd accepts it from our child). systemd-notify waits
 * until systemd has read the message (sd_notify_barrier, systemd ≥ 246), so the child's exit cannot
 * race the message. Outside systemd (no NOTIFY_SOCKET) every call does nothing.
 */
export interface SystemdNotifier {
  /** READY=1: startup finished; starts petting the watchdog when systemd asked for one. */
  ready(status?: string): void;
  /** STOPPING=1: a stop has begun (systemd then no longer expects watchdog pets). */
  stopping(): void;
  /** Resolves when no message is on its way (every systemd-notify child has exited). */
  idle(): Promise<void>;
  /** Stops petting and waits for a message still being sent. */
  stop(): Promise<void>;
}

export interface NotifyOptions {
  env?: NodeJS.ProcessEnv;
  pid?: number;
  clock: Clock;
  log: Logger;
  /** runs `systemd-notify ARGS…`; replaced in tests */
  send?: (args: string[]) => Promise<void>;
}

/** The watchdog interval systemd asked this process for, or undefined (sd_watchdog_enabled). */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return usec / 1000;
}

export function createSystemdNotifier(opts: NotifyOptions): SystemdNotifier {
  const env = opts.env ?? process.env;
  const pid = opts.pid ?? process.pid;
  if (!env.NOTIFY_SOCKET) return { ready() {}, stopping() {}, async idle() {}, async stop() {} };
  const log = opts.log;
  const send = opts.send ?? runSystemdNotify(env);
  const watchdogMs = watchdogIntervalMs(env, pid);
  const inFlight = new Set<Promise<void>>();
  let timer: TimerHandle | undefined;
  let stopped = false;
  let failures = 0;

  const notify = (args: string[]): void => {
    if (stopped) return;
    const p = send(args).then(
      () => { failures = 0; },
      (err: Error) => {
        // one line per run of failures: a missing tool must not flood the journal every pet
        if (failures++ === 0) log.error(`systemd-notify ${args.join(" ")} failed: ${err.message}`);
      },
    ).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const pet = (): void => {
    // a pet still on its way counts: do not pile up children when the box is slow
    if (inFlight.size === 0) notify(["WATCHDOG=1"]);
    schedule();
  };
  // half the interval, as sd_watchdog_enabled(3) recommends
  const schedule = (): void => { if (!stopped && watchdogMs) timer = opts.clock.setTimeout(pet, watchdogMs / 2); };

  return {
    ready(status) {
      // MAINPID: we are the main process even if systemd started us through a wrapper
      notify(["--ready", `--pid=${pid}`, ...(status ? [`--status=${status}`] : [])]);
      if (timer === undefined) schedule();
    },
    stopping() {
      notify(["--status=stopping", "STOPPING=1"]);
    },
    async idle() {
      await Promise.all([...inFlight]);
    },
    async stop() {
      if (timer !== undefined) opts.clock.clearTimeout(timer);
      timer = undefined;
      stopped = true;
      await this.idle();
    },
  };
}

function runSystemdNotify(env: NodeJS.ProcessEnv): (args: string[]) => Promise<void> {
  return (args) => new Promise((resolve, reject) => {
    execFile("systemd-notify", args, { env, timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(stderr.trim() || err.message));
      else resolve();
    });
  });
}
