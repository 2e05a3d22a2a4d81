import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readWrite } from "./write-body.ts";

/**
 * A small InfluxDB OSS 2 write endpoint on 127.0.0.1 that answers the way the real one does:
 * 204 when every line is written; 400 `unable to parse ... line N` for malformed lines (nothing
 * written); 400 `partial write: field type conflict ... dropped=N` when a field changes type (the
 * good lines ARE written); 401 for a wrong token; 404 for an unknown bucket; and scripted 429/503 with
 * Retry-After, stalls (for timeouts) and 413. VictoriaMetrics checks none of this, hence the fake.
 */
export interface WriteRequest { query: URLSearchParams; headers: IncomingMessage["headers"]; lines: string[]; status: number; atMs: number }
type Scripted = { status: number; body?: string; retryAfter?: string } | "stall";

const FIELD_TYPE = (v: string): string | undefined => {
  if (/^-?\d+i$/.test(v)) return "integer";
  if (/^".*"$/.test(v)) return "string";
  if (/^(t|T|true|True|TRUE|f|F|false|False|FALSE)$/.test(v)) return "boolean";
  if (v !== "" && Number.isFinite(Number(v))) return "float";
  return undefined;
};

export class FakeInflux {
  token = "test-token";
  /** a valid token without write permission on the bucket */
  readOnlyToken = "read-only-token";
  bucket = "energy";
  conflictStatus = 400;
  readonly requests: WriteRequest[] = [];
  /** every accepted line, as the database would hold it (deduplicated by series + time) */
  readonly points = new Map<string, string>();
  private readonly types = new Map<string, string>();
  private readonly script: Scripted[] = [];
  private server: Server | undefined;
  private readonly stalled: ServerResponse[] = [];

  get url(): string { return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`; }

  /** The next answers, in order, before normal processing resumes. */
  enqueue(...answers: Scripted[]): void { this.script.push(...answers); }
  /** Forgets scripted answers not used yet. */
  clearScript(): void { this.script.length = 0; }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, lines } = await readWrite(req);
    const reply = (status: number, body?: object, headers: Record<string, string> = {}): void => {
      this.requests.push({ query: url.searchParams, headers: req.headers, lines, status, atMs: Date.now() });
      res.writeHead(status, body ? { "content-type": "application/json; charset=utf-8", ...headers } : headers);
      res.end(body ? JSON.stringify(body) : undefined);
    };
    if (url.pathname !== "/api/v2/write") return reply(404, { code: "not found", message: "path not found" });
    const next = this.script.shift();
    if (next === "stall") { this.stalled.push(res); return; }
    if (next) return reply(next.status, next.body === undefined ? undefined : { code: "scripted", message: next.body }, next.retryAfter ? { "retry-after": next.retryAfter } : {});
    const auth = req.headers.authorization;
    if (auth !== `Token ${this.token}` && auth !== `Token ${this.readOnlyToken}`) return reply(401, { code: "unauthorized", message: "unauthorized access" });
    if (url.searchParams.get("bucket") !== this.bucket) return reply(404, { code: "not found", message: `bucket "${url.searchParams.get("bucket")}" not found` });
    if (auth !== `Token ${this.token}`) return reply(403, { code: "forbidden", message: "insufficient permissions for write" });
    if (lines.length === 0) return reply(400, { code: "invalid", message: "writing requires points" });
    const parsed = lines.map((l) => this.parse(l));
    const badIndex = parsed.findIndex((p) => p === undefined);
    if (badIndex >= 0) {
      return reply(400, { code: "invalid", message: `failed to parse line protocol:\nerrors encountered on line(s):\nline ${badIndex + 1}: unable to parse '${lines[badIndex]}': invalid field format` });
    }
    const conflicts: string[] = [];
    for (const p of parsed) {
      if (!p) continue;
      const conflict = p.fields.find(([k, t]) => { const had = this.types.get(`${p.measurement}.${k}`); return had !== undefined && had !== t; });
      if (conflict) {
        const had = this.types.get(`${p.measurement}.${conflict[0]}`);
        conflicts.push(`input field "${conflict[0]}" on measurement "${p.measurement}" is type ${conflict[1]}, already exists as type ${had}`);
        continue;
      }
      for (const [k, t] of p.fields) this.types.set(`${p.measurement}.${k}`, t);
      this.points.set(p.key, p.line);
    }
    if (conflicts.length > 0) {
      return reply(this.conflictStatus, { code: "invalid", message: `partial write: field type conflict: ${conflicts[0]} dropped=${conflicts.length}` });
    }
    reply(204);
  }

  private parse(line: string): { measurement: string; fields: [string, string][]; key: string; line: string } | undefined {
    const parts = line.split(" ");
    if (parts.length !== 3) return undefined;
    const [series, fieldSet, ts] = parts as [string, string, string];
    if (!/^-?\d+$/.test(ts)) return undefined;
    const measurement = series.split(",")[0] ?? "";
    const fields: [string, string][] = [];
    for (const kv of fieldSet.split(",")) {
      const eq = kv.indexOf("=");
      const type = eq > 0 ? FIELD_TYPE(kv.slice(eq + 1)) : undefined;
      if (!type) return undefined;
      fields.push([kv.slice(0, eq), type]);
    }
    return { measurement, fields, key: `${series} ${ts}`, line };
  }
}
