import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { crc16Modbus } from "../../../../runtime/sources/hoymiles/crc16.ts";
import { dfsSaysEncrypted } from "../../../../runtime/sources/hoymiles/crypto.ts";
import { decodeFrame, encodeFrame, FrameError, frameSize, TAG } from "../../../../runtime/sources/hoymiles/frame.ts";
import { decodeMessage } from "../../../../runtime/sources/hoymiles/protocol.ts";

/**
 * HM frames against frames the field's own client produced: request frames sent by
 * suaveolent/hoymiles-wifi v0.5.5 (plaintext and to an encrypted DTU), captured on arrival at our
 * DTU simulator. Our decoder must take them, and our encoder must give back the same bytes for the
 * same tag, sequence and payload (CRC, length rule, AES-GCM key, nonce and AAD all included).
 */
interface Captured { command: string; hex: string }
const fixtures = JSON.parse(readFileSync(new URL("../../../fixtures/hoymiles/hoymiles-wifi-requests.json", import.meta.url), "utf8")) as {
  plaintext: Captured[]; encrypted: { enc_rand: string; frames: Captured[] };
};

test("CRC-16/MODBUS check value", () => {
  assert.equal(crc16Modbus(Buffer.from("123456789", "ascii")), 0x4b37);
  assert.equal(crc16Modbus(Buffer.alloc(0)), 0xffff);
});

test("plaintext requests from hoymiles-wifi decode, and re-encode to the same bytes", () => {
  assert.ok(fixtures.plaintext.length >= 2);
  for (const [i, f] of fixtures.plaintext.entries()) {
    const bytes = Buffer.from(f.hex, "hex");
    const frame = decodeFrame(bytes);
    assert.equal(frame.tag, TAG.realDataNewRequest, f.command);
    const req = decodeMessage("RealDataRequest", frame.payload);
    assert.equal(req.cp ?? 0, i, "pages asked for in order");
    assert.equal(req.offset, 28_800);
    assert.match(Buffer.from(req.time_ymd_hms ?? []).toString("ascii"), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.deepEqual(encodeFrame(frame), bytes);
  }
});

test("requests to an encrypted DTU: app info stays plaintext, RealDataNew is AES-GCM sealed exactly as hoymiles-wifi seals it", () => {
  const encRand = Buffer.from(fixtures.encrypted.enc_rand, "hex");
  const [info, ...real] = fixtures.encrypted.frames.map((f) => Buffer.from(f.hex, "hex"));
  const infoFrame = decodeFrame(info as Buffer, encRand);
  assert.equal(infoFrame.tag, TAG.appInfoRequest);
  assert.deepEqual(encodeFrame(infoFrame, encRand), info);
  for (const [i, bytes] of real.entries()) {
    // the length field leaves the 16-byte GCM tag out
    assert.equal(bytes.readUInt16BE(8) + 16, bytes.length);
    assert.equal(frameSize(bytes, encRand), bytes.length);
    const frame = decodeFrame(bytes, encRand);
    assert.equal(decodeMessage("RealDataRequest", frame.payload).cp ?? 0, i);
    assert.deepEqual(encodeFrame(frame, encRand), bytes, "same key, nonce, AAD, CRC and length rule as the field's client");
  }
  // the wrong enc_rand does not authenticate
  const wrong = Buffer.alloc(16, 7);
  assert.throws(() => decodeFrame(real[0] as Buffer, wrong), (e: unknown) => e instanceof FrameError && e.problem === "decrypt");
});

test("a flipped CRC, a cut frame and a foreign header are refused with what is wrong", () => {
  const good = Buffer.from((fixtures.plaintext[0] as Captured).hex, "hex");
  const badCrc = Buffer.from(good);
  badCrc[6] = (badCrc[6] as number) ^ 0xff;
  assert.throws(() => decodeFrame(badCrc), (e: unknown) => e instanceof FrameError && e.problem === "crc");
  assert.throws(() => decodeFrame(good.subarray(0, good.length - 3)), (e: unknown) => e instanceof FrameError && e.problem === "length");
  assert.throws(() => decodeFrame(Buffer.from("GET / HTTP/1.1\r\n\r\n")), (e: unknown) => e instanceof FrameError && e.problem === "magic");
  assert.equal(frameSize(good.subarray(0, 9)), undefined, "needs the whole header first");
});

test("the encryption flag is bit 25 of dfs, which may exceed 2^53", () => {
  assert.equal(dfsSaysEncrypted(undefined), false);
  assert.equal(dfsSaysEncrypted("17"), false);
  assert.equal(dfsSaysEncrypted(String((1n << 25n) | 17n)), true);
  assert.equal(dfsSaysEncrypted(String((1n << 60n) | (1n << 25n))), true);
  assert.equal(dfsSaysEncrypted(String(1n << 60n)), false);
});
