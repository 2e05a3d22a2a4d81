import { strict as assert } from "node:assert";
import { test } from "node:test";
import { publishedDashboards } from "../../../provisioning/live-view.ts";

/** The live view's Grafana links come from the publisher's /status section; only http(s) links reach the page. */
test("published dashboards: title, Grafana URL and public link; anything but an http(s) link is left out", () => {
  const status = {
    state: "ok",
    dashboards: [
      { uid: "a", title: "gridbox: grid monitors", url: "http://grafana.local:3000/d/a/grid", version: 3, publicUrl: "http://grafana.local:3000/public-dashboards/tok123" },
      { uid: "b", title: "gridbox: Powerwall", url: "https://g.example/d/b", version: 1 },
      { uid: "c", title: "evil", url: "javascript:alert(1)", version: 1 },
      { uid: "d", title: "half", url: "http://g/d/d", publicUrl: "data:text/html,x" },
      null,
    ],
  };
  assert.deepEqual(publishedDashboards(status), [
    { title: "gridbox: grid monitors", url: "http://grafana.local:3000/d/a/grid", publicUrl: "http://grafana.local:3000/public-dashboards/tok123" },
    { title: "gridbox: Powerwall", url: "https://g.example/d/b" },
    { title: "half", url: "http://g/d/d" },
  ]);
  assert.deepEqual(publishedDashboards(undefined), [], "no Grafana publisher configured");
  assert.deepEqual(publishedDashboards({ dashboards: "x" }), []);
});
