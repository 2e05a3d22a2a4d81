import { EventEmitter } from "node:events";
import type { Point } from "./point.ts";

/**
 * The typed event bus that adapters talk through (they never import each other).
 * Add an event here when a new kind of news must cross a component boundary.
 */
export interface BusEvents {
  /** readings accepted by gridbox (already in the outbox) */
  points: [points: readonly Point[]];
  "device.online": [deviceId: string];
  "device.offline": [deviceId: string];
}

export class Bus {
  private readonly emitter = new EventEmitter();
  constructor() { this.emitter.setMaxListeners(100); }

  on<K extends keyof BusEvents>(event: K, fn: (...args: BusEvents[K]) => void): () => void {
    this.emitter.on(event, fn as (...a: unknown[]) => void);
    return () => this.emitter.off(event, fn as (...a: unknown[]) => void);
  }

  /** Listeners run synchronously; one that throws is isolated so the emitter's caller never sees it. */
  emit<K extends keyof BusEvents>(event: K, ...args: BusEvents[K]): void {
    for (const fn of this.emitter.listeners(event)) {
      try { (fn as (...a: BusEvents[K]) => void)(...args); } catch (err) { this.emitter.emit("error-in-listener", err); }
    }
  }

  onListenerError(fn: (err: unknown) => void): void { this.emitter.on("error-in-listener", fn); }
}
