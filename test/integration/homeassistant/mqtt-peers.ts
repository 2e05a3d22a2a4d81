import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type MqttClient } from "mqtt";

/**
 * Real MQTT peers for the Home Assistant tests: Debian's mosquitto as an external broker on a free
 * loopback port, and an MQTT.js client that records what Home Assistant would receive.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Mosquitto { port: number; url: string; /** the self-signed certificate (tls only) */ caFile?: string; stop(): Promise<void> }

/** Starts mosquitto on 127.0.0.1:port; with `users` it requires those passwords; with `tls` a self-signed certificate for 127.0.0.1. */
export async function startMosquitto(port?: number, users?: Record<string, string>, tls = false): Promise<Mosquitto> {
  const p = port ?? await freePort();
  const dir = mkdtempSync(join(tmpdir(), "gridbox-mosq-"));
  chmodSync(dir, 0o755);
  const lines = [`listener ${p} 127.0.0.1`, "persistence false", "log_dest none"];
  let caFile: string | undefined;
  if (tls) {
    caFile = join(dir, "cert.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", caFile, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    chmodSync(join(dir, "key.pem"), 0o644);
    lines.push(`certfile ${caFile}`, `keyfile ${join(dir, "key.pem")}`);
  }
  const url = `${tls ? "mqtts" : "mqtt"}://127.0.0.1:${p}`;
  if (users) {
    const pwfile = join(dir, "passwd");
    writeFileSync(pwfile, "");
    for (const [u, pw] of Object.entries(users)) execFileSync("mosquitto_passwd", ["-b", pwfile, u, pw]);
    // mosquitto started as root drops to its own user, which must still read the file
    chmodSync(pwfile, 0o644);
    lines.push("allow_anonymous false", `password_file ${pwfile}`);
  } else {
    lines.push("allow_anonymous true");
  }
  writeFileSync(join(dir, "mosquitto.conf"), lines.join("\n") + "\n");
  const child: ChildProcess = spawn("mosquitto", ["-c", join(dir, "mosquitto.conf")], { stdio: "ignore" });
  // ready when a client can connect
  const deadline = Date.now() + 5000;
  for (;;) {
    try { const c = await connectRecorder(url, [], users ? Object.entries(users)[0] : undefined, caFile); await c.close(); break; } catch (err) {
      if (Date.now() > deadline) { child.kill(); throw err; }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port: p,
    url,
    ...(caFile ? { caFile } : {}),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Received { topic: string; payload: string; retain: boolean }

export interface Recorder {
  client: MqttClient;
  messages: Received[];
  /** the last payload per topic */
  last: Map<string, string>;
  /** resolves with the first message from index `after` on that matches */
  waitFor(pred: (m: Received) => boolean, timeoutMs?: number, what?: string, after?: number): Promise<Received>;
  close(): Promise<void>;
}

export async function connectRecorder(url: string, filters: string[], creds?: [string, string], caFile?: string): Promise<Recorder> {
  const client = connect(url, { reconnectPeriod: 0, connectTimeout: 2000, ...(creds ? { username: creds[0], password: creds[1] } : {}), ...(caFile ? { ca: readFileSync(caFile) } : {}) });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
    client.once("close", () => reject(new Error("closed before connect")));
  });
  const messages: Received[] = [];
  const last = new Map<string, string>();
  const waiters = new Set<() => void>();
  client.on("message", (topic, payload, packet) => {
    const m = { topic, payload: payload.toString(), retain: packet.retain };
    messages.push(m);
    last.set(topic, m.payload);
    for (const w of [...waiters]) w();
  });
  if (filters.length > 0) await client.subscribeAsync(filters, { qos: 1 });
  return {
    client, messages, last,
    waitFor(pred, timeoutMs = 5000, what = "message", after = 0) {
      return new Promise((resolve, reject) => {
        let from = after;
        const check = (): void => {
          for (; from < messages.length; from++) {
            const m = messages[from] as Received;
            if (pred(m)) { waiters.delete(check); clearTimeout(t); resolve(m); return; }
          }
        };
        const t = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out waiting for ${what}; got topics: ${[...last.keys()].join(", ")}`)); }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => client.endAsync(true),
  };
}
