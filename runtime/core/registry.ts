import type { Static, TObject } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { BatchSink } from "./sink.ts";
import type { Bus } from "./bus.ts";
import type { Charger } from "./charger.ts";
import type { Clock } from "./clock.ts";
import type { Component, Context } from "./component.ts";
import type { Logger } from "./log.ts";
import type { Point } from "./point.ts";
import type { SetupTestEntry } from "./setup-check.ts";

/**
 * Adapter registries (CONVENTIONS C3), in the shape of runtime/cli/commands.ts: one line per adapter
 * in its kind's index.ts (runtime/sources/index.ts, runtime/sinks/index.ts,
 * runtime/wallbox/drivers/index.ts), naming its config section (a TypeBox object that lives beside
 * the adapter) and a lazy `load()` that imports the adapter's module only when the config enables
 * it. runtime/config composes the schema from these lines, so `config check` and the provisioning
 * form learn a new adapter without being edited; main.ts starts what the config enables.
 *
 *   // runtime/sources/index.ts
 *   export const SOURCES = {
 *     powerwall: source(powerwallSection, "Tesla Powerwall", async () => (await import("./powerwall/source.ts")).powerwallSource),
 *   } satisfies SourceRegistry;
 */
export interface RegistryEntry<S extends TObject, F> {
  /** the config section of this adapter (its keys; `enabled` for sources) */
  readonly section: S;
  /** one line for the provisioning form and `gridbox help` */
  readonly title: string;
  /** imports the adapter's module; called only when the config enables the adapter */
  readonly load: () => Promise<F>;
  /**
   * Problems `serve` would refuse that the schema cannot see (a value required only when this
   * adapter is chosen), as `path: message (hint)`; run by config validation for enabled adapters.
   */
  readonly check?: (config: Static<S>, path: string) => string[];
  /** the setup page's "Test" button for this adapter's section (core/setup-check.ts), imported when pressed */
  readonly setupTest?: SetupTestEntry;
}

/** Any entry of any registry (for code that walks registries without knowing the adapter types). */
export interface AnyRegistryEntry {
  readonly section: TObject;
  readonly title: string;
  readonly load: () => Promise<unknown>;
  readonly check?: (config: never, path: string) => string[];
  readonly setupTest?: SetupTestEntry;
}
export type AnyRegistry = Readonly<Record<string, AnyRegistryEntry>>;

/**
 * What the composition root starts, registers and stops for every adapter instance. Optional parts
 * are declared here, typed, so nobody reaches into an adapter with a cast.
 */
export interface AdapterInstance extends Component {
  /** JSON for GET /status (never secrets) */
  status?(): unknown;
  /** HTTP routes, registered before the server listens */
  readonly routes?: FastifyPluginAsync;
  /** where this adapter listens (e.g. { ocpp: "ws://127.0.0.1:8887" }), read after start() */
  addresses?(): Readonly<Record<string, string>>;
}

// ---- sources ----------------------------------------------------------------------------------

export interface SourceDeps<C> {
  /** the shared context; `log` is already the adapter's child logger (`source:<type>`); report
   *  grid/PV/battery/home power to `ctx.site` */
  readonly ctx: Context;
  readonly config: Readonly<C>;
  /** the site's name (`site.name`), for sources that tag their points with it */
  readonly siteName: string;
  /** the HTTP write guard, for a GET route that writes only on some flags (POST routes are guarded by the server) */
  readonly writeGuard: WriteGuard;
}

/** Answers the refusal and returns true when the request may not change anything (runtime/http/write-auth.ts). */
export interface WriteGuard { refuse(req: FastifyRequest, reply: FastifyReply): Promise<boolean> }

export interface SourceFactory<C> {
  /** Constructs the source; throws a ConfigError (path + hint) for settings it cannot run with. */
  create(deps: SourceDeps<C>): AdapterInstance;
}

/** One PV string (input) of a reading, for `gridbox strings`. */
export interface PvStringReading { readonly voltageV: number; readonly currentA: number; readonly powerW: number; readonly connected: boolean; readonly state: string }

/** A reading taken on demand with the source's own client (no poller), for `gridbox poll` and `gridbox strings`. */
export interface OneReading {
  /** the point the source writes */
  readonly point: Point;
  /** the reading as JSON (the REST API's `data` shape) */
  readonly json: Record<string, unknown>;
  /** PV strings by name, when the device reports them */
  readonly pvStrings?: Readonly<Record<string, PvStringReading | undefined>>;
}

/** Takes one reading (bounded by the source's own timeouts); throws like a failed poll. */
export type ReadOnce<C> = (deps: { readonly config: Readonly<C>; readonly log: Logger; readonly clock: Clock; readonly tags: { site: string; host: string } }) => Promise<OneReading>;

/** Every source section has `enabled`; several sources can run at once. */
export type SourceEntry<S extends TObject> = RegistryEntry<S, SourceFactory<Static<S>>> & {
  /** one reading on demand (`gridbox poll`, `gridbox strings`), imported when a command asks */
  readonly readOnce?: () => Promise<ReadOnce<Static<S>>>;
};
// eslint-style note: `any` keeps each line's own section type while checking the whole table
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SourceRegistry = Readonly<Record<string, SourceEntry<any>>>;

export function source<S extends TObject>(section: S, title: string, load: () => Promise<SourceFactory<Static<S>>>, check?: (config: Static<S>, path: string) => string[],
  more: { setupTest?: SetupTestEntry; readOnce?: () => Promise<ReadOnce<Static<S>>> } = {}): SourceEntry<S> {
  return { section, title, load, ...(check ? { check } : {}), ...more };
}

// ---- sinks ------------------------------------------------------------------------------------

export type Precision = "ns" | "us" | "ms" | "s";

/** A sink adapter: the outbox's BatchSink plus the timestamp precision its lines are written in. */
export interface SinkAdapter extends BatchSink {
  readonly precision: Precision;
  /** the request timeout, used by one-off writers (gridbox poll) */
  readonly timeoutMs: number;
}

export interface SinkDeps<C> {
  readonly config: Readonly<C>;
  readonly log: Logger;
  readonly clock: Clock;
}

export interface SinkFactory<C> {
  /** Constructs the sink (no I/O); throws a ConfigError for settings it cannot run with. */
  create(deps: SinkDeps<C>): SinkAdapter;
}

export type SinkEntry<S extends TObject> = RegistryEntry<S, SinkFactory<Static<S>>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SinkRegistry = Readonly<Record<string, SinkEntry<any>>>;

export function sink<S extends TObject>(section: S, title: string, load: () => Promise<SinkFactory<Static<S>>>, check?: (config: Static<S>, path: string) => string[], setupTest?: SetupTestEntry): SinkEntry<S> {
  return { section, title, load, ...(check ? { check } : {}), ...(setupTest ? { setupTest } : {}) };
}

// ---- charger drivers --------------------------------------------------------------------------

export interface ChargerDeps<C> {
  readonly config: Readonly<C>;
  /** phases the car charges on (wallbox.phases) */
  readonly phases: 1 | 3;
  readonly log: Logger;
  readonly clock: Clock;
  readonly bus: Bus;
  /** a johnny-five IO plugin instead of the Pi's GPIO (tests and the demo) */
  readonly io?: object;
}

export interface ChargerFactory<C> {
  create(deps: ChargerDeps<C>): Charger;
}

export type ChargerEntry<S extends TObject> = RegistryEntry<S, ChargerFactory<Static<S>>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ChargerRegistry = Readonly<Record<string, ChargerEntry<any>>>;

export function charger<S extends TObject>(section: S, title: string, load: () => Promise<ChargerFactory<Static<S>>>, check?: (config: Static<S>, path: string) => string[]): ChargerEntry<S> {
  return { section, title, load, ...(check ? { check } : {}) };
}

// ---- lookups ----------------------------------------------------------------------------------

/** The registered type names, sorted (for errors and the provisioning form). */
export function knownTypes(registry: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(registry).sort();
}

/** The entry for `type`, or an Error naming the known types (config validation catches this first). */
export function entryOf<E>(kind: string, registry: Readonly<Record<string, E>>, type: string): E {
  const e = Object.hasOwn(registry, type) ? registry[type] : undefined;
  if (!e) throw new Error(`unknown ${kind} type "${type}" (known: ${knownTypes(registry).join(", ")})`);
  return e;
}
