import Fastify from "fastify";
import type { ModeServer, Supervisor } from "../runtime/boot/supervisor.ts";
import { registerCaptivePortal } from "../runtime/network/captive-portal.ts";
import { VERSION } from "../runtime/version.ts";
import { provisioningRoutes, type ProvisioningDeps } from "./routes.ts";
import { staticUi } from "./static-ui.ts";

/**
 * The server of setup and failure mode (no gridbox runs): the setup page, its API, and /health
 * answering the mode. Every other GET that wants HTML goes to the page (phones probing for a
 * captive portal land there); everything else answers JSON errors like the runtime's API.
 */
export async function openModeServer(sup: Supervisor, listen: { host: string; port: number }, deps: Omit<ProvisioningDeps, "sup">): Promise<ModeServer> {
  const app = Fastify({ logger: false, bodyLimit: 512 * 1024, return503OnClosing: true, forceCloseConnections: true });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    const statusCode = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (statusCode >= 500) deps.log.error(`setup page: ${err.message}`);
    void reply.code(statusCode).send({ error: statusCode >= 500 ? "internal error" : err.message, code: err.code ?? "GRIDBOX_BAD_REQUEST", statusCode });
  });
  app.setNotFoundHandler((req, reply) => {
    if (req.method === "GET" && /text\/html/.test(String(req.headers.accept ?? ""))) return reply.redirect("/setup/");
    return reply.code(404).send({ error: `no route ${req.method} ${req.url.split("?")[0]}`, code: "GRIDBOX_NOT_FOUND", statusCode: 404 });
  });
  // phones on the setup hotspot: their connectivity probes and any other host name open the setup page
  registerCaptivePortal(app, { captive: () => true, portalPath: "/setup/" });
  app.get("/", async (_req, reply) => reply.redirect("/setup/"));
  app.get("/health", async () => {
    const st = sup.state();
    return { mode: st.mode, status: st.mode === "setup" ? "setup" : "down", version: VERSION, problems: st.problems.length, ...(st.lastApply ? { last_apply: { ok: st.lastApply.ok, message: st.lastApply.message } } : {}) };
  });
  await app.register(staticUi);
  await app.register(provisioningRoutes({ ...deps, sup }));
  const address = await app.listen({ host: listen.host, port: listen.port });
  return { address, server: app.server, close: () => app.close() };
}
