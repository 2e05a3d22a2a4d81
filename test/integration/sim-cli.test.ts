import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { RPCServer } from "ocpp-rpc";
import { systemClock } from "../../runtime/core/clock.ts";
import { memoryLogger } from "../../runtime/core/log.ts";
import { LocalApiClient } from "../../runtime/sources/powerwall/local-api-client.ts";
import { TedapiClient } from "../../runtime/sources/powerwall/tedapi-client.ts";
import { loadQueryFile } from "../../runtime/sources/powerwall/tedapi-queries.ts";
import { DtuClient } from "../../runtime/sources/hoymiles/dtu-client.ts";
import { DtuLink } from "../../runtime/sources/hoymiles/dtu-link.ts";
import { makeQuerySigner, writeQueryFile } from "../sim/powerwall/query-signing.ts";

/** `test/sim/cli.ts` as a user runs it: spawned, its one JSON line read, real clients against it, SIGTERM. */
const CLI = new URL("../sim/cli.ts", import.meta.url).pathname;
let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), "gridbox-sim-cli-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

interface Info { simulator: string; url: string; serial?: string; customer_password?: string; gateway_password?: string; din?: string }
interface Spawned { child: ChildProcess; info: Info; stderr: string[] }

async function startCli(args: string[]): Promise<Spawned> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const stderr: string[] = [];
  child.stderr?.on("data", (c: Buffer) => stderr.push(c.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`no JSON line within 30 s; stderr: ${stderr.join("")}`)); }, 30_000);
    rl.once("line", (l) => { clearTimeout(timer); resolve(l); });
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`exited ${String(code)} before its JSON line: ${stderr.join("")}`)); });
  });
  return { child, info: JSON.parse(line) as Info, stderr };
}

/** SIGTERM; resolves with the exit code, or the signal that ended it (the simulator must stop and exit by itself). */
function terminate(child: ChildProcess): Promise<number | string | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", (code, sig) => { clearTimeout(timer); resolve(code ?? sig); });
    child.kill("SIGTERM");
  });
}

function runToEnd(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => { out += c.toString(); });
    child.stderr.on("data", (c: Buffer) => { out += c.toString(); });
    child.once("exit", (code) => resolve({ code, out }));
  });
}

const log = memoryLogger("debug");
const tedapi = (url: string, password: string, queryFile: string): TedapiClient => new TedapiClient({
  baseUrl: url, gatewayPassword: password, queries: loadQueryFile(queryFile), components: true, configRefreshMs: 300_000,
  timeoutMs: 2000, rateLimitPauseMs: 60_000, clock: systemClock, log,
});

describe("test/sim/cli.ts", () => {
  test("powerwall pw2 on a chosen address: URL and credentials in the JSON line; local API and TEDAPI (any signer) answer", async () => {
    const { child, info } = await startCli(["powerwall", "--host", "127.0.0.3", "--port", "0", "--model", "pw2"]);
    try {
      assert.equal(info.simulator, "powerwall");
      assert.match(info.url, /^https:\/\/127\.0\.0\.3:\d+$/);
      for (const k of ["customer_password", "gateway_password", "din"] as const) assert.equal(typeof info[k], "string", k);
      const local = new LocalApiClient({ baseUrl: info.url, password: info.customer_password!, email: "", timeoutMs: 2000, rateLimitPauseMs: 60_000, authRetryMs: 0, clock: systemClock, log });
      const r = await local.poll(AbortSignal.timeout(10_000));
      assert.equal(r.din, info.din);
      local.close();
      // a signer the simulator was never told about, as Tesla's is to it
      const t = tedapi(info.url, info.gateway_password!, writeQueryFile(dir, makeQuerySigner()));
      const tr = await t.poll(AbortSignal.timeout(10_000));
      assert.deepEqual(Object.keys(tr.strings).sort(), ["a", "b", "c", "d"]);
      t.close();
    } finally {
      assert.equal(await terminate(child), 0);
    }
  });

  test("powerwall pw3 --verify-signatures KEYFILE: queries signed with that key answer, others are refused", async () => {
    const signer = makeQuerySigner();
    const keyFile = join(dir, "query-key.pem");
    writeFileSync(keyFile, signer.publicKeyPem);
    const { child, info } = await startCli(["powerwall", "--port", "0", "--model", "pw3", "--verify-signatures", keyFile]);
    try {
      assert.equal(info.customer_password, undefined, "a Powerwall 3 has no local API password");
      const good = tedapi(info.url, info.gateway_password!, writeQueryFile(mkdtempSync(join(dir, "good-")), signer));
      const r = await good.poll(AbortSignal.timeout(10_000));
      assert.equal(Object.keys(r.strings).length, 6);
      good.close();
      const bad = tedapi(info.url, info.gateway_password!, writeQueryFile(mkdtempSync(join(dir, "bad-")), makeQuerySigner()));
      await assert.rejects(bad.poll(AbortSignal.timeout(10_000)), /signature verification failed/);
      bad.close();
    } finally {
      assert.equal(await terminate(child), 0);
    }
  });

  test("goe: the local API v2 answers with the serial from the JSON line", async () => {
    const { child, info } = await startCli(["goe", "--host", "127.0.0.1", "--port", "0"]);
    try {
      const res = await fetch(`${info.url}/api/status?filter=sse,amp`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { sse: string }).sse, info.serial);
    } finally {
      assert.equal(await terminate(child), 0);
    }
  });

  test("ocpp-charge-point: dials the central system at --host/--port, boots, then prints its URL and identity", async () => {
    const server = new RPCServer({ protocols: ["ocpp1.6"], strictMode: true });
    const boots: string[] = [];
    server.on("client", (c: { identity: string; handle(m: string, fn: (a: { params: Record<string, unknown> }) => unknown): void }) => {
      c.handle("BootNotification", () => { boots.push(c.identity); return { status: "Accepted", currentTime: new Date().toISOString(), interval: 300 }; });
      c.handle("StatusNotification", () => ({}));
    });
    const http = await server.listen(0, "127.0.0.1");
    const port = (http.address() as AddressInfo).port;
    try {
      const { child, info } = await startCli(["ocpp-charge-point", "--host", "127.0.0.1", "--port", String(port), "--identity", "CP-CLI"]);
      assert.equal(info.url, `ws://127.0.0.1:${port}/CP-CLI`);
      assert.equal(info.serial, "CP-CLI");
      assert.deepEqual(boots, ["CP-CLI"], "booted before the line was printed");
      assert.equal(await terminate(child), 0);
    } finally {
      await server.close({ force: true });
    }
  });

  test("hoymiles --encrypted: gridbox's DTU client reads it with the enc_rand it learns, which the JSON line also gives", async () => {
    const { child, info } = await startCli(["hoymiles", "--host", "127.0.0.4", "--port", "0", "--encrypted"]);
    try {
      assert.match(info.url, /^tcp:\/\/127\.0\.0\.4:\d+$/);
      const u = new URL(info.url);
      const client = new DtuClient(new DtuLink({ host: u.hostname, port: Number(u.port), timeoutMs: 5000, requestSpacingMs: 1000, clock: systemClock }), systemClock);
      const dtu = await client.appInfo(AbortSignal.timeout(10_000));
      assert.deepEqual([dtu.serial, dtu.encrypted], [info.serial, true]);
      assert.equal(typeof (info as { enc_rand?: string }).enc_rand, "string");
      const reading = await client.realData(AbortSignal.timeout(20_000));
      assert.equal(reading.ports.length, 8);
      assert.equal(await terminate(child), 0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  test("bad command lines: exit 2 with the reason and the usage", async () => {
    const unknown = await runToEnd(["solarpanel"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.out, /unknown simulator "solarpanel"; known: powerwall, goe, ocpp-charge-point, hoymiles/);
    const model = await runToEnd(["powerwall", "--model", "pw9"]);
    assert.equal(model.code, 2);
    assert.match(model.out, /--model pw9: expected pw2 or pw3/);
    const key = await runToEnd(["powerwall", "--verify-signatures", join(dir, "missing.pem")]);
    assert.equal(key.code, 2);
    assert.match(key.out, /not a readable PEM public key \(ENOENT\)/);
    const option = await runToEnd(["goe", "--colour", "blue"]);
    assert.equal(option.code, 2);
    assert.match(option.out, /Unknown option '--colour'/);
  });
});
