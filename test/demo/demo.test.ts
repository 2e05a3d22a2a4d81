import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { test } from "node:test";

/** `make demo` (with DEMO_ARGS, as in the README) stays true: the demo starts, readings flow through every part, and it stops cleanly. */
test("the demo runs: ESP32 readings accepted and delivered, Powerwall and Hoymiles DTU polled, wallbox reported, clean stop", async () => {
  // as the README says to run it, with its ports passed through DEMO_ARGS (-o: never reinstall node_modules from a test)
  const child = spawn("make", ["-s", "-o", "node_modules/.installed", "demo", "DEMO_ARGS=--seconds 16 --http-port 0 --mqtt-port 0"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => { out += d.toString(); });
  child.stderr.on("data", (d: Buffer) => { out += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 0, out);
  const lines = out.split("\n").filter((l) => l.startsWith("readings accepted"));
  assert.ok(lines.length >= 2, out);
  const last = lines.at(-1) as string;
  const accepted = Number(/readings accepted (\d+)/.exec(last)?.[1]);
  assert.ok(accepted > 100, `few readings accepted: ${last}`);
  assert.match(last, /grid \d+\.\d+ Hz/);
  assert.match(last, /solar \d+ W/, "the Powerwall was polled");
  assert.match(last, /hoymiles [1-9]\d* W/, "the Hoymiles DTU was polled");
  assert.match(last, /wallbox solar /, "the wallbox reported its state");
  assert.match(out, /demo stopped/);
});
