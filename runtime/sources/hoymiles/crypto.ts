import { createCipheriv, createDecipheriv, createHash } from "node:crypto";

/**
 * AES-128-GCM as newer DTU firmware uses it (reference §1.3): the DTU announces it in its app
 * information (`dtu_info.dfs` bit 25) with a per-device 16-byte `enc_rand`.
 * key   = first 16 bytes of SHA-256(SHA-256(SHA-256(enc_rand)))
 * nonce = last 12 bytes of SHA-256³(tag_u16_LE ‖ seq_u16_LE ‖ enc_rand)
 * AAD   = tag_u16_LE ‖ seq_u16_LE; the 16-byte GCM tag follows the ciphertext.
 */
export const ENCRYPTED_FLAG_BIT = 25;
export const GCM_TAG_BYTES = 16;

const sha256x3 = (b: Buffer): Buffer => {
  let d = b;
  for (let i = 0; i < 3; i++) d = createHash("sha256").update(d).digest();
  return d;
};

const tagSeq = (tag: number, seq: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(tag, 0);
  b.writeUInt16LE(seq, 2);
  return b;
};

function keyAndNonce(encRand: Uint8Array, tag: number, seq: number): { key: Buffer; nonce: Buffer; aad: Buffer } {
  if (encRand.length !== 16) throw new Error(`enc_rand must be 16 bytes, got ${encRand.length}`);
  const rand = Buffer.from(encRand);
  const aad = tagSeq(tag, seq);
  return { key: sha256x3(rand).subarray(0, 16), nonce: sha256x3(Buffer.concat([aad, rand])).subarray(20, 32), aad };
}

/** Encrypts a payload: ciphertext followed by the 16-byte GCM tag. */
export function encryptPayload(encRand: Uint8Array, tag: number, seq: number, plain: Uint8Array): Buffer {
  const { key, nonce, aad } = keyAndNonce(encRand, tag, seq);
  const c = createCipheriv("aes-128-gcm", key, nonce);
  c.setAAD(aad);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

/** Decrypts ciphertext + GCM tag; throws when the tag does not authenticate (wrong key, tampered frame). */
export function decryptPayload(encRand: Uint8Array, tag: number, seq: number, sealed: Uint8Array): Buffer {
  if (sealed.length < GCM_TAG_BYTES) throw new Error("encrypted payload shorter than its GCM tag");
  const { key, nonce, aad } = keyAndNonce(encRand, tag, seq);
  const d = createDecipheriv("aes-128-gcm", key, nonce);
  d.setAAD(aad);
  d.setAuthTag(Buffer.from(sealed.subarray(sealed.length - GCM_TAG_BYTES)));
  return Buffer.concat([d.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)), d.final()]);
}

/** Whether an app-information `dfs` value says the DTU encrypts (dfs may exceed 2^53 as a Long: pass a string or bigint). */
export function dfsSaysEncrypted(dfs: bigint | number | string | undefined): boolean {
  if (dfs === undefined) return false;
  return ((BigInt(dfs) >> BigInt(ENCRYPTED_FLAG_BIT)) & 1n) === 1n;
}
