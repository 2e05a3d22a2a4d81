import type { DtuLink } from "../../../runtime/sources/hoymiles/dtu-link.ts";
import type { FakeClock } from "../../fakes/fake-clock.ts";
import type { DtuSimulator } from "../../sim/hoymiles/dtu-simulator.ts";

/**
 * Moves a fake clock shared by DTU clients and simulators that talk over real sockets. Time moves
 * only when the wire is quiet: every open request socket is connected and held, unanswered, by a
 * simulator (so a timeout is due), or there is none. Real I/O in between is awaited, never raced,
 * so timing assertions see the clock, not the machine's load. A step (1 s) stays well below the
 * request timeout, so no timeout can fall due inside the step in which its request started.
 */
export async function quiet(links: readonly DtuLink[], sims: readonly DtuSimulator[], realLimitMs = 20_000): Promise<void> {
  const deadline = Date.now() + realLimitMs;
  for (;;) {
    const held = new Set(sims.flatMap((s) => [...s.stalledPorts]));
    const open = links.flatMap((l) => l.openPorts());
    if (open.every((p) => p !== undefined && held.has(p))) return;
    if (Date.now() > deadline) throw new Error(`the wire never went quiet: open ${JSON.stringify(open)}, held ${JSON.stringify([...held])}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

export async function drive(clock: FakeClock, ms: number, links: readonly DtuLink[], sims: readonly DtuSimulator[], stepMs = 1000): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    await quiet(links, sims);
    await clock.advance(Math.min(stepMs, ms - done));
  }
  await quiet(links, sims);
}

/** Gaps between consecutive arrival times (ms). */
export const gaps = (times: readonly number[]): number[] => times.slice(1).map((t, i) => t - (times[i] as number));
