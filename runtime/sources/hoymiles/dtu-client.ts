import type { Clock } from "../../core/clock.ts";
import { dfsSaysEncrypted } from "./crypto.ts";
import { DtuError, type DtuLink } from "./dtu-link.ts";
import { TAG } from "./frame.ts";
import { decodeMessage, encodeMessage, REQUEST_TIME_OFFSET_S, requestTime, type AppInfoAnswer, type RealDataAnswer } from "./protocol.ts";
import { mergePages, toReading, type DtuReading } from "./reading.ts";

/**
 * What gridbox asks a DTU: its app information (serial, firmware, whether it encrypts and its
 * enc_rand; never encrypted itself) now and then, and RealDataNew, page after page (`ap` pages,
 * asked for with cp = 0 … ap-1), merged into one reading.
 */
export interface DtuInfo { serial: string; encrypted: boolean; swVersion?: number; hwVersion?: number; inverterSerials: string[]; atMs: number }

/** A DTU claiming more pages than this is answering nonsense; we stop rather than loop. */
const MAX_PAGES = 32;

export class DtuClient {
  info: DtuInfo | undefined;

  constructor(private readonly link: DtuLink, private readonly clock: Clock) {}

  async appInfo(signal: AbortSignal): Promise<DtuInfo> {
    const payload = encodeMessage("AppInfoRequest", { ...requestTime(this.clock.nowMs()), offset: REQUEST_TIME_OFFSET_S });
    const frame = await this.link.request(TAG.appInfoRequest, payload, signal);
    const a = this.decode("AppInfoAnswer", frame.payload) as AppInfoAnswer;
    const encrypted = dfsSaysEncrypted(a.dtu_info?.dfs);
    if (encrypted) {
      const rand = a.dtu_info?.enc_rand;
      if (!rand || rand.length !== 16) throw new DtuError("frame", `the DTU says it encrypts but sent a ${rand?.length ?? 0}-byte enc_rand (16 expected)`);
      this.link.encRand = Buffer.from(rand);
    } else {
      this.link.encRand = undefined;
    }
    this.info = {
      serial: a.dtu_serial_number ?? "",
      encrypted,
      ...(a.dtu_info?.dtu_sw_version ? { swVersion: a.dtu_info.dtu_sw_version } : {}),
      ...(a.dtu_info?.dtu_hw_version ? { hwVersion: a.dtu_info.dtu_hw_version } : {}),
      inverterSerials: (a.pv_info ?? []).map((p) => BigInt(p.pv_serial_number ?? "0").toString(16)),
      atMs: this.clock.nowMs(),
    };
    return this.info;
  }

  /** All pages of one RealDataNew answer, in order. */
  async realDataPages(signal: AbortSignal): Promise<RealDataAnswer[]> {
    const first = await this.realDataPage(0, signal);
    const pages = [first];
    const total = Math.min(Math.max(first.ap ?? 1, 1), MAX_PAGES);
    for (let cp = 1; cp < total; cp++) pages.push(await this.realDataPage(cp, signal));
    return pages;
  }

  async realData(signal: AbortSignal): Promise<DtuReading> {
    const pages = await this.realDataPages(signal);
    return toReading(mergePages(pages), this.clock.nowMs(), this.info?.serial ?? "");
  }

  private async realDataPage(cp: number, signal: AbortSignal): Promise<RealDataAnswer> {
    const payload = encodeMessage("RealDataRequest", { ...requestTime(this.clock.nowMs()), cp, offset: REQUEST_TIME_OFFSET_S });
    const frame = await this.link.request(TAG.realDataNewRequest, payload, signal);
    return this.decode("RealDataAnswer", frame.payload) as RealDataAnswer;
  }

  private decode(name: "AppInfoAnswer" | "RealDataAnswer", bytes: Buffer): AppInfoAnswer | RealDataAnswer {
    try {
      return decodeMessage(name, bytes);
    } catch (err) {
      throw new DtuError("frame", `answer is not a ${name} protobuf: ${(err as Error).message}`, err);
    }
  }
}
