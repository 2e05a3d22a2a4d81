/**
 * Grafana re-sends a firing alert every repeat interval (4 h by default). This remembers the last
 * status per fingerprint so a repeat is recognised; firing → resolved → firing acts every time.
 * The alert's startsAt belongs to the key (dedupe on fingerprint + status + startsAt, reference §1.4):
 * a new firing episode acts even when its resolved notice never came (disabled, lost in a 401/429).
 * Bounded: the least recently seen fingerprints are forgotten first.
 */
export class RepeatFilter {
  private readonly last = new Map<string, string>();
  constructor(private readonly capacity = 2000) {}

  /** True when this fingerprint already had this status and startsAt (a repeat); records it otherwise. */
  isRepeat(fingerprint: string, status: string, startsAt?: string): boolean {
    const seen = startsAt === undefined ? status : `${status} ${startsAt}`;
    const prev = this.last.get(fingerprint);
    this.last.delete(fingerprint);
    this.last.set(fingerprint, seen);
    if (this.last.size > this.capacity) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    return prev === seen;
  }
}
