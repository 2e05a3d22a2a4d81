import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A fresh self-signed certificate for the simulated gateway, made at start like a real gateway's
 * (CN powerwall, SAN teg/powerwall/127.0.0.1). Node has no X.509 writer, so this shells out to
 * Debian's `openssl req` (package openssl, in the Makefile's TEST_DEB).
 */
export interface SelfSigned { key: string; cert: string }

export function selfSignedCertificate(commonName = "powerwall"): SelfSigned {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-pw-cert-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${commonName}`,
      "-addext", "subjectAltName=DNS:powerwall,DNS:teg,DNS:powerpack,IP:127.0.0.1,IP:::1",
    ], { stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
    return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
