/**
 * A "Test" button of the setup page: runs one check of a section's draft settings on the box and
 * says what failed in words an owner understands (never echoing a secret). An adapter declares its
 * check beside itself (e.g. runtime/sinks/influxdb1/setup-check.ts, named in its registry line);
 * the composition root (runtime/cli/setup-checks.ts) lists them by config section, and a section
 * with a check gets a button. A check never leaves data behind in the owner's systems.
 */
export interface CheckResult { ok: boolean; message: string }
export type Check = (section: Record<string, unknown>, signal: AbortSignal) => Promise<CheckResult>;
export interface CheckEntry { label: string; run: Check; /** the check's time limit (default 15 s; a real Wi-Fi join takes longer) */ timeoutMs?: number }
/** How a registry line names its check: the button's label and a lazy import of the function. */
export interface SetupTestEntry { label: string; load: () => Promise<Check> }

/** Turns a fetch/socket failure into a sentence about the address. */
export function explainNetworkError(err: unknown, what: string, where: string): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string }; message?: string };
  const code = e.cause?.code ?? e.code;
  if (e.name === "TimeoutError" || e.name === "AbortError" || code === "UND_ERR_CONNECT_TIMEOUT") return `${what} did not answer at ${where} in time. Is the address right, and is the box on the same network?`;
  switch (code) {
    case "ECONNREFUSED": return `Nothing answers at ${where}: ${what} is not running there, or listens on another port.`;
    case "ENOTFOUND": case "EAI_AGAIN": return `The name in ${where} cannot be found. Check the spelling, or use the IP address.`;
    case "EHOSTUNREACH": case "ENETUNREACH": return `${where} cannot be reached from gridbox: no route to that network.`;
    case "ECONNRESET": return `${what} at ${where} closed the connection. Does it expect https:// instead of http:// (or the other way round)?`;
    case "DEPTH_ZERO_SELF_SIGNED_CERT": case "SELF_SIGNED_CERT_IN_CHAIN": case "UNABLE_TO_VERIFY_LEAF_SIGNATURE": case "CERT_HAS_EXPIRED":
      return `${what} at ${where} has a certificate gridbox does not trust (${code}).`;
    default: return `${what} at ${where} could not be reached (${code ?? e.cause?.message ?? e.message ?? "unknown error"}).`;
  }
}
