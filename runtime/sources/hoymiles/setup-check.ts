import { systemClock } from "../../core/clock.ts";
import { explainNetworkError, type CheckResult } from "../../core/setup-check.ts";
import { DtuClient } from "./dtu-client.ts";
import { DtuLink } from "./dtu-link.ts";

/** The Test button of `sources.hoymiles` (named in runtime/sources/index.ts): one app-information request (what the poller asks first) to the DTU at `host`. */
export async function checkHoymilesSource(section: Record<string, unknown>, signal: AbortSignal): Promise<CheckResult> {
  const host = String(section.host ?? "").trim();
  const port = Number(section.port ?? 10081);
  if (!host) return { ok: false, message: "No DTU address given. Enter the DTU's IP address (your router lists it, often as 'DTU' or 'HM-...')." };
  const timeoutMs = Math.min(Number(section.timeout_ms ?? 10_000), 10_000);
  const link = new DtuLink({ host, port, timeoutMs, requestSpacingMs: 1000, clock: systemClock });
  const where = `${host}:${port}`;
  try {
    const info = await new DtuClient(link, systemClock).appInfo(signal);
    const n = info.inverterSerials.length;
    return { ok: true, message: `The DTU at ${where} answered: serial ${info.serial}, ${n} inverter${n === 1 ? "" : "s"}${info.encrypted ? ", encrypted (handled)" : ""}.` };
  } catch (err) {
    const failure = (err as { failure?: string }).failure;
    if (failure === "timeout") return { ok: false, message: `The DTU at ${where} did not answer in time. Is it switched on and in the same network? A DTU that is busy with the Hoymiles cloud can need a second try.` };
    if (failure === "crc" || failure === "frame" || failure === "decrypt") return { ok: false, message: `Something answers at ${where}, but not like a Hoymiles DTU (${failure}). Is the address right?` };
    return { ok: false, message: explainNetworkError((err as { cause?: unknown }).cause ?? err, "The DTU", where) };
  } finally {
    await link.close();
  }
}
