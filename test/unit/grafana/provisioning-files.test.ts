import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { PROVISIONING_DIR } from "../../../runtime/grafana/generate.ts";
import { alerting, datasources, INFLUX_UID, provisioningFiles, VM_UID } from "../../../runtime/grafana/provisioning.ts";
import { checkAlerting, checkDashboardProviders, checkDatasources } from "./provisioning-format.ts";

/** The provisioning files gridbox ships are the generated ones and follow Grafana's documented formats. */
const read = (name: string): unknown => parse(readFileSync(join(PROVISIONING_DIR, name), "utf8"));

test("the committed provisioning files are exactly what `make dashboards` generates", () => {
  for (const [name, text] of provisioningFiles()) assert.equal(readFileSync(join(PROVISIONING_DIR, name), "utf8"), text, `${name}: run \`make dashboards\``);
});

test("datasources, the dashboard provider and alerting pass the checks of Grafana's documented formats", () => {
  assert.deepEqual(checkDatasources(read("datasources/gridbox.yaml")), []);
  assert.deepEqual(checkDashboardProviders(read("dashboards/gridbox.yaml")), []);
  assert.deepEqual(checkAlerting(read("alerting/gridbox.yaml"), [INFLUX_UID, VM_UID]), []);
});

test("the checks catch what Grafana would refuse or misread", () => {
  const rule = alerting.groups[0]!.rules[0]!;
  const broken = {
    ...alerting,
    contactPoints: [{ ...alerting.contactPoints[0]!, receivers: [{ ...alerting.contactPoints[0]!.receivers[0]!, settings: { url: "x", httpMethod: "GET", username: "u", authorization_credentials: "t" } }] }],
    groups: [{ ...alerting.groups[0]!, interval: "every minute", rules: [{ ...rule, condition: "Z", for: "ten", noDataState: "Ignore", notification_settings: { receiver: "nobody" },
      data: [{ ...rule.data[0]!, datasourceUid: "missing", model: { ...rule.data[0]!.model, query: 'SELECT mean("x") FROM "m" WHERE $timeFilter' } }] }] }],
  };
  const problems = checkAlerting(broken, [INFLUX_UID]).join("\n");
  for (const want of [/httpMethod: POST or PUT/, /exclude each other/, /interval: a duration/, /condition: Z is no refId/, /for: a duration/, /noDataState/, /receiver: nobody/, /missing is neither/, /unescaped \$/]) assert.match(problems, want);
  assert.match(checkDatasources({ ...datasources, datasources: [{ ...datasources.datasources[0]!, uid: "has spaces", typo: 1 }] }).join("\n"), /uid: 1-40.*\n.*typo: not a datasource provisioning key/s);
});

test("no secret is in the files: the webhook token and the database password are environment references", () => {
  const text = [...provisioningFiles().values()].join("\n");
  assert.match(text, /authorization_credentials: \$\{GRIDBOX_WEBHOOK_TOKEN\}/);
  assert.match(text, /password: \$\{GRIDBOX_INFLUXDB_PASSWORD\}/);
});
