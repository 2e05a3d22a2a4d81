/**
 * Per-component health. Every source, sink, driver and the broker registers a function that says
 * how it is; /health and the Home Assistant health sensors read the same snapshot.
 */
export type HealthState = "ok" | "starting" | "degraded" | "down" | "disabled";

export interface ComponentHealth {
  readonly state: HealthState;
  /** a short human sentence, never containing a secret */
  readonly message?: string;
  readonly lastError?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface HealthReporter { health(): ComponentHealth }

interface Entry { critical: boolean; read: () => ComponentHealth }

export interface HealthSnapshot {
  status: "ok" | "degraded" | "down";
  components: Record<string, ComponentHealth & { critical: boolean }>;
}

export class HealthRegistry {
  private readonly entries = new Map<string, Entry>();

  /** A critical component that is down makes the whole appliance "down" (HTTP 503). */
  register(name: string, read: () => ComponentHealth, opts: { critical?: boolean } = {}): void {
    if (this.entries.has(name)) throw new Error(`health component "${name}" registered twice`);
    this.entries.set(name, { critical: opts.critical ?? false, read });
  }

  snapshot(): HealthSnapshot {
    const components: HealthSnapshot["components"] = {};
    let status: HealthSnapshot["status"] = "ok";
    for (const [name, entry] of this.entries) {
      let h: ComponentHealth;
      try { h = entry.read(); } catch (err) { h = { state: "down", lastError: String(err) }; }
      components[name] = { ...h, critical: entry.critical };
      if (h.state === "down" && entry.critical) status = "down";
      else if ((h.state === "down" || h.state === "degraded") && status === "ok") status = "degraded";
    }
    return { status, components };
  }
}
