/**
 * A typed registry of adapter factories. Each adapter registers with one line in its folder's
 * index.ts; duplicates are refused and the types can be listed (for the provisioning form).
 */
export interface Factory { readonly type: string }

export class Registry<F extends Factory> {
  private readonly byType = new Map<string, F>();
  constructor(private readonly kind: string) {}

  add(factory: F): this {
    if (this.byType.has(factory.type)) throw new Error(`${this.kind} type "${factory.type}" is registered twice`);
    this.byType.set(factory.type, factory);
    return this;
  }

  get(type: string): F {
    const f = this.byType.get(type);
    if (!f) throw new Error(`unknown ${this.kind} type "${type}"; known: ${this.types().join(", ")}`);
    return f;
  }

  types(): string[] { return [...this.byType.keys()].sort(); }
}
