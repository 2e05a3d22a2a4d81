/**
 * Throttles failed MQTT logins per source address and per username, so a flood of CONNECTs with
 * wrong passwords costs a few scrypt runs, not one each (1,000 bad CONNECTs/s once drove gridbox
 * to 155 % CPU and a real device's first login to 5.7 s).
 *
 * Each address has a bucket of `burst` failures, each username one of `userBurst` (larger, so one
 * attacking host is cut off by its address before it can lock a device's name); both refill one
 * every `refillMs`. A failure takes one; with none left, logins from that address (or for that username)
 * are refused at once, without hashing, until one has refilled. Refused attempts take nothing, so
 * a throttled name comes back on its own. A (username, address) pair that has logged in before is
 * a known device: the username's bucket does not apply to it, so an attacker elsewhere who floods a
 * device's name cannot lock that device out. Both maps are bounded.
 */
export interface LoginThrottleOptions {
  burst: number;
  userBurst: number;
  refillMs: number;
  now: () => number;
  maxEntries?: number;
}

export type ThrottleVerdict = "ok" | "address_throttled" | "user_throttled";

interface Bucket { tokens: number; atMs: number }

export class LoginThrottle {
  private readonly addresses = new Map<string, Bucket>();
  private readonly users = new Map<string, Bucket>();
  private readonly known = new Map<string, number>();
  private readonly maxEntries: number;

  constructor(private readonly o: LoginThrottleOptions) {
    this.maxEntries = o.maxEntries ?? 4096;
  }

  /** Whether an address may try at all (checked at accept: a throttled address costs no MQTT parsing). */
  addressAllowed(address: string): boolean { return this.tokens(this.addresses, address, this.o.burst) >= 1; }

  check(address: string, username: string | undefined): ThrottleVerdict {
    if (!this.addressAllowed(address)) return "address_throttled";
    if (username !== undefined && !this.isKnown(username, address) && this.tokens(this.users, username, this.o.userBurst) < 1) return "user_throttled";
    return "ok";
  }

  /** Whether the address has failed logins not yet refilled (its logins then queue behind clean ones). */
  hasFailures(address: string): boolean { return this.tokens(this.addresses, address, this.o.burst) < this.o.burst; }

  isKnown(username: string, address: string): boolean { return this.known.has(`${username}\0${address}`); }

  /** A failed login; `username` only when it names an account (unknown names would fill the map). */
  failed(address: string, username?: string): void {
    this.take(this.addresses, address, this.o.burst);
    if (username !== undefined && !this.isKnown(username, address)) this.take(this.users, username, this.o.userBurst);
  }

  succeeded(address: string, username: string | undefined): void {
    this.addresses.delete(address);
    if (username === undefined) return;
    const key = `${username}\0${address}`;
    this.known.delete(key);
    this.bound(this.known);
    this.known.set(key, this.o.now());
  }

  private tokens(map: Map<string, Bucket>, key: string, burst: number): number {
    const b = map.get(key);
    if (!b) return burst;
    const refilled = Math.min(burst, b.tokens + (this.o.now() - b.atMs) / this.o.refillMs);
    if (refilled >= burst) { map.delete(key); return burst; }
    return refilled;
  }

  private take(map: Map<string, Bucket>, key: string, burst: number): void {
    const tokens = Math.max(0, this.tokens(map, key, burst) - 1);
    map.delete(key); // re-inserted last: the map's order is least recently failed first
    this.bound(map);
    map.set(key, { tokens, atMs: this.o.now() });
  }

  private bound(map: Map<string, unknown>): void {
    if (map.size >= this.maxEntries) map.delete(map.keys().next().value as string);
  }

  get throttledAddresses(): number {
    let n = 0;
    for (const key of this.addresses.keys()) if (this.tokens(this.addresses, key, this.o.burst) < 1) n++;
    return n;
  }
}
