import { crc16Modbus } from "./crc16.ts";
import { decryptPayload, encryptPayload, GCM_TAG_BYTES } from "./crypto.ts";

/**
 * The HM frame every DTU request and answer travels in (reference §1.2, integers big-endian):
 *   0 "HM" · 2 command tag u16 · 4 sequence u16 · 6 CRC-16/MODBUS of the payload · 8 length · 10 payload
 * length = payload + 10. In an encrypted frame the payload is AES-GCM ciphertext followed by its
 * 16-byte tag; the length field and the CRC leave that tag out, so the frame is length + 16 bytes.
 * App -> DTU tags start 0xA3, DTU -> app tags 0xA2 (same low byte). App information and heartbeat
 * frames are never encrypted.
 */
export const HEADER_BYTES = 10;
const MAGIC = 0x484d; // "HM"

export const TAG = {
  appInfoRequest: 0xa301,
  appInfoAnswer: 0xa201,
  heartbeatRequest: 0xa302,
  realDataNewRequest: 0xa311,
  realDataNewAnswer: 0xa211,
} as const;

const PLAINTEXT_TAGS: ReadonlySet<number> = new Set([TAG.appInfoRequest, TAG.appInfoAnswer, TAG.heartbeatRequest]);

/** The DTU's answer tag for a request tag (0xA3xx -> 0xA2xx). */
export const answerTagFor = (requestTag: number): number => (requestTag & 0x00ff) | 0xa200;

export interface Frame { readonly tag: number; readonly seq: number; readonly payload: Buffer }

export type FrameProblem = "magic" | "length" | "crc" | "decrypt";
export class FrameError extends Error {
  constructor(readonly problem: FrameProblem, message: string) { super(message); this.name = "FrameError"; }
}

/** Whether a frame with this tag is encrypted on a DTU that encrypts. */
export const isEncryptedTag = (tag: number, encRand: Uint8Array | undefined): boolean => encRand !== undefined && !PLAINTEXT_TAGS.has(tag);

export function encodeFrame(frame: Frame, encRand?: Uint8Array): Buffer {
  const encrypted = isEncryptedTag(frame.tag, encRand);
  const body = encrypted ? encryptPayload(encRand as Uint8Array, frame.tag, frame.seq, frame.payload) : frame.payload;
  const covered = encrypted ? body.subarray(0, body.length - GCM_TAG_BYTES) : body;
  if (covered.length + HEADER_BYTES > 0xffff) throw new RangeError(`payload of ${covered.length} bytes does not fit an HM frame`);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(MAGIC, 0);
  header.writeUInt16BE(frame.tag, 2);
  header.writeUInt16BE(frame.seq & 0xffff, 4);
  header.writeUInt16BE(crc16Modbus(covered), 6);
  header.writeUInt16BE(covered.length + HEADER_BYTES, 8);
  return Buffer.concat([header, body]);
}

/**
 * How many bytes the frame starting in `head` has in all, once its header is in; undefined until
 * then. Throws on a header that is not an HM frame.
 */
export function frameSize(head: Uint8Array, encRand?: Uint8Array): number | undefined {
  if (head.length < HEADER_BYTES) return undefined;
  const b = Buffer.from(head.buffer, head.byteOffset, head.length);
  if (b.readUInt16BE(0) !== MAGIC) throw new FrameError("magic", `not an HM frame (starts 0x${b.subarray(0, 2).toString("hex")})`);
  const length = b.readUInt16BE(8);
  if (length < HEADER_BYTES) throw new FrameError("length", `length field ${length} is shorter than the header`);
  return length + (isEncryptedTag(b.readUInt16BE(2), encRand) ? GCM_TAG_BYTES : 0);
}

/** Decodes one whole frame: checks magic, length and CRC, decrypts when the DTU encrypts. */
export function decodeFrame(bytes: Uint8Array, encRand?: Uint8Array): Frame {
  const size = frameSize(bytes, encRand);
  if (size === undefined) throw new FrameError("length", `${bytes.length} bytes is shorter than a frame header`);
  if (bytes.length !== size) throw new FrameError("length", `frame says ${size} bytes, got ${bytes.length}`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const tag = b.readUInt16BE(2);
  const seq = b.readUInt16BE(4);
  const length = b.readUInt16BE(8);
  const crc = crc16Modbus(b.subarray(HEADER_BYTES, length));
  if (crc !== b.readUInt16BE(6)) throw new FrameError("crc", `CRC mismatch: frame says 0x${b.readUInt16BE(6).toString(16)}, payload gives 0x${crc.toString(16)}`);
  const body = b.subarray(HEADER_BYTES, size);
  if (!isEncryptedTag(tag, encRand)) return { tag, seq, payload: Buffer.from(body) };
  try {
    return { tag, seq, payload: decryptPayload(encRand as Uint8Array, tag, seq, body) };
  } catch (err) {
    throw new FrameError("decrypt", `AES-GCM did not authenticate the frame (wrong enc_rand?): ${(err as Error).message}`);
  }
}
