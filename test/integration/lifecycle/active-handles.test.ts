import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hashPassword } from "../../../runtime/core/password-hash.ts";
import { startMosquitto } from "../homeassistant/mqtt-peers.ts";
import { installFakeNmcli, TWO_INTERFACES, type Scenario } from "../../fakes/nmcli/fake-nmcli.ts";
import { startTestGridbox } from "../../support/gridbox.ts";

/**
 * `stop()` means stopped (CONVENTIONS C16): a whole gridbox with every component that holds timers,
 * sockets, requests or child processes leaves the process's active handles as they were before it
 * started, the moment stop() resolves (no grace period). Each is stopped mid-request:
 * - the outbox writing to an InfluxDB that accepts and never answers (the write aborted by stop);
 * - the Powerwall poller against the simulator (local mode) hanging on /api/;
 * - the Hoymiles source: one DTU poller that read the DTU simulator, one waiting on a DTU that
 *   accepted the connection and never answers;
 * - the OpenDTU MQTT source connecting to a broker that never sends CONNACK, the AhoyDTU one
 *   subscribed on a real mosquitto;
 * - the Wi-Fi check with a hung `nmcli connect` (the fake nmcli on PATH): its child must be gone;
 * - go-e against a charger that does not answer, Home Assistant on the embedded broker.
 * Peers run in child processes so that their own sockets are not counted among this process's.
 */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** A child process that prints one line when ready; that line and a way to end it. */
async function child(args: string[], ready: (line: string) => boolean = () => true, cmd = process.execPath): Promise<{ line: string; proc: ChildProcess; close: () => Promise<void> }> {
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer): void => {
      out += d.toString();
      for (const l of out.split("\n")) if (l.trim() && ready(l)) { proc.stdout?.off("data", onData); proc.stderr?.off("data", onData); resolve(l.trim()); return; }
    };
    proc.stdout?.on("data", onData);
    proc.stderr?.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${out}`)));
  });
  proc.stdout?.destroy();
  proc.stderr?.destroy();
  return { line, proc, close: () => new Promise<void>((r) => { if (proc.exitCode !== null) return r(); proc.once("exit", () => r()); proc.kill("SIGKILL"); }) };
}

/** A peer that accepts connections and never answers (worse than a refusal). */
async function silentPeer() {
  const c = await child(["-e", `const s=require("node:net").createServer(()=>{});s.listen(0,"127.0.0.1",()=>process.stdout.write(s.address().port+"\\n"))`]);
  return { port: Number(c.line), close: c.close };
}

const simulator = async (...args: string[]) => {
  const c = await child(["--import", "tsx", "test/sim/cli.ts", ...args], (l) => l.startsWith("{"));
  return { info: JSON.parse(c.line) as Record<string, string>, close: c.close };
};

/** POST to the Powerwall simulator's control endpoint (self-signed HTTPS, this request only). */
function control(url: string, path: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(`${url}/${path}`, { method: "POST", rejectUnauthorized: false, agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(data);
  });
}

test("after stop() no timer, socket, request or child process of gridbox is left", { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-handles-"));
  const silent = await silentPeer();
  const pw = await simulator("powerwall", "--model", "pw2");
  const dtu = await simulator("hoymiles");
  const broker = await startMosquitto();
  const scenario = JSON.parse(JSON.stringify(TWO_INTERFACES)) as Scenario;
  scenario.faults = { connect: ["hang"], hang_ms: 30_000 };
  const nmcli = installFakeNmcli(scenario);
  try {
    assert.equal(await control(pw.info.control as string, "faults", { kind: "hang", path: "/api/" }), 204);
    const pwUrl = new URL(pw.info.url as string);
    const dtuUrl = new URL(dtu.info.url as string);
    const before = activeResources();
    const publisherHash = await hashPassword("publisher-pw-1");
    const gb = await startTestGridbox({
      sink: { type: "influxdb", influxdb: { url: `http://127.0.0.1:${silent.port}`, timeout_ms: 5000 } },
      outbox: { flush_interval_ms: 100, store: { path: join(dir, "outbox.db") } },
      sources: {
        powerwall: { enabled: true, mode: "local", host: pwUrl.hostname, port: Number(pwUrl.port), password: pw.info.customer_password, interval_ms: 500, timeout_ms: 30_000 },
        hoymiles: { enabled: true, host: dtuUrl.hostname, port: Number(dtuUrl.port), request_spacing_ms: 1000, timeout_ms: 60_000, dtus: [{ name: "silent", host: "127.0.0.1", port: silent.port }] },
        opendtu: { enabled: true, url: `mqtt://127.0.0.1:${silent.port}`, username: "opendtu-reader", password: "pw" },
        ahoydtu: { enabled: true, url: `mqtt://127.0.0.1:${broker.port}`, username: "ahoy-reader", password: "pw" },
      },
      wifi: { enabled: true, ssid: "TeslaPW_1A2B3C", password: "GW-PASSWORD-1", interface: "wlan0", check_interval_ms: 200, command_timeout_ms: 60_000 },
      wallbox: { enabled: true, driver: "goe", goe: { url: `http://127.0.0.1:${silent.port}`, interval_ms: 1000, timeout_ms: 3000 } },
      broker: { clients: { "gridbox-homeassistant": { password_hash: publisherHash, publish: ["homeassistant/#", "gridbox/#"], subscribe: ["homeassistant/status", "gridbox/+/+/set"] } } },
      homeassistant: { enabled: true, health_interval_ms: 200, mqtt: { username: "gridbox-homeassistant", password: "publisher-pw-1" } },
    });
    try {
      gb.ctx.points.write([{ measurement: "m", tags: {}, fields: { v: 1 }, timeNs: BigInt(Date.now()) * 1_000_000n }]);
      // everything going: a sink write and a Powerwall poll hanging, the DTU simulator read and a
      // request to the silent DTU waiting, one MQTT source connecting and one subscribed, a hung nmcli connect
      const at = (path: string): unknown => path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], gb.status.snapshot());
      const going = {
        "a hung nmcli connect": () => nmcli.alive().length > 0 && nmcli.calls().some((c) => c.argv.includes("connect")),
        "the AhoyDTU source subscribed on mosquitto": () => at("ahoydtu.connected") === true,
        "the DTU simulator read": () => (at("hoymiles.DTU.successes") as number) >= 1,
        "a request to the silent DTU": () => at("hoymiles.silent.polls") === 1,
        "a Powerwall poll": () => at("powerwall.polls") === 1,
      };
      const end = Date.now() + 30_000;
      const missing = (): string[] => Object.entries(going).filter(([, ok]) => !ok()).map(([what]) => what);
      while (missing().length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(missing(), [], "everything under way");
      const running = activeResources();
      assert.ok((running.get("TCPSocketWrap") ?? 0) > (before.get("TCPSocketWrap") ?? 0), "gridbox holds sockets while running");
      assert.ok((running.get("ProcessWrap") ?? 0) > (before.get("ProcessWrap") ?? 0), "a hung nmcli child runs");
      assert.deepEqual([at("powerwall.polls"), at("powerwall.successes"), at("powerwall.failures")], [1, 0, 0], "the Powerwall poll hangs in flight");
      assert.deepEqual([at("hoymiles.silent.polls"), at("hoymiles.silent.successes"), at("hoymiles.silent.failures")], [1, 0, 0], "the DTU request is in flight");
    } finally {
      await gb.stop();
    }
    const after = activeResources();
    const leaked = [...after].filter(([k, n]) => n > (before.get(k) ?? 0)).map(([k, n]) => `${k}: ${before.get(k) ?? 0} -> ${n}`);
    assert.deepEqual(leaked, [], "active resources right after stop() beyond those before start");
    assert.deepEqual(nmcli.alive(), [], "no nmcli child outlives stop()");
  } finally {
    nmcli.cleanup();
    await Promise.all([silent.close(), pw.close(), dtu.close(), broker.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
