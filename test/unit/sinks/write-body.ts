import type { IncomingMessage } from "node:http";
import { gunzipSync } from "node:zlib";

/**
 * A write request as the fake servers (fake-influx.ts, fake-influx3.ts) read it: the URL and the body's
 * line-protocol lines (gunzipped when `Content-Encoding: gzip`, blank lines
 * dropped).
 */
export async function readWrite(req: IncomingMessage): Promise<{ url: URL; lines: string[] }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const url = new URL(req.url ?? "/", "http://x");
  const raw = Buffer.concat(chunks);
  const text = req.headers["content-encoding"] === "gzip" ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
  return { url, lines: text.split("\n").filter((l) => l.trim() !== "") };
}
