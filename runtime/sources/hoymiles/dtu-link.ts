import { connect, type Socket } from "node:net";
import { sleep, type Clock } from "../../core/clock.ts";
import { SourceError } from "../../core/errors.ts";
import { decodeFrame, encodeFrame, FrameError, frameSize, type Frame } from "./frame.ts";

/**
 * The wire to one DTU (reference §1.1): every request is its own short TCP connection: connect,
 * write one frame, read one whole answer frame, close. Requests to one DTU never overlap: they
 * queue, and each waits until `requestSpacingMs` has passed since the previous one finished
 * (the field's client waits 2 s; DTUs that are asked faster stop answering). Connect + write +
 * read is bounded by `timeoutMs` on the Clock; an abort or a timeout destroys the socket.
 */
export interface DtuLinkOptions {
  host: string;
  port: number;
  timeoutMs: number;
  requestSpacingMs: number;
  clock: Clock;
  /** optional source address for multi-homed hosts */
  localAddress?: string;
}

export type DtuFailure = "timeout" | "connect" | "closed" | "crc" | "decrypt" | "frame" | "aborted";

/** A request that got no usable answer; `failure` says how (every kind is worth retrying later). */
export class DtuError extends SourceError {
  constructor(readonly failure: DtuFailure, message: string, cause?: unknown) {
    super("GRIDBOX_SOURCE_UNAVAILABLE", message, { retryable: failure !== "aborted", ...(cause === undefined ? {} : { cause }) });
  }
}

const MAX_FRAME_BYTES = 0xffff + 16;

export class DtuLink {
  /** set once the DTU said it encrypts (its enc_rand); requests and answers are then sealed */
  encRand: Uint8Array | undefined;
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private lastDoneMs = Number.NEGATIVE_INFINITY;
  private open = new Set<Socket>();
  /** sockets not yet fully closed (destroy() closes the handle on a later turn) */
  private closing = new Set<Promise<void>>();
  readonly stats = { requests: 0, answers: 0, failures: {} as Partial<Record<DtuFailure, number>> };

  constructor(private readonly opts: DtuLinkOptions) {}

  /** requests connecting or waiting for their answer right now (0 or 1) */
  get inFlight(): number { return this.open.size; }

  /** local ports of the open request sockets (undefined while still connecting) */
  openPorts(): (number | undefined)[] { return [...this.open].map((s) => s.localPort); }

  /** Sends one request frame and resolves with the DTU's answer frame (decrypted). */
  request(tag: number, payload: Buffer, signal: AbortSignal): Promise<Frame> {
    const run = this.queue.then(() => this.spacedRequest(tag, payload, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Destroys any socket still open and resolves once every socket of this link is closed (stop()). */
  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    this.open.clear();
    await Promise.all([...this.closing]);
  }

  private async spacedRequest(tag: number, payload: Buffer, signal: AbortSignal): Promise<Frame> {
    const wait = this.lastDoneMs + this.opts.requestSpacingMs - this.opts.clock.nowMs();
    try {
      if (wait > 0) await sleep(this.opts.clock, wait, signal);
      if (signal.aborted) throw signal.reason;
    } catch (err) {
      throw new DtuError("aborted", "request aborted", err);
    }
    this.seq = (this.seq + 1) & 0xffff;
    this.stats.requests++;
    try {
      const frame = await this.exchange(encodeFrame({ tag, seq: this.seq, payload }, this.encRand), signal);
      this.stats.answers++;
      return frame;
    } catch (err) {
      const e = err instanceof DtuError ? err : new DtuError("frame", String(err), err);
      this.stats.failures[e.failure] = (this.stats.failures[e.failure] ?? 0) + 1;
      throw e;
    } finally {
      this.lastDoneMs = this.opts.clock.nowMs();
    }
  }

  private exchange(request: Buffer, signal: AbortSignal): Promise<Frame> {
    const { host, port, timeoutMs, clock, localAddress } = this.opts;
    return new Promise<Frame>((resolve, reject) => {
      const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
      this.open.add(socket);
      const closed: Promise<void> = new Promise<void>((r) => socket.once("close", () => r())).then(() => { this.closing.delete(closed); });
      this.closing.add(closed);
      let chunks: Buffer[] = [];
      let have = 0;
      let connected = false;
      let settled = false;
      const finish = (err: DtuError | undefined, frame?: Frame): void => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.open.delete(socket);
        socket.destroy();
        if (err) reject(err);
        else resolve(frame as Frame);
      };
      const timer = clock.setTimeout(() => finish(new DtuError("timeout", `no answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
      timer.unref?.();
      const onAbort = (): void => finish(new DtuError("aborted", "request aborted", signal.reason));
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      socket.on("connect", () => { connected = true; socket.write(request); });
      socket.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        have += chunk.length;
        const all = chunks.length === 1 ? chunk : Buffer.concat(chunks);
        chunks = [all];
        let size: number | undefined;
        try {
          size = frameSize(all, this.encRand);
        } catch (err) {
          return finish(new DtuError("frame", (err as Error).message, err));
        }
        if (size === undefined || have < size) {
          if (have > MAX_FRAME_BYTES) finish(new DtuError("frame", `answer exceeds ${MAX_FRAME_BYTES} bytes`));
          return;
        }
        if (have > size) return finish(new DtuError("frame", `answer has ${have - size} bytes after its frame`));
        try {
          finish(undefined, decodeFrame(all, this.encRand));
        } catch (err) {
          const kind = err instanceof FrameError ? (err.problem === "crc" ? "crc" : err.problem === "decrypt" ? "decrypt" : "frame") : "frame";
          finish(new DtuError(kind, (err as Error).message, err));
        }
      });
      socket.on("error", (err) => finish(new DtuError(connected ? "closed" : "connect", `${host}:${port}: ${err.message}`, err)));
      socket.on("close", () => finish(new DtuError(connected ? "closed" : "connect", have > 0
        ? `${host}:${port} closed the connection after ${have} bytes, mid-frame`
        : `${host}:${port} closed the connection without an answer`)));
    });
  }
}
