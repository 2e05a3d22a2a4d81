import { strict as assert } from "node:assert";
import { test } from "node:test";
import { victoriametricsAuth } from "../../../runtime/sinks/victoriametrics/auth.ts";

/** One rule for the sink's writes and its Test button (the Test used to skip Basic when only a password was set). */
test("VictoriaMetrics credentials: bearer wins, Basic when a user name or a password is set, else none", () => {
  const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}`;
  assert.deepEqual(victoriametricsAuth({ bearer_token: "t0k3n" }), { authorization: "Bearer t0k3n" });
  assert.deepEqual(victoriametricsAuth({ username: "gridbox", password: "pw" }), { authorization: basic("gridbox", "pw") });
  assert.deepEqual(victoriametricsAuth({ password: "pw" }), { authorization: basic("", "pw") });
  assert.deepEqual(victoriametricsAuth({ username: "gridbox" }), { authorization: basic("gridbox", "") });
  assert.deepEqual(victoriametricsAuth({}), {});
  assert.deepEqual(victoriametricsAuth({ username: 42 }), {}, "a draft's non-string value is no credential");
});
