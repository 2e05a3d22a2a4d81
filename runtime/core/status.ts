/**
 * Statistics sections for GET /status: each component registers a function returning plain JSON
 * (counters, last-seen times). Never put secrets here.
 */
export class StatusRegistry {
  private readonly sections = new Map<string, () => unknown>();

  register(name: string, read: () => unknown): void {
    if (this.sections.has(name)) throw new Error(`status section "${name}" registered twice`);
    this.sections.set(name, read);
  }

  /** One section now (undefined when nothing registered it or it threw). */
  read(name: string): unknown {
    try { return this.sections.get(name)?.(); } catch { return undefined; }
  }

  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, read] of this.sections) {
      try { out[name] = read(); } catch (err) { out[name] = { error: String(err) }; }
    }
    return out;
  }
}
