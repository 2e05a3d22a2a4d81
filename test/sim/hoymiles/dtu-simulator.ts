import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { systemClock, type Clock } from "../../../runtime/core/clock.ts";
import { ENCRYPTED_FLAG_BIT } from "../../../runtime/sources/hoymiles/crypto.ts";
import { answerTagFor, decodeFrame, encodeFrame, frameSize, TAG } from "../../../runtime/sources/hoymiles/frame.ts";
import { decodeMessage, encodeMessage, serialFromHex, type RealDataAnswer } from "../../../runtime/sources/hoymiles/protocol.ts";
import { Plant, type PlantSnapshot, type SimInverterSpec } from "./plant.ts";

/**
 * A Hoymiles DTU on a real TCP socket, speaking the wire protocol of the real one (HM frames,
 * CRC-16/MODBUS, protobuf app information and paged RealDataNew, AES-128-GCM when `encrypted`),
 * and no kinder than the device:
 * - polled too fast (a new RealDataNew cp=0 within `minPollSpacingMs` of the previous one) it
 *   hangs: it accepts connections and answers nothing for `hangMs`;
 * - a request within `minRequestSpacingMs` of the previous one gets no answer;
 * - faults on demand: `silent` (accept, never answer), `dropMidFrame` (half an answer, then the
 *   connection drops), `badCrc` (an answer whose CRC is wrong), counted down per answer;
 * - at night (plant.irradiance 0) the inverters are offline: link status 0, every value 0;
 * - an encrypted DTU ignores requests it cannot decrypt.
 * Every request is recorded with its arrival time on the simulator's clock, so tests measure the
 * client's spacing instead of assuming it.
 */
export interface DtuSimulatorOptions {
  host?: string;
  port?: number;
  clock?: Clock;
  serial?: string;
  inverters?: readonly SimInverterSpec[];
  encrypted?: boolean;
  encRand?: Buffer;
  /** inverters (with their ports) per RealDataNew page */
  invertersPerPage?: number;
  minPollSpacingMs?: number;
  minRequestSpacingMs?: number;
  hangMs?: number;
}

export interface RecordedRequest { atMs: number; tag: number; seq: number; cp?: number; answered: boolean; why?: string; /** the request frame as sent */ hex: string }
export interface SimFaults { silent: number; dropMidFrame: number; badCrc: number }

export class DtuSimulator {
  readonly plant: Plant;
  readonly requests: RecordedRequest[] = [];
  readonly faults: SimFaults = { silent: 0, dropMidFrame: 0, badCrc: 0 };
  readonly serial: string;
  readonly encRand: Buffer | undefined;
  hungUntilMs = 0;
  /** client ports of connections held open without an answer (silence), for tests that wait for quiet */
  readonly stalledPorts = new Set<number>();
  /** most connections open at once (a client that asks one thing at a time keeps this at 1) */
  maxConcurrent = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly clock: Clock;
  private lastRequestMs = Number.NEGATIVE_INFINITY;
  private lastPollMs = Number.NEGATIVE_INFINITY;
  url = "";

  constructor(private readonly opts: DtuSimulatorOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.plant = new Plant(opts.inverters);
    this.serial = opts.serial ?? "414373A01234";
    this.encRand = opts.encrypted ? (opts.encRand ?? randomBytes(16)) : undefined;
  }

  /** accepted connections still open */
  get openConnections(): number { return this.sockets.size; }

  get address(): { host: string; port: number } {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new Error("DTU simulator is not listening");
    return { host: a.address, port: a.port };
  }

  async start(): Promise<this> {
    const server = createServer((s) => this.onConnection(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? "127.0.0.1", () => { server.off("error", reject); resolve(); });
    });
    this.url = `tcp://${this.address.host}:${this.address.port}`;
    return this;
  }

  async stop(): Promise<void> {
    const closed = [...this.sockets].map((s) => new Promise<void>((r) => { if (s.destroyed && s.closed) r(); else s.once("close", () => r()); }));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
    await Promise.all(closed);
  }

  private onConnection(socket: Socket): void {
    this.sockets.add(socket);
    this.maxConcurrent = Math.max(this.maxConcurrent, this.sockets.size);
    let buf = Buffer.alloc(0);
    let done = false;
    socket.on("close", () => { this.sockets.delete(socket); });
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      if (done) return;
      buf = Buffer.concat([buf, chunk]);
      let size: number | undefined;
      try { size = frameSize(buf, this.encRand); } catch { done = true; socket.destroy(); return; }
      if (size === undefined || buf.length < size) return;
      done = true;
      this.handle(socket, buf.subarray(0, size));
    });
  }

  private handle(socket: Socket, bytes: Buffer): void {
    const now = this.clock.nowMs();
    let tag = bytes.readUInt16BE(2);
    const seq = bytes.readUInt16BE(4);
    const rec: RecordedRequest = { atMs: now, tag, seq, answered: false, hex: bytes.toString("hex") };
    this.requests.push(rec);
    const sinceLast = now - this.lastRequestMs;
    this.lastRequestMs = now;
    const silence = (why: string): void => {
      rec.why = why;
      const port = socket.remotePort ?? -1;
      this.stalledPorts.add(port);
      socket.once("close", () => { this.stalledPorts.delete(port); });
    };
    let frame;
    try { frame = decodeFrame(bytes, this.encRand); tag = frame.tag; } catch (err) { rec.why = `bad request: ${(err as Error).message}`; socket.destroy(); return; }
    if (tag === TAG.realDataNewRequest) {
      try { rec.cp = decodeMessage("RealDataRequest", frame.payload).cp ?? 0; } catch { rec.why = "bad RealDataNew request"; socket.destroy(); return; }
      if (rec.cp === 0) {
        const sincePoll = now - this.lastPollMs;
        this.lastPollMs = now;
        if (sincePoll < (this.opts.minPollSpacingMs ?? 30_000)) this.hungUntilMs = now + (this.opts.hangMs ?? 30 * 60_000);
      }
    }
    if (now < this.hungUntilMs) return silence("hung: polled too fast");
    if (sinceLast < (this.opts.minRequestSpacingMs ?? 1000)) return silence("asked again too soon");
    if (this.faults.silent > 0) { this.faults.silent--; return silence("fault: silent"); }
    const payload = this.answerFor(tag, rec.cp ?? 0, now);
    if (!payload) return silence(`unknown command 0x${tag.toString(16)}`);
    let out = encodeFrame({ tag: answerTagFor(tag), seq, payload }, this.encRand);
    if (this.faults.badCrc > 0) { this.faults.badCrc--; out = Buffer.from(out); out.writeUInt16BE(out.readUInt16BE(6) ^ 0x5a5a, 6); rec.why = "fault: bad CRC"; }
    if (this.faults.dropMidFrame > 0) {
      this.faults.dropMidFrame--;
      rec.why = "fault: dropped mid-frame";
      socket.write(out.subarray(0, Math.floor(out.length / 2)), () => socket.destroy());
      return;
    }
    rec.answered = true;
    socket.end(out);
  }

  private answerFor(tag: number, cp: number, now: number): Buffer | undefined {
    if (tag === TAG.appInfoRequest) {
      const dfs = this.encRand ? (1n << BigInt(ENCRYPTED_FLAG_BIT)) | 0x11n : 0x11n;
      return encodeMessage("AppInfoAnswer", {
        dtu_serial_number: this.serial, timestamp: Math.floor(now / 1000), device_number: this.plant.inverters.length,
        pv_number: this.plant.inverters.reduce((s, i) => s + i.ports.length, 0),
        dtu_info: { device_kind: 1, dtu_sw_version: 1031, dtu_hw_version: 512, signal_strength: 78, dfs: dfs.toString(), ...(this.encRand ? { enc_rand: this.encRand } : {}) },
        pv_info: this.plant.inverters.map((i) => ({ device_kind: 3, pv_serial_number: serialFromHex(i.serial), pv_sw_version: 10012, pv_hw_version: 256 })),
      });
    }
    if (tag === TAG.realDataNewRequest) return encodeMessage("RealDataAnswer", this.page(cp, now));
    return undefined;
  }

  /** One page of RealDataNew: the DTU's totals on page 0, then `invertersPerPage` inverters with their ports per page. */
  page(cp: number, now: number, snap: PlantSnapshot = this.plant.snapshot(now)): RealDataAnswer {
    const per = Math.max(1, this.opts.invertersPerPage ?? 2);
    const ap = Math.max(1, Math.ceil(snap.inverters.length / per));
    const invs = snap.inverters.slice(cp * per, cp * per + per);
    const raw = (v: number, f: number): number => Math.round(v * f);
    const todayWh = snap.inverters.reduce((s, i) => s + i.ports.reduce((a, p) => a + p.energyTodayWh, 0), 0);
    return {
      device_serial_number: this.serial, timestamp: Math.floor(now / 1000), ap, cp, firmware_version: 1031,
      ...(cp === 0 ? { dtu_power: String(raw(this.plant.acPowerW(), 10)), dtu_daily_energy: String(Math.round(todayWh)) } : {}),
      sgs_data: invs.map((i) => ({
        serial_number: serialFromHex(i.serial), firmware_version: 10012, voltage: raw(i.voltageV, 10), frequency: raw(i.frequencyHz, 100),
        active_power: raw(i.activePowerW, 10), reactive_power: 0, current: raw(i.voltageV ? i.activePowerW / i.voltageV : 0, 100),
        power_factor: i.online ? 1000 : 0, temperature: raw(i.temperatureC, 10), warning_number: i.warningCount, link_status: i.online ? 1 : 0, power_limit: 1000,
      })),
      pv_data: invs.flatMap((i) => i.ports.map((p) => ({
        serial_number: serialFromHex(i.serial), port_number: p.port, voltage: raw(p.voltageV, 10), current: raw(p.currentA, 100),
        power: raw(p.powerW, 10), energy_total: Math.round(p.energyTotalWh), energy_daily: Math.round(p.energyTodayWh), error_code: p.errorCode,
      }))),
    };
  }
}

export async function startDtuSimulator(opts: DtuSimulatorOptions = {}): Promise<DtuSimulator> {
  return new DtuSimulator(opts).start();
}
