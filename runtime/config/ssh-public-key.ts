/**
 * OpenSSH public key lines (`authorized_keys` format without options: `type base64-blob [comment]`),
 * parsed and checked the way sshd would read them: the blob is decoded (RFC 4253 §6.6 wire format)
 * and must name the same type as the line; ssh-ed25519 (32-byte key), ecdsa-sha2-nistp256/384/521
 * (the curve named in the blob matches, the point has the curve's length) and ssh-rsa with a modulus
 * of at least 3072 bits are accepted. A private key pasted by mistake is recognised and refused; no
 * explanation ever quotes the line (it may be part of a private key).
 */
export type SshKeyType = "ssh-ed25519" | "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" | "ecdsa-sha2-nistp521" | "ssh-rsa";

export interface SshPublicKey { type: SshKeyType; bits: number; comment: string; /** the normalised line: type, blob, comment */ line: string }

export const MIN_RSA_BITS = 3072;

/** point lengths (uncompressed, 0x04 || X || Y) per curve */
const ECDSA: Record<string, { curve: string; pointBytes: number; bits: number }> = {
  "ecdsa-sha2-nistp256": { curve: "nistp256", pointBytes: 65, bits: 256 },
  "ecdsa-sha2-nistp384": { curve: "nistp384", pointBytes: 97, bits: 384 },
  "ecdsa-sha2-nistp521": { curve: "nistp521", pointBytes: 133, bits: 521 },
};

export function parseSshPublicKey(input: string): { ok: true; key: SshPublicKey } | { ok: false; why: string } {
  const line = input.trim();
  if (looksPrivate(line)) return { ok: false, why: "this is a PRIVATE key: it was not saved and is not shown here. Paste the PUBLIC key instead: the one line in the .pub file (e.g. ~/.ssh/id_ed25519.pub), starting with ssh-ed25519" };
  if (line === "") return { ok: false, why: "an empty line is not a key" };
  const parts = line.split(/\s+/);
  const [type = "", blob = "", ...rest] = parts;
  if (/^(ssh-dss|ssh-dsa)$/.test(type)) return { ok: false, why: "DSA keys are refused (OpenSSH removed them); make an ed25519 key: ssh-keygen -t ed25519" };
  if (/^sk-/.test(type)) return { ok: false, why: `security-key (${type.split("@")[0]}) keys are not accepted here; use an ssh-ed25519 key` };
  if (type !== "ssh-ed25519" && type !== "ssh-rsa" && !(type in ECDSA)) {
    return { ok: false, why: /=|"/.test(type) ? "options before the key (command=, from=...) are not accepted: paste the key line only" : "not an OpenSSH public key (expected one line like: ssh-ed25519 AAAAC3Nza... you@laptop)" };
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) return { ok: false, why: `the ${type} key's base64 part is damaged (was the line cut or wrapped?)` };
  const fields = readFields(Buffer.from(blob, "base64"));
  if (!fields || fields[0]?.toString("latin1") !== type) return { ok: false, why: `the ${type} key's data does not hold a ${type} key (was the line cut or mixed up?)` };
  let bits: number;
  if (type === "ssh-ed25519") {
    if (fields.length !== 2 || fields[1]?.length !== 32) return { ok: false, why: "the ssh-ed25519 key has the wrong length (was the line cut?)" };
    bits = 256;
  } else if (type === "ssh-rsa") {
    if (fields.length !== 3) return { ok: false, why: "the ssh-rsa key's data is damaged (was the line cut?)" };
    bits = mpintBits(fields[2] as Buffer);
    if (bits < MIN_RSA_BITS) return { ok: false, why: `this RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are needed (better: ssh-keygen -t ed25519)` };
  } else {
    const c = ECDSA[type] as { curve: string; pointBytes: number; bits: number };
    if (fields.length !== 3 || fields[1]?.toString("latin1") !== c.curve || fields[2]?.length !== c.pointBytes || fields[2]?.[0] !== 4) return { ok: false, why: `the ${type} key's data is damaged (was the line cut?)` };
    bits = c.bits;
  }
  const comment = rest.join(" ");
  return { ok: true, key: { type: type as SshKeyType, bits, comment, line: comment ? `${type} ${blob} ${comment}` : `${type} ${blob}` } };
}

/** PEM/OpenSSH/PuTTY private key markers, also a single line of one pasted on its own. */
function looksPrivate(line: string): boolean {
  return /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|-----END [A-Z0-9 ]*PRIVATE KEY-----|PuTTY-User-Key-File|^Private-Lines:|^b3BlbnNzaC1rZXktdjE/.test(line);
}

/** The wire format's length-prefixed strings; undefined when they do not fill the blob exactly. */
function readFields(buf: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 4 > buf.length) return undefined;
    const n = buf.readUInt32BE(at);
    at += 4;
    if (at + n > buf.length) return undefined;
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out.length > 0 ? out : undefined;
}

function mpintBits(m: Buffer): number {
  let i = 0;
  while (i < m.length && m[i] === 0) i++;
  if (i === m.length) return 0;
  return (m.length - i - 1) * 8 + (32 - Math.clz32(m[i] as number));
}
