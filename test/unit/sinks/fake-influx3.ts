import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readWrite } from "./write-body.ts";

/**
 * InfluxDB 3 Core's native write endpoint as its documentation describes it (docs-v2
 * content/shared/influxdb3-write-guides/http-api/v3-write-lp.md and the API reference), for the
 * answers no server here can give: `POST /api/v3/write_lp?db=&precision=&accept_partial=&no_sync=`,
 * `Authorization: Bearer <token>` (Token is accepted too); 204 when every line was written;
 * with accept_partial=true (the default) the good lines are written and a bad one (unparsable, or
 * a field whose type differs from the stored one) gives 400
 * `{"error":"partial write of line protocol occurred","data":[{"original_line","line_number","error_message"}]}`;
 * with accept_partial=false nothing is written; 401 without a valid token; 403 for a valid token
 * without write permission on the database (Enterprise's database tokens); an empty body is zero
 * lines, so 204 with nothing stored; precision names
 * auto|nanosecond|microsecond|millisecond|second; gzip bodies; scripted 500/503.
 */
export interface V3Request { query: URLSearchParams; headers: IncomingMessage["headers"]; lines: string[]; status: number }

const TYPE = (v: string): string | undefined => {
  if (/^-?\d+i$/.test(v)) return "integer";
  if (/^".*"$/.test(v)) return "string";
  if (/^(t|T|true|True|TRUE|f|F|false|False|FALSE)$/.test(v)) return "boolean";
  if (v !== "" && Number.isFinite(Number(v))) return "float";
  return undefined;
};

export class FakeInflux3 {
  token = "apiv3_test-token";
  /** a valid token that may write only to these databases (the admin `token` may write anywhere) */
  readonly dbTokens = new Map<string, string[]>([["apiv3_other-db-token", ["other"]]]);
  readonly requests: V3Request[] = [];
  /** stored lines by `series time` (last write wins, as InfluxDB 3 merges) */
  readonly points = new Map<string, string>();
  private readonly types = new Map<string, string>();
  private readonly script: { status: number; body: string }[] = [];
  private server: Server | undefined;

  get url(): string { return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`; }
  enqueue(...answers: { status: number; body: string }[]): void { this.script.push(...answers); }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, lines } = await readWrite(req);
    const reply = (status: number, body?: object): void => {
      this.requests.push({ query: url.searchParams, headers: req.headers, lines, status });
      res.writeHead(status, body ? { "content-type": "application/json" } : {});
      res.end(body ? JSON.stringify(body) : undefined);
    };
    if (req.method === "GET" && url.pathname === "/ping") return reply(200, { version: "3.0.0", revision: "fake" });
    if (url.pathname !== "/api/v3/write_lp" || req.method !== "POST") return reply(404, { error: "not found" });
    const next = this.script.shift();
    if (next) { this.requests.push({ query: url.searchParams, headers: req.headers, lines, status: next.status }); res.writeHead(next.status, { "content-type": "application/json" }); res.end(next.body); return; }
    const auth = req.headers.authorization ?? "";
    const given = /^(Bearer|Token) /.test(auth) ? auth.replace(/^(Bearer|Token) /, "") : "";
    if (given !== this.token && !this.dbTokens.has(given)) return reply(401, { error: "the request was not authenticated" });
    const db = url.searchParams.get("db");
    if (!db) return reply(400, { error: "missing query parameter: db" });
    if (given !== this.token && !this.dbTokens.get(given)?.includes(db)) return reply(403, { error: "forbidden" });
    const precision = url.searchParams.get("precision") ?? "auto";
    if (!["auto", "nanosecond", "microsecond", "millisecond", "second"].includes(precision)) return reply(400, { error: `invalid precision: ${precision}` });
    const acceptPartial = url.searchParams.get("accept_partial") !== "false";
    const errors: { original_line: string; line_number: number; error_message: string }[] = [];
    const good: { key: string; line: string; fields: [string, string][]; measurement: string }[] = [];
    const pending = new Map<string, string>();
    lines.forEach((line, i) => {
      const p = parse(line);
      if (!p) { errors.push({ original_line: line, line_number: i + 1, error_message: "invalid line protocol" }); return; }
      const conflict = p.fields.find(([k, t]) => { const had = this.types.get(`${p.measurement}.${k}`) ?? pending.get(`${p.measurement}.${k}`); return had !== undefined && had !== t; });
      if (conflict) { errors.push({ original_line: line, line_number: i + 1, error_message: `invalid column type for column '${conflict[0]}'` }); return; }
      for (const [k, t] of p.fields) pending.set(`${p.measurement}.${k}`, t);
      good.push(p);
    });
    if (errors.length > 0 && !acceptPartial) return reply(400, { error: "parsing failed for write_lp endpoint", data: errors });
    for (const p of good) {
      for (const [k, t] of p.fields) this.types.set(`${p.measurement}.${k}`, t);
      this.points.set(p.key, p.line);
    }
    if (errors.length > 0) return reply(400, { error: "partial write of line protocol occurred", data: errors });
    reply(204);
  }
}

function parse(line: string): { measurement: string; fields: [string, string][]; key: string; line: string } | undefined {
  const parts = line.split(" ");
  if (parts.length !== 3) return undefined;
  const [series, fieldSet, ts] = parts as [string, string, string];
  if (!/^-?\d+$/.test(ts)) return undefined;
  const fields: [string, string][] = [];
  for (const kv of fieldSet.split(",")) {
    const eq = kv.indexOf("=");
    const type = eq > 0 ? TYPE(kv.slice(eq + 1)) : undefined;
    if (!type) return undefined;
    fields.push([kv.slice(0, eq), type]);
  }
  return { measurement: series.split(",")[0] ?? "", fields, key: `${series} ${ts}`, line };
}
