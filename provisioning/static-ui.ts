import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { FastifyPluginAsync } from "fastify";

/**
 * The page's files, served from the repo (no CDN, no build step): provisioning/ui/ plus uPlot
 * from node_modules. Read and gzip'd once; answered gzip'd when the browser accepts it, so the
 * page stays small over the Pi's Wi-Fi. Strict headers: same-origin scripts only, no framing.
 */
const UI = join(import.meta.dirname, "ui");
const require = createRequire(import.meta.url);
const uplotDir = (): string => join(require.resolve("uplot/package.json"), "..", "dist");

const FILES: Record<string, { path: () => string; type: string }> = {
  "": { path: () => join(UI, "index.html"), type: "text/html; charset=utf-8" },
  "app.js": { path: () => join(UI, "app.js"), type: "text/javascript; charset=utf-8" },
  "form.js": { path: () => join(UI, "form.js"), type: "text/javascript; charset=utf-8" },
  "live.js": { path: () => join(UI, "live.js"), type: "text/javascript; charset=utf-8" },
  "system-sections.js": { path: () => join(UI, "system-sections.js"), type: "text/javascript; charset=utf-8" },
  "style.css": { path: () => join(UI, "style.css"), type: "text/css; charset=utf-8" },
  "uplot.js": { path: () => join(uplotDir(), "uPlot.iife.min.js"), type: "text/javascript; charset=utf-8" },
  "uplot.css": { path: () => join(uplotDir(), "uPlot.min.css"), type: "text/css; charset=utf-8" },
};

const cache = new Map<string, { raw: Buffer; gz: Buffer }>();
function load(name: string): { raw: Buffer; gz: Buffer } {
  let f = cache.get(name);
  if (!f) {
    const raw = readFileSync((FILES[name] as { path: () => string }).path());
    f = { raw, gz: gzipSync(raw, { level: 9 }) };
    cache.set(name, f);
  }
  return f;
}

export const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

export const staticUi: FastifyPluginAsync = async (app) => {
  app.get("/setup", async (_req, reply) => reply.redirect("/setup/"));
  app.get("/setup/*", async (req, reply) => {
    const name = (req.params as { "*": string })["*"];
    const entry = FILES[name];
    if (!entry) return reply.code(404).send({ error: `no file ${name}`, code: "GRIDBOX_NOT_FOUND", statusCode: 404 });
    const f = load(name);
    const gzip = /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    void reply.headers({ ...SECURITY_HEADERS, "content-type": entry.type, vary: "accept-encoding" });
    if (gzip) void reply.header("content-encoding", "gzip");
    return reply.send(gzip ? f.gz : f.raw);
  });
};
