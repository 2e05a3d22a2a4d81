import { strict as assert } from "node:assert";
import { test } from "node:test";
import Fastify from "fastify";
import { CAPTIVE_API_PATH, registerCaptivePortal } from "../../../runtime/network/captive-portal.ts";

async function portal(captive: { value: boolean }) {
  const app = Fastify();
  registerCaptivePortal(app, { captive: () => captive.value, portalPath: "/setup", ownHosts: ["gridbox.local"] });
  app.get("/setup", async () => "setup page");
  await app.ready();
  return app;
}

const PROBES = [
  { host: "connectivitycheck.gstatic.com", url: "/generate_204", ok: 204, okBody: "" },
  { host: "clients3.google.com", url: "/generate_204", ok: 204, okBody: "" },
  { host: "captive.apple.com", url: "/hotspot-detect.html", ok: 200, okBody: "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>" },
  { host: "www.msftconnecttest.com", url: "/connecttest.txt", ok: 200, okBody: "Microsoft Connect Test" },
  { host: "www.msftncsi.com", url: "/ncsi.txt", ok: 200, okBody: "Microsoft NCSI" },
  { host: "detectportal.firefox.com", url: "/success.txt", ok: 200, okBody: "success\n" },
];

test("while setup is open, every OS probe is sent to the portal page (so the phone opens it)", async () => {
  const app = await portal({ value: true });
  for (const p of PROBES) {
    const res = await app.inject({ method: "GET", url: p.url, headers: { host: p.host } });
    assert.equal(res.statusCode, 302, `${p.host}${p.url}`);
    assert.match(String(res.headers.location), /^http:\/\/127\.0\.0\.1(:\d+)?\/setup$/);
    assert.notEqual(res.body, p.okBody, "never the 'online' answer while captive");
    assert.equal(res.headers["cache-control"], "no-store");
  }
  await app.close();
});

test("once setup is done the probes get their exact 'online' answers, so the phone leaves the portal", async () => {
  const app = await portal({ value: false });
  for (const p of PROBES) {
    const res = await app.inject({ method: "GET", url: p.url, headers: { host: p.host } });
    assert.equal(res.statusCode, p.ok, `${p.host}${p.url}`);
    assert.equal(res.body, p.okBody, `${p.host}${p.url}`);
  }
  await app.close();
});

test("another host name is redirected to the portal while captive; the portal's own names are not", async () => {
  const captive = { value: true };
  const app = await portal(captive);
  const other = await app.inject({ method: "GET", url: "/some/page?x=1", headers: { host: "example.com" } });
  assert.equal(other.statusCode, 302);
  assert.match(String(other.headers.location), /\/setup$/);
  for (const host of ["gridbox.local", "127.0.0.1", "127.0.0.1:8080", "localhost"]) {
    const own = await app.inject({ method: "GET", url: "/setup", headers: { host } });
    assert.equal(own.statusCode, 200, host);
    assert.equal(own.body, "setup page");
  }
  captive.value = false;
  const after = await app.inject({ method: "GET", url: "/setup", headers: { host: "example.com" } });
  assert.equal(after.statusCode, 200, "no redirects once setup is done");
  await app.close();
});

test("RFC 8908 API: application/captive+json, captive with the portal URL, then captive false", async () => {
  const captive = { value: true };
  const app = await portal(captive);
  const res = await app.inject({ method: "GET", url: CAPTIVE_API_PATH, headers: { host: "10.42.0.1" } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers["content-type"], "application/captive+json");
  assert.match(String(res.headers["cache-control"]), /no-store/);
  const body = JSON.parse(res.body) as { captive: boolean; "user-portal-url"?: string };
  assert.equal(body.captive, true);
  assert.match(body["user-portal-url"] ?? "", /^http:\/\/.+\/setup$/);
  captive.value = false;
  const done = JSON.parse((await app.inject({ method: "GET", url: CAPTIVE_API_PATH })).body) as Record<string, unknown>;
  assert.deepEqual(done, { captive: false });
  await app.close();
});
