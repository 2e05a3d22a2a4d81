import { strict as assert } from "node:assert";
import { test } from "node:test";
import { FakeGrafana } from "../../fakes/fake-grafana.ts";
import { startTestGridbox } from "../../support/gridbox.ts";

const API_TOKEN = "gridbox-api-token-0123456789";
const GRAFANA_TOKEN = "glsa_publish_token_0123456789";

test("startGridbox with grafana.enabled: publishes at start, POST /api/grafana/publish needs the API token, /status shows the public URLs", async () => {
  const grafana = new FakeGrafana({ tokens: { [GRAFANA_TOKEN]: "Editor" } });
  await grafana.listen();
  const gb = await startTestGridbox({ http: { api_token: API_TOKEN }, grafana: { enabled: true, url: grafana.url, token: GRAFANA_TOKEN, public_dashboards: true } });
  try {
    const base = gb.addresses.http;
    const refused = await fetch(`${base}/api/grafana/publish`, { method: "POST" });
    assert.equal(refused.status, 401, "no credential, no publishing");
    assert.equal(typeof ((await refused.json()) as { error?: unknown }).error, "string");
    const res = await fetch(`${base}/api/grafana/publish`, { method: "POST", headers: { authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { state: string; public_urls: string[] };
    assert.equal(body.state, "ok");
    assert.ok(body.public_urls.length >= 5);
    const status = (await (await fetch(`${base}/status`)).json()) as Record<string, { public_urls?: string[] }>;
    assert.deepEqual(status.grafana_publish?.public_urls, body.public_urls);
    const pd = [...grafana.publicDashboards.values()][0];
    assert.ok(pd && body.public_urls.includes(`${grafana.url}/public-dashboards/${pd.accessToken}`));
    const health = (await (await fetch(`${base}/health`)).json()) as { components: Record<string, { state: string }> };
    assert.equal(health.components.grafana_publish?.state, "ok");
    const text = JSON.stringify([status, health, gb.logLines]);
    assert.ok(!text.includes(GRAFANA_TOKEN), "the Grafana token appears nowhere");
  } finally {
    await gb.stop();
    await grafana.close();
  }
});
