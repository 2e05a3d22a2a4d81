import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseConfig } from "../../../runtime/config/load.ts";
import { isTimeZone } from "../../../runtime/config/sections/system.ts";
import { parseSshPublicKey } from "../../../runtime/config/ssh-public-key.ts";
import { ConfigError } from "../../../runtime/core/errors.ts";

/** The home_wifi and system sections: every refusal at its field, in words, never quoting a key or a password. */
const dir = mkdtempSync(join(tmpdir(), "gridbox-keys-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
/** a real key pair from OpenSSH's ssh-keygen: [public line, private key text] */
let made = 0;
function keygen(type: string, bits?: number): [string, string] {
  const f = join(dir, `${type}-${bits ?? 0}-${made++}`);
  execFileSync("ssh-keygen", ["-q", "-t", type, ...(bits ? ["-b", String(bits)] : []), "-N", "", "-C", "owner@laptop", "-f", f]);
  return [readFileSync(`${f}.pub`, "utf8").trim(), readFileSync(f, "utf8")];
}

function problems(doc: Record<string, unknown>): string[] {
  try { parseConfig(doc); return []; } catch (err) { if (err instanceof ConfigError) return [...err.problems]; throw err; }
}

test("OpenSSH public keys: ed25519, ecdsa (3 curves) and RSA >= 3072 accepted; parsed down to the blob", () => {
  for (const [type, bits] of [["ed25519"], ["ecdsa", 256], ["ecdsa", 384], ["ecdsa", 521], ["rsa", 3072]] as Array<[string, number?]>) {
    const [pub] = keygen(type, bits);
    const r = parseSshPublicKey(pub);
    assert.ok(r.ok, `${type} ${bits}: ${r.ok ? "" : r.why}`);
    if (r.ok) { assert.equal(r.key.comment, "owner@laptop"); assert.equal(r.key.line, pub); if (bits) assert.equal(r.key.bits, bits); }
  }
});

test("refused keys say why: short RSA, DSA-style types, cut lines, a blob of another type, options", () => {
  const [rsa2048] = keygen("rsa", 2048);
  const r = parseSshPublicKey(rsa2048);
  assert.ok(!r.ok && /2048 bits; at least 3072/.test(r.why));
  const [ed] = keygen("ed25519");
  const [type, blob] = ed.split(" ") as [string, string];
  const cut = parseSshPublicKey(`${type} ${blob.slice(0, 40)}`);
  assert.ok(!cut.ok && /damaged|wrong length|does not hold/.test(cut.why), cut.ok ? "" : cut.why);
  const mixed = parseSshPublicKey(`ssh-rsa ${blob}`);
  assert.ok(!mixed.ok && /does not hold a ssh-rsa key/.test(mixed.why));
  const dss = parseSshPublicKey("ssh-dss AAAAB3NzaC1kc3MAAACBAP");
  assert.ok(!dss.ok && /DSA keys are refused/.test(dss.why));
  const opts = parseSshPublicKey(`command="/bin/sh" ${ed}`);
  assert.ok(!opts.ok && /options/.test(opts.why));
});

test("a private key pasted by mistake is refused as one, and the problem never quotes it", () => {
  const [, priv] = keygen("ed25519");
  const lines = priv.trim().split("\n");
  const whole = problems({ system: { ssh_authorized_keys: [priv] } });
  assert.equal(whole.length, 1);
  assert.match(whole[0] ?? "", /^\/system\/ssh_authorized_keys\/0: this is a PRIVATE key: it was not saved/);
  // pasted into the page's textarea, one item per line
  const split = problems({ system: { ssh_authorized_keys: lines } });
  assert.ok(split.length >= 2);
  assert.match(split[0] ?? "", /PRIVATE key/);
  const body = lines.slice(1, -1).join("");
  for (const p of split) for (const l of lines.slice(1, -1)) assert.ok(!p.includes(l), `a problem quotes part of the private key: ${p}`);
  assert.ok(!split.join("\n").includes(body.slice(0, 20)));
});

test("host names: RFC 1123 labels only, with the reason at the field", () => {
  assert.deepEqual(problems({ system: { hostname: "gridbox-kitchen" } }), []);
  assert.deepEqual(problems({ system: { hostname: "" } }), []);
  assert.match(problems({ system: { hostname: "my box" } })[0] ?? "", /^\/system\/hostname: "my box" is not a host name: use letters a-z, digits and hyphens/);
  assert.match(problems({ system: { hostname: "-box" } })[0] ?? "", /starts or ends with a hyphen/);
  assert.match(problems({ system: { hostname: "a".repeat(64) } })[0] ?? "", /at most 63 characters/);
  assert.match(problems({ system: { hostname: "box.local" } })[0] ?? "", /no spaces, dots/);
});

test("time zones: names the system knows (tzdata, else Node's list)", () => {
  assert.deepEqual(problems({ system: { timezone: "Europe/Berlin" } }), []);
  assert.deepEqual(problems({ system: { timezone: "UTC" } }), []);
  assert.match(problems({ system: { timezone: "Europe/Berlim" } })[0] ?? "", /^\/system\/timezone: "Europe\/Berlim" is not a time zone this system knows/);
  for (const bad of ["../../etc/passwd", "Europe", "posix/Europe/Berlin", "Europe/Berlin\n"]) assert.equal(isTimeZone(bad), false, bad);
  assert.equal(isTimeZone("America/New_York", "/nonexistent-zoneinfo"), true, "Intl fallback");
  assert.equal(isTimeZone("UTC", "/nonexistent-zoneinfo"), true);
  assert.equal(isTimeZone("Mars/Olympus", "/nonexistent-zoneinfo"), false);
});

test("home Wi-Fi: SSID up to 32 bytes, WPA passphrase 8-63 ASCII or 64 hex; a refused password is never quoted", () => {
  assert.deepEqual(problems({ home_wifi: { ssid: "MyHome", password: "correct-horse-42" } }), []);
  assert.deepEqual(problems({ home_wifi: { ssid: "Café Ünïcode" } }), []);
  assert.match(problems({ home_wifi: { ssid: "ü".repeat(17) } })[0] ?? "", /^\/home_wifi\/ssid: a Wi-Fi name is at most 32 bytes; this one has 34/);
  const short = problems({ home_wifi: { ssid: "MyHome", password: "short7!" } });
  assert.match(short[0] ?? "", /^\/home_wifi\/password: a Wi-Fi password has at least 8 characters; this one has 7/);
  assert.ok(!short[0]?.includes("short7!"));
  const umlaut = problems({ home_wifi: { ssid: "MyHome", password: "pässwort-123" } });
  assert.match(umlaut[0] ?? "", /plain ASCII/);
  assert.ok(!umlaut[0]?.includes("pässwort"));
  assert.deepEqual(problems({ home_wifi: { ssid: "MyHome", password: "a".repeat(64).replace(/a/g, "f") } }), []);
  assert.match(problems({ home_wifi: { interface: "wlan 0" } })[0] ?? "", /^\/home_wifi\/interface/);
});
