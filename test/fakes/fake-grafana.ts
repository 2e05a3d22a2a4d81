import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake of the parts of Grafana's HTTP API gridbox publishes through, written from Grafana's API
 * documentation (Dashboard API, Folder API, Public Dashboard API; Grafana 10.x):
 * - auth: `Authorization: Bearer <service-account token>` or the auth-proxy header naming a user;
 *   nothing or an unknown token → 401 {"message":"Unauthorized"}; a Viewer writing → 403 {"message":"Access denied"}.
 * - GET /api/folders/:uid → 200 folder | 404; POST /api/folders {uid,title} → 200 | 400 (no title,
 *   uid over 40 characters) | 409 (uid or title taken).
 * - POST /api/dashboards/db {dashboard, folderUid, overwrite, message} → 200 {id, uid, url, status,
 *   version, slug}; 400 (invalid JSON, no dashboard or title, folder not found); 412 {status:
 *   "version-mismatch"} when the stored version differs and overwrite is false; 412 {status:
 *   "name-exists"} for the same title in the folder under another uid without overwrite.
 *   (overwrite: "overwrite existing dashboard with newer version, same dashboard title in folder or
 *   same dashboard uid".) Every save increments the version.
 * - GET /api/dashboards/uid/:uid/public-dashboards → 200 | 404; POST (create) → 200 with accessToken
 *   | 404 (no such dashboard) | 400 (already public); PATCH …/:pdUid → 200.
 * Every answer is JSON. `hang` makes it accept requests and never answer; `failWith` answers every
 * request with that status (e.g. 503).
 */
type Role = "Viewer" | "Editor" | "Admin";
interface Dashboard { id: number; uid: string; title: string; folderUid: string; version: number; json: Record<string, unknown> }
interface Folder { id: number; uid: string; title: string }
interface PublicDashboard { uid: string; dashboardUid: string; accessToken: string; isEnabled: boolean; share: string; timeSelectionEnabled: boolean; annotationsEnabled: boolean }

export interface FakeGrafanaOptions {
  /** service-account tokens and their role */
  tokens?: Record<string, Role>;
  /** auth.proxy header_name and the users it may name, with their role */
  proxy?: { header: string; users: Record<string, Role> };
}

export class FakeGrafana {
  readonly folders = new Map<string, Folder>();
  readonly dashboards = new Map<string, Dashboard>();
  readonly publicDashboards = new Map<string, PublicDashboard>();
  readonly requests: string[] = [];
  hang = false;
  failWith: number | undefined;
  private seq = 0;
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly o: FakeGrafanaOptions) {}

  get url(): string { return `http://127.0.0.1:${this.port}`; }

  /** Listens (again on the same port after close(), so a client sees Grafana come back). */
  async listen(): Promise<void> {
    const server = createServer((req, res) => { void this.handle(req, res); });
    this.server = server;
    await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(this.port, "127.0.0.1", () => resolve()); });
    this.port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    this.requests.push(`${req.method ?? "?"} ${path}`);
    if (this.hang) return;
    const send = (status: number, body: unknown): void => { res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body)); };
    if (this.failWith !== undefined) return send(this.failWith, { message: "Service Unavailable" });
    const role = this.roleOf(req);
    if (!role) return send(401, { message: "Unauthorized" });
    const writes = req.method !== "GET";
    if (writes && role === "Viewer") return send(403, { message: "Access denied" });
    let body: Record<string, unknown> = {};
    if (writes) {
      try {
        const v: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
        body = v as Record<string, unknown>;
      } catch { return send(400, { message: "bad request data" }); }
    }
    const [status, answer] = this.route(req.method ?? "GET", path, body);
    send(status, answer);
  }

  private roleOf(req: IncomingMessage): Role | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith("Bearer ")) return this.o.tokens?.[auth.slice(7)];
    const proxy = this.o.proxy;
    if (proxy) {
      const user = req.headers[proxy.header.toLowerCase()];
      if (typeof user === "string") return proxy.users[user];
    }
    return undefined;
  }

  private route(method: string, path: string, body: Record<string, unknown>): [number, unknown] {
    let m: RegExpMatchArray | null;
    if (method === "GET" && (m = path.match(/^\/api\/folders\/([^/]+)$/))) {
      const f = this.folders.get(decodeURIComponent(m[1] ?? ""));
      return f ? [200, this.folderJson(f)] : [404, { message: "folder not found", status: "not-found" }];
    }
    if (method === "POST" && path === "/api/folders") return this.createFolder(body);
    if (method === "POST" && path === "/api/dashboards/db") return this.saveDashboard(body);
    if ((m = path.match(/^\/api\/dashboards\/uid\/([^/]+)\/public-dashboards\/?([^/]*)$/))) return this.publicDashboard(method, decodeURIComponent(m[1] ?? ""), m[2] ?? "", body);
    return [404, { message: "Not found" }];
  }

  private folderJson(f: Folder): unknown {
    return { id: f.id, uid: f.uid, title: f.title, url: `/dashboards/f/${f.uid}/${slug(f.title)}`, hasAcl: false, canSave: true, canEdit: true, canAdmin: true, version: 1 };
  }

  private createFolder(body: Record<string, unknown>): [number, unknown] {
    const title = body.title;
    if (typeof title !== "string" || title.trim() === "") return [400, { message: "folder title cannot be empty" }];
    const uid = typeof body.uid === "string" && body.uid !== "" ? body.uid : randomBytes(5).toString("hex");
    if (uid.length > 40 || !/^[A-Za-z0-9_-]+$/.test(uid)) return [400, { message: "uid contains illegal characters or is too long" }];
    if (this.folders.has(uid) || [...this.folders.values()].some((f) => f.title === title)) return [409, { message: "a folder with the same name already exists" }];
    const f = { id: ++this.seq, uid, title };
    this.folders.set(uid, f);
    return [200, this.folderJson(f)];
  }

  private saveDashboard(body: Record<string, unknown>): [number, unknown] {
    const d = body.dashboard as Record<string, unknown> | undefined;
    if (!d || typeof d !== "object") return [400, { message: "Dashboard is required" }];
    const title = d.title;
    if (typeof title !== "string" || title.trim() === "") return [400, { message: "Dashboard title cannot be empty", status: "empty-name" }];
    const folderUid = typeof body.folderUid === "string" ? body.folderUid : "";
    if (folderUid !== "" && !this.folders.has(folderUid)) return [400, { message: "folder not found", status: "not-found" }];
    const overwrite = body.overwrite === true;
    const uid = typeof d.uid === "string" && d.uid !== "" ? d.uid : randomBytes(5).toString("hex");
    const existing = this.dashboards.get(uid);
    if (existing && !overwrite && d.version !== existing.version) return [412, { message: "The dashboard has been changed by someone else", status: "version-mismatch" }];
    const sameName = [...this.dashboards.values()].find((x) => x.uid !== uid && x.folderUid === folderUid && x.title === title);
    if (sameName && !overwrite) return [412, { message: "A dashboard with the same name in the folder already exists", status: "name-exists" }];
    if (sameName) this.dashboards.delete(sameName.uid);
    const saved: Dashboard = { id: existing?.id ?? ++this.seq, uid, title, folderUid, version: (existing?.version ?? 0) + 1, json: d };
    this.dashboards.set(uid, saved);
    return [200, { id: saved.id, uid, url: `/d/${uid}/${slug(title)}`, status: "success", version: saved.version, slug: slug(title) }];
  }

  private publicDashboard(method: string, dashboardUid: string, pdUid: string, body: Record<string, unknown>): [number, unknown] {
    const pd = this.publicDashboards.get(dashboardUid);
    if (method === "GET" && pdUid === "") return pd ? [200, pd] : [404, { message: "Public dashboard not found", messageId: "publicdashboards.notFound", statusCode: 404 }];
    if (!this.dashboards.has(dashboardUid)) return [404, { message: "Dashboard not found", messageId: "publicdashboards.dashboardNotFound", statusCode: 404 }];
    if (method === "POST" && pdUid === "") {
      if (pd) return [400, { message: "Dashboard is already public", messageId: "publicdashboards.dashboardAlreadyPublic", statusCode: 400 }];
      const created: PublicDashboard = {
        uid: randomBytes(8).toString("hex"), dashboardUid, accessToken: randomBytes(16).toString("hex"),
        isEnabled: body.isEnabled === true, share: typeof body.share === "string" ? body.share : "public",
        timeSelectionEnabled: body.timeSelectionEnabled === true, annotationsEnabled: body.annotationsEnabled === true,
      };
      this.publicDashboards.set(dashboardUid, created);
      return [200, created];
    }
    if (method === "PATCH" && pd && pdUid === pd.uid) {
      if (typeof body.isEnabled === "boolean") pd.isEnabled = body.isEnabled;
      return [200, pd];
    }
    return [404, { message: "Public dashboard not found", messageId: "publicdashboards.notFound", statusCode: 404 }];
  }
}

function slug(title: string): string { return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""); }
