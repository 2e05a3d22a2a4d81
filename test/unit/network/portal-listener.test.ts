import { strict as assert } from "node:assert";
import { createServer, request, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { test } from "node:test";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { PortalListener } from "../../../runtime/network/portal-listener.ts";

/** The hotspot's port 80 in front of whichever HTTP server runs now (setup page, then gridbox). */
function httpServer(name: string): Promise<Server> {
  const s = createServer((req, res) => res.end(JSON.stringify({ name, local: `${req.socket.localAddress}:${req.socket.localPort}`, remote: req.socket.remoteAddress })));
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(s)));
}
function get(port: number, host = "127.0.0.1"): Promise<{ name: string; local: string; remote: string }> {
  return new Promise((resolve, reject) => {
    request({ host, port, path: "/", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { body += c; });
      res.on("end", () => resolve(JSON.parse(body)));
    }).on("error", reject).end();
  });
}
const closed = (port: number, host = "127.0.0.1"): Promise<boolean> => new Promise((resolve) => {
  const s = connect(port, host);
  s.on("error", () => resolve(true));
  s.on("close", () => resolve(true));
  s.on("data", () => resolve(false));
  s.write("GET / HTTP/1.0\r\n\r\n");
});

test("connections on the portal port go to the HTTP server that runs now, which sees the portal port as its local port", async () => {
  const setupPage = await httpServer("setup");
  const gridbox = await httpServer("gridbox");
  let current: Server | undefined = setupPage;
  const portal = new PortalListener({ port: 0, host: "127.0.0.1", hotspotAddress: "10.42.0.1", target: () => current, log: memoryLogger("error") });
  const port = Number((await portal.start()).split(":").pop());
  try {
    const a = await get(port);
    assert.equal(a.name, "setup");
    assert.equal(a.local, `127.0.0.1:${port}`, "portal URLs are built from the port the phone used");
    assert.equal(a.remote, "127.0.0.1");
    current = gridbox; // the config was applied: gridbox's own server answers from now on
    assert.equal((await get(port)).name, "gridbox");
    current = undefined; // between modes: refused, not hung
    assert.equal(await closed(port), true);
  } finally {
    await portal.stop();
    await new Promise((r) => setupPage.close(r));
    await new Promise((r) => gridbox.close(r));
  }
  await assert.rejects(get(port), /ECONNREFUSED/, "stop() closed the port");
});

test("it opens nothing the HTTP server would not: a server on 127.0.0.1 gets no connection from another address, unless it is the hotspot's", async () => {
  const local = await httpServer("api"); // http.host 127.0.0.1 (gridbox's default)
  const onlyLoopback = new PortalListener({ port: 0, host: "0.0.0.0", hotspotAddress: "10.42.0.1", target: () => local, log: memoryLogger("error") });
  const asHotspot = new PortalListener({ port: 0, host: "0.0.0.0", hotspotAddress: "127.0.0.2", target: () => local, log: memoryLogger("error") });
  const p1 = Number((await onlyLoopback.start()).split(":").pop());
  const p2 = Number((await asHotspot.start()).split(":").pop());
  try {
    assert.equal((await get(p1, "127.0.0.1")).name, "api", "an address the server listens on");
    assert.equal(onlyLoopback.lastHotspotConnectionMs, undefined, "not a phone on the hotspot");
    assert.equal(await closed(p1, "127.0.0.2"), true, "another address (the LAN's, here 127.0.0.2): refused");
    const viaHotspot = await get(p2, "127.0.0.2"); // 127.0.0.2 stands in for 10.42.0.1
    assert.equal(viaHotspot.name, "api");
    assert.equal(viaHotspot.local, `127.0.0.2:${p2}`);
    assert.ok(Math.abs((asHotspot.lastHotspotConnectionMs ?? 0) - Date.now()) < 5_000, "a phone used the page (home Wi-Fi retries wait)");
  } finally {
    await onlyLoopback.stop(); await asHotspot.stop();
    await new Promise((r) => local.close(r));
  }
});

test("a port that cannot be bound is an error at start, and stop() after it resolves", async () => {
  const taken = await httpServer("other");
  const port = (taken.address() as AddressInfo).port;
  const portal = new PortalListener({ port, host: "127.0.0.1", hotspotAddress: "10.42.0.1", target: () => undefined, log: memoryLogger("error") });
  await assert.rejects(portal.start(), /EADDRINUSE/);
  await portal.stop();
  await new Promise((r) => taken.close(r));
});
