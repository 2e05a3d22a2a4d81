import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { test } from "node:test";
import { handlesReleased } from "../../../runtime/core/handles-released.ts";
import { HealthRegistry } from "../../../runtime/core/health.ts";
import { memoryLogger } from "../../../runtime/core/log.ts";
import { StatusRegistry } from "../../../runtime/core/status.ts";
import { Supervisor } from "../../../runtime/core/supervisor.ts";
import { FakeClock } from "../../fakes/fake-clock.ts";

/**
 * A closed server or an exited child process is still an active handle right after its event, until
 * the loop's close phase; handlesReleased() waits exactly past it, and Supervisor.stop() ends with it.
 */
const count = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;

test("a server is still active right after its 'close' event, and released after handlesReleased()", async () => {
  const before = count("TCPServerWrap");
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  await new Promise((r) => s.close(r));
  assert.equal(count("TCPServerWrap"), before + 1, "the close event came before the handle was released");
  await handlesReleased();
  assert.equal(count("TCPServerWrap"), before);
});

test("a child process is still active right after 'exit', and released after handlesReleased()", async () => {
  const before = count("ProcessWrap");
  const c = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
  await new Promise((r) => c.once("spawn", r));
  const exited = new Promise((r) => c.once("exit", r));
  c.kill("SIGKILL");
  await exited;
  assert.equal(count("ProcessWrap"), before + 1);
  await handlesReleased();
  assert.equal(count("ProcessWrap"), before);
});

test("Supervisor.stop() resolves only when the server its last unit closed is released", async () => {
  const before = count("TCPServerWrap");
  const sup = new Supervisor({ clock: new FakeClock(), log: memoryLogger("error"), health: new HealthRegistry(), status: new StatusRegistry(), retry: { initialMs: 1000, maxMs: 8000 } });
  const s = createServer();
  await sup.add({ name: "listener", start: () => new Promise<void>((r) => s.listen(0, "127.0.0.1", r)), stop: () => new Promise<void>((r) => s.close(() => r())) });
  assert.equal(count("TCPServerWrap"), before + 1);
  await sup.stop();
  assert.equal(count("TCPServerWrap"), before);
});
