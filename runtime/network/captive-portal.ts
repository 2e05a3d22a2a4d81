import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * The captive-portal half of the setup hotspot, as HTTP routes on gridbox's own server. While the
 * hotspot's DNS answers the Pi's address for every name (image/networkmanager/gridbox-captive.conf),
 * phones and laptops fetch their connectivity probes from gridbox. Answering those probes with
 * anything but their expected "success" makes the OS open its portal window on our setup page;
 * answering them with "success" (once setup is done) lets the phone leave the captive state.
 *
 * Besides the probes, the standard signals none of the anchors (wifi-connect, comitup) send:
 * - RFC 8908 captive-portal API at CAPTIVE_API_PATH (`application/captive+json`), whose URL the
 *   hotspot's DHCP server hands out as option 114 (RFC 8910);
 * - any request for another host name is redirected to the portal, so a browser that opens some
 *   http:// page lands on setup instead of an error.
 * Facts: /work/shared/reference/pi-image-and-provisioning-tried.md §3.3, §4.
 */
export const CAPTIVE_API_PATH = "/captive-portal/api";

export interface CaptivePortalOptions {
  /** true while the owner still has to finish setup: probes fail and other hosts redirect */
  captive(): boolean;
  /** the page phones should open, relative to the portal's own address */
  portalPath?: string;
  /** host names that are the portal itself (besides the address the request came in on) */
  ownHosts?: readonly string[];
}

/** What each OS fetches to decide whether it is behind a portal, and its "no portal" answer. */
interface Probe { paths: readonly string[]; success(reply: FastifyReply): FastifyReply }
const text = (body: string) => (reply: FastifyReply): FastifyReply => reply.code(200).type("text/plain").send(body);
const PROBES: readonly Probe[] = [
  // Android / ChromeOS: 204 with an empty body means "online"
  { paths: ["/generate_204", "/gen_204"], success: (r) => r.code(204).send() },
  // Apple (iOS, macOS): exactly this page means "online"; anything else opens the captive sheet
  { paths: ["/hotspot-detect.html", "/library/test/success.html"], success: (r) => r.code(200).type("text/html").send("<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>") },
  // Windows NCSI
  { paths: ["/connecttest.txt"], success: text("Microsoft Connect Test") },
  { paths: ["/ncsi.txt"], success: text("Microsoft NCSI") },
  // Firefox
  { paths: ["/success.txt"], success: text("success\n") },
  { paths: ["/canonical.html"], success: (r) => r.code(200).type("text/html").send('<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>') },
];

/** The portal's base URL as the client reached it: the server address the request arrived on. */
function portalBase(req: FastifyRequest): string {
  const addr = (req.socket.localAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
  const port = req.socket.localPort;
  return `http://${addr.includes(":") ? `[${addr}]` : addr}${port && port !== 80 ? `:${port}` : ""}`;
}

function isOwnHost(req: FastifyRequest, own: readonly string[]): boolean {
  const host = (req.headers.host ?? "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  if (!host) return true;
  const local = (req.socket.localAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
  return host === local || host === "localhost" || own.some((h) => h.toLowerCase() === host);
}

export function registerCaptivePortal(app: FastifyInstance, opts: CaptivePortalOptions): void {
  const portalPath = opts.portalPath ?? "/";
  const own = opts.ownHosts ?? [];
  const portalUrl = (req: FastifyRequest): string => `${portalBase(req)}${portalPath}`;
  const probePaths = new Set(PROBES.flatMap((p) => p.paths));

  // another host name (DNS pointed it at us): send the browser to the portal, unless it asked for
  // the captive API or a probe (answered below whatever the Host header says)
  app.addHook("onRequest", async (req, reply) => {
    if (!opts.captive() || isOwnHost(req, own)) return;
    const path = req.url.split("?")[0] ?? "";
    if (path === CAPTIVE_API_PATH || probePaths.has(path)) return;
    return reply.code(302).header("location", portalUrl(req)).header("cache-control", "no-store").send();
  });

  for (const probe of PROBES) {
    for (const path of probe.paths) {
      app.get(path, async (req, reply) => {
        reply.header("cache-control", "no-store");
        if (!opts.captive()) return probe.success(reply);
        return reply.code(302).header("location", portalUrl(req)).type("text/html")
          .send(`<html><head><meta http-equiv="refresh" content="0;url=${portalUrl(req)}"></head><body><a href="${portalUrl(req)}">gridbox setup</a></body></html>`);
      });
    }
  }

  // RFC 8908: JSON in application/captive+json; "captive" false once setup is done
  app.get(CAPTIVE_API_PATH, async (req, reply) => {
    const captive = opts.captive();
    return reply.code(200).header("cache-control", "private, no-store").type("application/captive+json")
      .send(Buffer.from(JSON.stringify({ captive, ...(captive ? { "user-portal-url": portalUrl(req) } : {}) }))); // a Buffer: no charset parameter added
  });
}
