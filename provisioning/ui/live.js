// The admin page's live status: grid frequency per ESP32 and the Powerwall's power flows as uPlot
// charts updated every second, component health, the outbox's backlog and drain progress, and links
// to Grafana (the dashboards gridbox published there, with their public links) and Home Assistant.
import { el } from "./form.js";

const WINDOW = 300; // seconds kept on the charts
const COLORS = ["#0b5cad", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0f766e", "#a16207", "#334155"];

let uplotLoading;
function loadUplot() {
  uplotLoading ??= new Promise((resolve, reject) => {
    if (globalThis.uPlot) return resolve(globalThis.uPlot);
    const s = document.createElement("script");
    s.src = "uplot.js";
    s.onload = () => resolve(globalThis.uPlot);
    s.onerror = () => reject(new Error("uplot.js did not load"));
    document.head.append(s);
  });
  return uplotLoading;
}

function chartBox(id, heading) {
  const box = el("div", { class: "chart", id }, el("h3", { text: heading }));
  const plot = el("div", { class: "plot" });
  box.append(plot);
  return { box, plot };
}

export function startLive(panel, api) {
  let stopped = false;
  let timer;
  const links = el("p", { class: "links", id: "links" });
  const dashboards = el("ul", { class: "dashboards", id: "dashboards", hidden: true });
  let shownDashboards = "";
  const freq = chartBox("chart-frequency", "Grid frequency (Hz) per ESP32");
  const power = chartBox("chart-power", "Power flows (W)");
  const soc = el("span", { class: "soc", id: "battery-soc" });
  power.box.firstChild.append(soc);
  const healthTable = el("table", { id: "health" }, el("caption", { class: "help", text: "Components" }));
  const outbox = el("div", { class: "card", id: "outbox" });
  panel.append(links, dashboards, el("div", { class: "charts" }, freq.box, power.box), el("h2", { text: "Health" }), el("div", { class: "card" }, healthTable), el("h2", { text: "Store and forward" }), outbox);

  const times = [];
  const freqSeries = new Map(); // device -> values[]
  const powerKeys = [["solar_w", "Solar"], ["load_w", "Home"], ["grid_w", "Grid (import +)"], ["battery_w", "Battery (discharge +)"]];
  const powerValues = powerKeys.map(() => []);
  let freqPlot, powerPlot, UPlot;
  let drainStart;

  const width = () => Math.max(240, Math.min(freq.plot.clientWidth || freq.box.clientWidth - 16, 900));
  // a tight y range: grid frequency moves in mHz around 50 Hz, power over the whole range
  const tight = (_u, min, max) => (min === null || max === null ? [49.9, 50.1] : [Math.min(min, 49.95) - 0.02, Math.max(max, 50.05) + 0.02]);
  function makeFreqPlot() {
    freqPlot?.destroy();
    const devices = [...freqSeries.keys()];
    freqPlot = new UPlot({ width: width(), height: 220, scales: { x: { time: true }, y: { range: tight } }, series: [{}, ...devices.map((d, i) => ({ label: d, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false }))], axes: [{}, { size: 60 }] },
      [times, ...devices.map((d) => freqSeries.get(d))], freq.plot);
  }
  function makePowerPlot() {
    powerPlot = new UPlot({ width: width(), height: 220, scales: { x: { time: true } }, series: [{}, ...powerKeys.map(([, label], i) => ({ label, stroke: COLORS[i], width: 2, value: (_u, v) => (v == null ? "--" : Math.round(v).toLocaleString("en")) }))], axes: [{}, { size: 60 }] },
      [times, ...powerValues], power.plot);
  }

  // the legend shows the newest values unless the pointer is over a chart (phones have no hover)
  const showLatest = (u) => { if (u && u.cursor.idx == null && times.length > 0) u.setLegend({ idx: times.length - 1 }); };
  // the charts follow the page's width (a phone turned, a window resized)
  let lastWidth = 0;
  const resized = new ResizeObserver(() => {
    const w = width();
    if (Math.abs(w - lastWidth) < 4) return;
    lastWidth = w;
    for (const u of [freqPlot, powerPlot]) if (u) { u.setSize({ width: w, height: 220 }); showLatest(u); }
  });
  resized.observe(freq.box);

  async function tick() {
    if (stopped) return;
    try {
      const r = await api("live");
      if (r.status === 200) update(r.data);
    } catch { /* gridbox restarting: try again */ }
    if (!stopped) timer = setTimeout(tick, 1000);
  }

  function update(s) {
    times.push(s.t / 1000);
    let newDevice = false;
    for (const id of Object.keys(s.frequencyHz)) if (!freqSeries.has(id)) { freqSeries.set(id, times.slice(0, -1).map(() => null)); newDevice = true; }
    for (const [id, vals] of freqSeries) vals.push(s.frequencyHz[id] ?? null);
    powerKeys.forEach(([k], i) => powerValues[i].push(s.power[k]));
    soc.textContent = s.power.battery_pct === null ? "" : ` · battery ${Math.round(s.power.battery_pct)} %`;
    if (times.length > WINDOW) { times.shift(); for (const v of freqSeries.values()) v.shift(); for (const v of powerValues) v.shift(); }
    if (UPlot) {
      if (newDevice || !freqPlot) makeFreqPlot(); else freqPlot.setData([times, ...freqSeries.values()]);
      if (!powerPlot) makePowerPlot(); else powerPlot.setData([times, ...powerValues]);
      lastWidth = width();
      showLatest(freqPlot); showLatest(powerPlot);
    }
    const rows = Object.entries(s.health.components).map(([name, c]) => el("tr", {}, el("th", { scope: "row" }, name, c.message ? el("div", { class: "help", text: c.message }) : null), el("td", { class: `state state-${c.state}`, text: c.state })));
    healthTable.replaceChildren(el("caption", { class: "help", text: `Overall: ${s.health.status}` }), el("tr", {}, el("th", { scope: "col", text: "Component and details" }), el("th", { scope: "col", text: "State" })), ...rows);
    renderDashboards(s.dashboards ?? []);
    const o = s.outbox;
    const backlog = o.pendingMemory + o.pendingStored;
    if (o.pendingStored > 0 && (drainStart === undefined || o.pendingStored > drainStart)) drainStart = o.pendingStored;
    if (o.pendingStored === 0) drainStart = undefined;
    // while the database cannot be reached the backlog only grows: say so, and show progress once it drains
    const sinkState = s.health.components.sink?.state;
    const sinkUp = sinkState === undefined || sinkState === "ok";
    const progress = drainStart && sinkUp ? el("progress", { max: drainStart, value: drainStart - o.pendingStored, "aria-label": "Drain progress" }) : null;
    const waiting = drainStart && !sinkUp ? el("p", { class: "state-degraded", id: "backlog-waiting", text: `The database cannot be reached: ${o.pendingStored} readings are kept on the SD card and are sent when it is back.` }) : null;
    outbox.replaceChildren(el("p", { text: `Readings accepted ${o.accepted}, delivered to the database ${o.delivered}, waiting ${backlog} (in memory ${o.pendingMemory}, in the SD-card store ${o.pendingStored}), dropped ${o.dropped}.` }),
      ...(waiting ? [waiting] : []),
      ...(progress ? [el("p", { text: `Sending the stored backlog: ${drainStart - o.pendingStored} of ${drainStart}` }), progress] : []));
  }

  /** the dashboards gridbox published to Grafana, each with its public link when there is one */
  function renderDashboards(list) {
    const key = JSON.stringify(list);
    if (key === shownDashboards) return;
    shownDashboards = key;
    dashboards.hidden = list.length === 0;
    dashboards.replaceChildren(...list.map((d) => el("li", {},
      el("a", { href: d.url, rel: "noopener", target: "_blank", text: d.title }),
      ...(d.publicUrl ? [" · ", el("a", { href: d.publicUrl, rel: "noopener", target: "_blank", text: "public link", "aria-label": `${d.title}: public link (no login)` })] : []))));
  }

  api("form").then((r) => {
    const admin = r.data?.values?.admin ?? {};
    const items = [];
    const safe = (u) => typeof u === "string" && /^https?:\/\//i.test(u);
    if (safe(admin.grafana_url)) items.push(el("a", { href: admin.grafana_url, rel: "noopener", target: "_blank", text: "Grafana" }));
    if (safe(admin.homeassistant_url)) items.push(el("a", { href: admin.homeassistant_url, rel: "noopener", target: "_blank", text: "Home Assistant" }));
    if (items.length === 0) items.push(el("span", { class: "help", text: "Links to Grafana and Home Assistant appear here once set under Settings → Admin." }));
    links.replaceChildren(...items);
  }).catch(() => undefined);
  loadUplot().then((U) => { UPlot = U; }).catch(() => { freq.plot.textContent = "Charts unavailable (uplot.js did not load)."; });
  tick();
  return () => { stopped = true; clearTimeout(timer); resized.disconnect(); freqPlot?.destroy(); powerPlot?.destroy(); };
}
