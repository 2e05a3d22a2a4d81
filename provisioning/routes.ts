import { readFileSync } from "node:fs";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { IMPORT_FORMATS, importForeignConfig } from "../runtime/config/imports/detect.ts";
import { dotted } from "../runtime/config/imports/import-result.ts";
import { schemaAt } from "../runtime/config/imports/schema-paths.ts";
import { isSecretSchema } from "../runtime/config/schema-helpers.ts";
import { DELETE, editYaml, type YamlChange } from "../runtime/config/yaml-edit.ts";
import { loadConfigTextLoose } from "./draft-config.ts";
import type { Logger } from "../runtime/core/log.ts";
import { hashPassword, verifyPassword } from "../runtime/core/password-hash.ts";
import type { Supervisor } from "../runtime/boot/supervisor.ts";
import type { AdminAuth } from "./admin-auth.ts";
import type { CheckEntry } from "../runtime/core/setup-check.ts";
import type { Draft } from "./draft.ts";
import { adminHashIn, fieldProblems, formSchema, maskedValues } from "./form-data.ts";
import { newDevice } from "./device-credentials.ts";
import { liveView } from "./live-view.ts";

/**
 * The setup/admin API under /api/setup/. Setup mode (no config yet) is open: the first owner on
 * the setup Wi-Fi claims the box and must set the admin password. Afterwards every call needs the
 * admin session (reads) plus its CSRF token (changes); with no admin password configured the
 * page refuses changes and says how to set one (fail closed). The server validates every draft
 * with the schema; the browser's checks are a convenience. Secrets never go back to the browser:
 * imported ones wait here in the Draft until the owner saves.
 */
export interface ProvisioningDeps {
  sup: Supervisor;
  auth: AdminAuth;
  draft: Draft;
  checks: ReadonlyMap<string, CheckEntry>;
  log: Logger;
  /** on the running gridbox's server: its write guard (API token or admin session + CSRF) already checked every change */
  guarded?: boolean;
  /** the Wi-Fi networks around, for the home Wi-Fi pick list (runtime/network/wifi-scan.ts) */
  wifiScan?: (signal: AbortSignal) => Promise<unknown>;
  /** what the system already has (Raspberry Pi Imager's settings), so the page can skip those steps */
  systemInfo?: () => Promise<unknown>;
}

const HEADER = "# gridbox config, written by the setup page. It holds secrets: keep it mode 600.\n# Edit it here or on the admin page; after editing by hand, `systemctl reload gridbox` (SIGHUP) applies it.\n";

interface ChangeIn { path: unknown; value: unknown }
const isPath = (p: unknown): p is string[] => Array.isArray(p) && p.length > 0 && p.length < 8 && p.every((s) => typeof s === "string" && s.length > 0 && s.length < 128);
const fail = (reply: FastifyReply, statusCode: number, error: string, extra: Record<string, unknown> = {}): FastifyReply =>
  reply.code(statusCode).send({ error, code: statusCode === 401 ? "GRIDBOX_UNAUTHORIZED" : statusCode === 403 ? "GRIDBOX_FORBIDDEN" : "GRIDBOX_BAD_REQUEST", statusCode, ...extra });

export function provisioningRoutes(deps: ProvisioningDeps): FastifyPluginAsync {
  const { sup, auth, draft } = deps;
  const fileText = (): string | undefined => { try { return readFileSync(sup.configPath, "utf8"); } catch { return undefined; } };
  /** the admin hash that guards this box now: the running config's, or a broken file's if it has a usable one */
  const adminHash = (): string | undefined => (sup.state().mode === "setup" ? undefined : adminHashIn(fileText()));
  const open = (): boolean => sup.state().mode === "setup" || (sup.state().mode === "failed" && !adminHash());

  /** true when the request was refused (answered) */
  const refuse = (req: FastifyRequest, reply: FastifyReply, kind: "read" | "write"): boolean => {
    if (open()) return false;
    if (kind === "write" && deps.guarded) return false;
    if (!adminHash()) { fail(reply, 403, "no admin password is configured, so the admin page cannot be used: set admin.password_hash (gridbox passwd makes one) in the config"); return true; }
    if (kind === "read" ? auth.session(req) : auth.verifyWrite(req).result === "granted") return false;
    const v = auth.verifyWrite(req);
    fail(reply, 401, v.result === "denied" ? v.reason : "log in first");
    return true;
  };

  return async (app) => {
    const own = { config: { auth: "own" } };
    // changes: through the server's write guard when there is one, else (setup/failure page) refuse() below
    const write = deps.guarded ? {} : own;

    app.get("/api/setup/state", async (req) => {
      const st = sup.state();
      const session = auth.session(req);
      return {
        mode: st.mode, generation: st.generation, busy: st.busy,
        lastApply: st.lastApply ?? null,
        problems: fieldProblems(st.problems),
        auth: { required: !open(), configured: Boolean(adminHash()), loggedIn: Boolean(session), csrf: session?.csrf ?? null },
        checks: [...deps.checks.entries()].map(([section, c]) => ({ section, label: c.label })),
        importFormats: IMPORT_FORMATS,
      };
    });

    app.get("/api/setup/form", async (req, reply) => {
      if (refuse(req, reply, "read")) return reply;
      return { schema: formSchema(), values: maskedValues(fileText()), pending: draft.summary() };
    });

    app.post("/api/setup/login", own, async (req, reply) => {
      const ip = req.ip;
      const wait = auth.lockedForMs(ip);
      if (wait > 0) return fail(reply.header("retry-after", String(Math.ceil(wait / 1000))), 429, `too many failed logins: try again in ${Math.ceil(wait / 60_000)} minute(s)`);
      const password = (req.body as { password?: unknown } | null)?.password;
      const hash = adminHash();
      if (!hash) return fail(reply, 403, "no admin password is configured");
      if (typeof password !== "string" || password.length === 0 || password.length > 1024 || !(await verifyPassword(password, hash))) {
        const locked = auth.failed(ip);
        return fail(reply, 401, locked > 0 ? `wrong password; too many failures: locked for ${Math.ceil(locked / 60_000)} minute(s)` : "wrong password");
      }
      const s = auth.login(ip);
      auth.setCookie(reply, s.id, req.protocol === "https");
      return { ok: true, csrf: s.csrf };
    });

    app.post("/api/setup/logout", own, async (req, reply) => {
      auth.logout(req);
      auth.clearCookie(reply);
      return { ok: true };
    });

    app.post("/api/setup/config", write, async (req, reply) => {
      if (refuse(req, reply, "write")) return reply;
      const built = await buildDraft(req.body, reply);
      if (!built) return reply;
      const problems = sup.validate(built.text);
      if (sup.state().mode === "setup" && !/^admin:[\s\S]*password_hash:/m.test(built.text)) problems.push("/admin/password_hash: set an admin password: after setup the admin page needs it");
      if (problems.length > 0) return reply.code(422).send({ error: `${problems.length} problem(s): nothing was saved`, code: "GRIDBOX_CONFIG_INVALID", statusCode: 422, problems: fieldProblems(problems) });
      const generation = sup.state().generation;
      // apply after the answer is out: applying restarts (or replaces) the server this request came through
      reply.raw.once("finish", () => {
        void sup.apply(built.text).then((o) => { if (o.ok) draft.clear(); }, (err: unknown) => deps.log.error(`applying the config failed: ${String(err)}`));
      });
      return reply.code(202).send({ accepted: true, generation });
    });

    app.post("/api/setup/import", write, async (req, reply) => {
      if (refuse(req, reply, "write")) return reply;
      const text = (req.body as { text?: unknown } | null)?.text;
      if (typeof text !== "string" || text.length > 256 * 1024) return fail(reply, 400, "send { text: <the file's content> } (at most 256 KiB)");
      const imp = importForeignConfig(text);
      const fields: { path: string[]; value: unknown }[] = [];
      for (const c of imp.changes) {
        if (imp.secretPaths.includes(dotted(c.path))) { draft.set(c.path, c.value); fields.push({ path: [...c.path], value: { secret: "set" } }); }
        else fields.push({ path: [...c.path], value: c.value });
      }
      return { format: imp.format, fields, problems: imp.problems, notes: imp.notes };
    });

    app.post("/api/setup/check/:section", write, async (req, reply) => {
      if (refuse(req, reply, "write")) return reply;
      const section = (req.params as { section: string }).section;
      const check = deps.checks.get(section);
      if (!check) return fail(reply, 404, `no test for "${section}"`);
      const built = await buildDraft(req.body, reply);
      if (!built) return reply;
      const data = loadConfigTextLoose(built.text, sup.configPath, sup.env);
      const value = (section.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), data) ?? {}) as Record<string, unknown>;
      try {
        return await check.run(value, AbortSignal.timeout(check.timeoutMs ?? 15_000));
      } catch (err) {
        return { ok: false, message: `the test itself failed: ${(err as Error).message}` };
      }
    });

    app.post("/api/setup/devices", write, async (req, reply) => {
      if (refuse(req, reply, "write")) return reply;
      const existing = Object.keys((maskedValues(fileText()).broker as { devices?: object } | undefined)?.devices ?? {});
      const broker = (loadConfigTextLoose(fileText() ?? "", sup.configPath, sup.env).broker ?? {}) as { tcp?: { port?: number } };
      const dev = await newDevice(existing.concat(draft.deviceIds()), (req.body as { id?: unknown } | null)?.id, req.hostname.replace(/:\d+$/, ""), broker.tcp?.port ?? 1883);
      if ("error" in dev) return fail(reply, 400, dev.error);
      draft.set(["broker", "devices", dev.id, "password_hash"], dev.hash);
      const { hash: _hash, ...shown } = dev;
      return shown;
    });

    // reads: the scan list and what Imager set are the box's own business, so they need the login after setup
    app.get("/api/setup/wifi-scan", async (req, reply) => {
      if (refuse(req, reply, "read")) return reply;
      if (!deps.wifiScan) return fail(reply, 404, "this gridbox cannot scan for Wi-Fi networks");
      return deps.wifiScan(AbortSignal.timeout(25_000));
    });

    app.get("/api/setup/system", async (req, reply) => {
      if (refuse(req, reply, "read")) return reply;
      return deps.systemInfo ? deps.systemInfo() : {};
    });

    app.get("/api/setup/live", async (req, reply) => {
      if (refuse(req, reply, "read")) return reply;
      const gb = sup.running;
      if (!gb) return fail(reply, 409, "gridbox is not running");
      return liveView(gb);
    });
  };

  /** The current file plus the browser's changes plus the draft's pending secrets, as YAML text. */
  async function buildDraft(body: unknown, reply: FastifyReply): Promise<{ text: string } | undefined> {
    const list = (body as { changes?: unknown } | null)?.changes;
    if (!Array.isArray(list) || list.length > 2000) { fail(reply, 400, "send { changes: [{ path: [...], value }] }"); return undefined; }
    const changes: YamlChange[] = [];
    const given = new Set<string>();
    for (const raw of list as ChangeIn[]) {
      if (!isPath(raw?.path)) { fail(reply, 400, "each change needs a path: an array of keys"); return undefined; }
      const node = schemaAt(raw.path);
      // removing a key the schema does not know (a typo in a broken file) is allowed; setting one is not
      if (!node && raw.value !== null) { fail(reply, 400, `${raw.path.join(".")}: no such setting`); return undefined; }
      let value = raw.value;
      const pw = (value as { password?: unknown } | null)?.password;
      if (raw.path[raw.path.length - 1] === "password_hash" && value && typeof value === "object") {
        if (typeof pw !== "string" || pw.length < 8 || pw.length > 1024) { fail(reply, 422, "the password needs at least 8 characters", { problems: [{ path: raw.path.join("."), message: "at least 8 characters" }] }); return undefined; }
        value = await hashPassword(pw);
      } else if (value === null) {
        value = DELETE;
      } else if (node && isSecretSchema(node) && typeof value !== "string") {
        fail(reply, 400, `${raw.path.join(".")}: a secret is a string`); return undefined;
      }
      given.add(raw.path.join("."));
      changes.push({ path: raw.path, value });
    }
    for (const c of draft.changes()) if (!given.has(c.path.join("."))) changes.push(c);
    try {
      const before = fileText();
      return { text: editYaml(before ?? HEADER, changes) };
    } catch (err) {
      fail(reply, 400, `the config file cannot be edited: ${(err as Error).message}`);
      return undefined;
    }
  }
}
