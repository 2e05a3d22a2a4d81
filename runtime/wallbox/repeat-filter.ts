/**
 * Grafana re-sends a firing alert every repeat interval (4 h by default). This remembers the last
 * status per fingerprint so a repeat is recognised; firing → resolved → firing acts every time.
 * Bounded: the least recently seen fingerprints are forgotten first.
 */
export class RepeatFilter {
  private readonly last = new Map<string, string>();
  constructor(private readonly capacity = 2000) {}

  /** True when this fingerprint already had this status (a repeat); records it otherwise. */
  isRepeat(fingerprint: string, status: string): boolean {
    const prev = this.last.get(fingerprint);
    this.last.delete(fingerprint);
    this.last.set(fingerprint, status);
    if (this.last.size > this.capacity) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    return prev === status;
  }
}
