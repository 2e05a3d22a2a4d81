/**
 * Per-source-address bounds on the broker's connections, checked when a socket is accepted: at
 * most `maxPerAddress` open and at most `maxPendingPerAddress` that have not yet been accepted by
 * CONNECT/CONNACK. 300 idle sockets from one host once filled max_connections and locked every real
 * device out; now that host gets a few pending slots and the connect timeout closes them.
 * Addresses in `exempt` (the box itself by default: its own tools, a local Home Assistant, the
 * tests' and benchmarks' many clients) are bounded by max_connections only.
 */
export interface ConnectionGuardOptions {
  maxPerAddress: number;
  maxPendingPerAddress: number;
  exempt?: readonly string[];
}

export type AdmitRefusal = "per_address" | "pending_per_address";

interface Counts { open: number; pending: number }

/** One admitted connection: call connected() once CONNECT was accepted, closed() when it ends. */
export interface Admission { connected(): void; closed(): void }

export class ConnectionGuard {
  private readonly byAddress = new Map<string, Counts>();
  private readonly exempt: ReadonlySet<string>;

  constructor(private readonly o: ConnectionGuardOptions) {
    this.exempt = new Set(o.exempt ?? []);
  }

  admit(address: string): Admission | AdmitRefusal {
    if (this.exempt.has(address)) return { connected() {}, closed() {} };
    const c = this.byAddress.get(address) ?? { open: 0, pending: 0 };
    if (c.open >= this.o.maxPerAddress) return "per_address";
    if (c.pending >= this.o.maxPendingPerAddress) return "pending_per_address";
    c.open++;
    c.pending++;
    this.byAddress.set(address, c);
    let pending = true;
    let open = true;
    const settlePending = (): void => { if (pending) { pending = false; c.pending--; } };
    return {
      connected: settlePending,
      closed: () => {
        if (!open) return;
        open = false;
        settlePending();
        c.open--;
        if (c.open === 0) this.byAddress.delete(address);
      },
    };
  }

  get pendingTotal(): number {
    let n = 0;
    for (const c of this.byAddress.values()) n += c.pending;
    return n;
  }
}
