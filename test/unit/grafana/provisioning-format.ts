/**
 * Grafana's provisioning file formats as its documentation states them ("Provision Grafana":
 * data sources, dashboards; "Provision alerting resources using configuration files"), as checks:
 * each returns the problems it finds, with the path of the value.
 */
type Doc = Record<string, unknown>;
const isObj = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const UID = /^[a-zA-Z0-9_-]{1,40}$/;
const DURATION = /^(\d+(ms|s|m|h|d|w))+$|^0$/;
/** a `$` is an environment reference ${NAME} or $NAME, or doubled to stay a literal */
const BAD_DOLLAR = /\$(?!\$|\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_])|(?<!\$)\$(?=[a-z_])/;

function strings(v: unknown, path: string, out: { path: string; value: string }[] = []): { path: string; value: string }[] {
  if (typeof v === "string") out.push({ path, value: v });
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}/${i}`, out));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) strings(x, `${path}/${k}`, out);
  return out;
}

/** `$word` (lower case) is Grafana's query macro, never one of our env variables (GRIDBOX_*): it must be `$$word` */
export function dollarProblems(doc: unknown): string[] {
  return strings(doc, "").filter((s) => BAD_DOLLAR.test(s.value.replace(/\$\$/g, ""))).map((s) => `${s.path}: an unescaped $ in "${s.value}" (Grafana would read it as an environment variable; write $$)`);
}

export function checkDatasources(doc: unknown): string[] {
  const p: string[] = [];
  if (!isObj(doc) || doc.apiVersion !== 1) return ["apiVersion: must be 1"];
  const list = arr(doc.datasources);
  if (list.length === 0) p.push("datasources: none");
  list.forEach((d, i) => {
    const at = `datasources/${i}`;
    if (!isObj(d)) return p.push(`${at}: not an object`);
    if (typeof d.name !== "string" || d.name === "") p.push(`${at}/name: required`);
    if (typeof d.type !== "string" || !["influxdb", "prometheus"].includes(d.type)) p.push(`${at}/type: ${String(d.type)} is not a datasource plugin id we ship for`);
    if (d.access !== undefined && d.access !== "proxy" && d.access !== "direct") p.push(`${at}/access: proxy or direct`);
    if (typeof d.uid !== "string" || !UID.test(d.uid)) p.push(`${at}/uid: 1-40 of [a-zA-Z0-9_-]`);
    if (d.jsonData !== undefined && !isObj(d.jsonData)) p.push(`${at}/jsonData: an object`);
    if (d.secureJsonData !== undefined && !isObj(d.secureJsonData)) p.push(`${at}/secureJsonData: an object`);
    for (const k of Object.keys(d)) if (!["name", "type", "access", "orgId", "uid", "url", "user", "database", "basicAuth", "basicAuthUser", "withCredentials", "isDefault", "jsonData", "secureJsonData", "version", "editable"].includes(k)) p.push(`${at}/${k}: not a datasource provisioning key`);
  });
  return [...p, ...dollarProblems(doc)];
}

export function checkDashboardProviders(doc: unknown): string[] {
  const p: string[] = [];
  if (!isObj(doc) || doc.apiVersion !== 1) return ["apiVersion: must be 1"];
  arr(doc.providers).forEach((d, i) => {
    const at = `providers/${i}`;
    if (!isObj(d)) return p.push(`${at}: not an object`);
    if (typeof d.name !== "string") p.push(`${at}/name: required`);
    if (d.type !== "file") p.push(`${at}/type: file`);
    if (!isObj(d.options) || typeof d.options.path !== "string" || !d.options.path.startsWith("/")) p.push(`${at}/options/path: an absolute folder`);
    if (d.updateIntervalSeconds !== undefined && !Number.isInteger(d.updateIntervalSeconds)) p.push(`${at}/updateIntervalSeconds: an integer`);
    for (const k of Object.keys(d)) if (!["name", "orgId", "folder", "folderUid", "type", "disableDeletion", "updateIntervalSeconds", "allowUiUpdates", "options"].includes(k)) p.push(`${at}/${k}: not a provider key`);
  });
  return p;
}

export function checkAlerting(doc: unknown, datasourceUids: readonly string[]): string[] {
  const p: string[] = [];
  if (!isObj(doc) || doc.apiVersion !== 1) return ["apiVersion: must be 1"];
  const contactNames = new Set<string>();
  arr(doc.contactPoints).forEach((c, i) => {
    const at = `contactPoints/${i}`;
    if (!isObj(c) || typeof c.name !== "string") return p.push(`${at}/name: required`);
    contactNames.add(c.name);
    arr(c.receivers).forEach((r, j) => {
      if (!isObj(r)) return p.push(`${at}/receivers/${j}: not an object`);
      if (typeof r.uid !== "string" || !UID.test(r.uid)) p.push(`${at}/receivers/${j}/uid: 1-40 of [a-zA-Z0-9_-]`);
      if (r.type === "webhook") {
        const s = isObj(r.settings) ? r.settings : {};
        if (typeof s.url !== "string") p.push(`${at}/receivers/${j}/settings/url: required`);
        if (s.httpMethod !== undefined && s.httpMethod !== "POST" && s.httpMethod !== "PUT") p.push(`${at}/receivers/${j}/settings/httpMethod: POST or PUT`);
        if ((s.username !== undefined || s.password !== undefined) && s.authorization_credentials !== undefined) p.push(`${at}/receivers/${j}/settings: basic auth and the Authorization header exclude each other`);
      } else p.push(`${at}/receivers/${j}/type: webhook expected`);
    });
  });
  arr(doc.groups).forEach((g, i) => {
    const at = `groups/${i}`;
    if (!isObj(g)) return p.push(`${at}: not an object`);
    for (const k of ["name", "folder"]) if (typeof g[k] !== "string") p.push(`${at}/${k}: required`);
    if (typeof g.interval !== "string" || !DURATION.test(g.interval)) p.push(`${at}/interval: a duration like 1m`);
    arr(g.rules).forEach((r, j) => {
      const rat = `${at}/rules/${j}`;
      if (!isObj(r)) return p.push(`${rat}: not an object`);
      if (typeof r.uid !== "string" || !UID.test(r.uid)) p.push(`${rat}/uid: 1-40 of [a-zA-Z0-9_-]`);
      if (typeof r.title !== "string") p.push(`${rat}/title: required`);
      const data = arr(r.data).filter(isObj);
      const refs = new Set(data.map((d) => d.refId));
      if (!refs.has(r.condition)) p.push(`${rat}/condition: ${String(r.condition)} is no refId of data`);
      data.forEach((d, k) => {
        const dat = `${rat}/data/${k}`;
        if (typeof d.datasourceUid !== "string" || (d.datasourceUid !== "__expr__" && !datasourceUids.includes(d.datasourceUid))) p.push(`${dat}/datasourceUid: ${String(d.datasourceUid)} is neither __expr__ nor a provisioned datasource`);
        if (d.datasourceUid !== "__expr__" && !(isObj(d.relativeTimeRange) && typeof d.relativeTimeRange.from === "number")) p.push(`${dat}/relativeTimeRange: required for a datasource query`);
        const m = isObj(d.model) ? d.model : {};
        if (m.refId !== d.refId) p.push(`${dat}/model/refId: must equal refId`);
        if (d.datasourceUid === "__expr__") {
          if (!["reduce", "threshold", "math", "resample", "classic_conditions"].includes(String(m.type))) p.push(`${dat}/model/type: an expression type`);
          if (typeof m.expression !== "string" || (m.type !== "math" && !refs.has(m.expression))) p.push(`${dat}/model/expression: names a refId`);
        }
      });
      if (!["NoData", "Alerting", "OK", "KeepLast"].includes(String(r.noDataState))) p.push(`${rat}/noDataState: NoData, Alerting, OK or KeepLast`);
      if (!["Error", "Alerting", "OK", "KeepLast"].includes(String(r.execErrState))) p.push(`${rat}/execErrState: Error, Alerting, OK or KeepLast`);
      if (typeof r.for !== "string" || !DURATION.test(r.for)) p.push(`${rat}/for: a duration`);
      const ns = isObj(r.notification_settings) ? r.notification_settings : undefined;
      if (ns && !contactNames.has(String(ns.receiver))) p.push(`${rat}/notification_settings/receiver: ${String(ns.receiver)} is no contact point`);
    });
  });
  return [...p, ...dollarProblems(doc)];
}
