import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { createSystemdNotifier, watchdogIntervalMs } from "../../../runtime/cli/systemd-notify.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";

/**
 * A stand-in for systemd's notify socket: a real AF_UNIX datagram socket (Node has none, so Python
 * holds it) that prints each message and closes the descriptors systemd-notify passes for its
 * barrier, as systemd does after reading them.
 */
const RECEIVER = `
import socket, sys, os, array, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("listening"), flush=True)
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i"); fds.frombytes(data[:len(data) - len(data) % 4])
            for fd in fds: os.close(fd)
    print(json.dumps(msg.decode()), flush=True)
`;

/** messages systemd-notify sent, apart from its BARRIER=1 (counted: it waits for us to read) */
async function notifySocket(): Promise<{ path: string; messages: string[]; barriers(n: number): Promise<void>; next(): Promise<string>; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "gridbox-notify-"));
  const path = join(dir, "notify");
  const child: ChildProcess = spawn("python3", ["-c", RECEIVER, path], { stdio: ["ignore", "pipe", "inherit"] });
  const messages: string[] = [];
  const waiters: Array<(m: string) => void> = [];
  const lines = createInterface({ input: child.stdout! });
  let read = 0;
  let barriers = 0;
  const barrierWaiters: Array<() => void> = [];
  lines.on("line", (l) => {
    const m = JSON.parse(l) as string;
    if (m === "BARRIER=1") { barriers++; for (const w of barrierWaiters.splice(0)) w(); return; }
    messages.push(m);
    waiters.shift()?.(m);
  });
  await new Promise<void>((r) => waiters.push(() => r()));
  messages.length = 0;
  return {
    path,
    messages,
    barriers: async (n) => { while (barriers < n) await new Promise<void>((r) => barrierWaiters.push(r)); },
    next: () => new Promise<string>((resolve) => {
      if (read < messages.length) resolve(messages[read++] as string);
      else waiters.push((m) => { read++; resolve(m); });
    }),
    close: async () => {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("watchdogIntervalMs follows sd_watchdog_enabled: WATCHDOG_USEC, only for the process WATCHDOG_PID names", () => {
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000" }, 42), 30_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "42" }, 42), 30_000);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: "41" }, 42), undefined);
  assert.equal(watchdogIntervalMs({}, 42), undefined);
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: "soon" }, 42), undefined);
});

test("under systemd: READY=1 with our MAINPID, then WATCHDOG=1 every half interval through systemd-notify; stop() leaves no timer", async () => {
  const sock = await notifySocket();
  const clock = new FakeClock();
  const log = memoryLogger();
  try {
    const env = { PATH: process.env.PATH, NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: "20000000", WATCHDOG_PID: "4242" };
    const n = createSystemdNotifier({ env, pid: 4242, clock, log });
    n.ready();
    await n.idle();
    const ready = await sock.next();
    assert.match(ready, /^READY=1$/m);
    assert.match(ready, /^MAINPID=4242$/m);
    await clock.advance(9_999);
    assert.equal(sock.messages.length, 1, "no pet before half the interval");
    await clock.advance(1);
    await n.idle();
    assert.match(await sock.next(), /^WATCHDOG=1$/m);
    await clock.advance(10_000);
    await n.idle();
    assert.match(await sock.next(), /^WATCHDOG=1$/m);
    n.stopping();
    assert.match(await sock.next(), /^STOPPING=1$/m);
    await n.stop();
    assert.equal(clock.pending, 0);
    await clock.advance(60_000);
    assert.equal(sock.messages.length, 4, "nothing after stop()");
    assert.deepEqual(log.lines, []);
    await sock.barriers(4); // each systemd-notify waited until its message was read
  } finally {
    await sock.close();
  }
});

test("a pet still on its way is not doubled, and a failing systemd-notify logs one error per run of failures", async () => {
  const clock = new FakeClock();
  const log = memoryLogger();
  const calls: string[][] = [];
  let fail = true;
  let release: (() => void) | undefined;
  const n = createSystemdNotifier({
    env: { NOTIFY_SOCKET: "/run/none", WATCHDOG_USEC: "2000000" }, pid: 1, clock, log,
    send: async (args) => {
      calls.push(args);
      if (args[0] === "WATCHDOG=1" && calls.length === 2) await new Promise<void>((r) => { release = r; });
      if (fail) throw new Error("No such file or directory");
    },
  });
  n.ready();
  await clock.advance(1_000); // first pet hangs
  await clock.advance(1_000); // skipped: still in flight
  assert.equal(calls.length, 2);
  release?.();
  await clock.advance(1_000);
  await clock.advance(1_000);
  assert.equal(calls.length, 4);
  assert.equal(log.lines.filter((l) => l.includes('"level":"error"')).length, 1);
  fail = false;
  await clock.advance(1_000);
  fail = true;
  await clock.advance(1_000);
  assert.equal(log.lines.length, 2, "a new run of failures logs again");
  await n.stop();
  assert.equal(clock.pending, 0);
});

test("outside systemd (no NOTIFY_SOCKET) nothing is sent and no timer runs", async () => {
  const clock = new FakeClock();
  const calls: string[][] = [];
  const n = createSystemdNotifier({ env: { WATCHDOG_USEC: "1000000" }, clock, log: memoryLogger(), send: async (a) => { calls.push(a); } });
  n.ready();
  await clock.advance(10_000);
  assert.deepEqual(calls, []);
  assert.equal(clock.pending, 0);
  await n.stop();
});
