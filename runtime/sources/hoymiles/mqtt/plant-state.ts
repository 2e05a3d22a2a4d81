import type { DtuReading, InverterReading, PortReading } from "../reading.ts";
import type { TopicUpdate } from "./topic-update.ts";

/**
 * The plant as an OpenDTU or AhoyDTU has published it so far: the newest value of every topic,
 * per inverter and port. A reading is built from it after each burst of messages. An inverter is
 * online while its last reachability said so (or, never told, while it sends values); offline it
 * keeps only its link status, as the DTU source does, so retained values from yesterday are not
 * written as today's. Inverters are keyed by the topic's key; `serials` maps AhoyDTU's names to
 * serial numbers (unmapped names stand as they are).
 */
interface PortState { voltageV?: number; currentA?: number; powerW?: number; todayWh?: number; totalWh?: number }
interface InverterState {
  reachable?: boolean; timeS?: number;
  voltageV?: number; frequencyHz?: number; powerW?: number; temperatureC?: number;
  ports: Map<number, PortState>;
}

const MAX_INVERTERS = 64;
const MAX_PORT = 6;

export class PlantState {
  private readonly inverters = new Map<string, InverterState>();
  /** updates refused because the plant already has MAX_INVERTERS inverters (a topic flood) */
  refused = 0;

  constructor(private readonly serials: Readonly<Record<string, string>> = {}) {}

  apply(u: TopicUpdate): void {
    let inv = this.inverters.get(u.inverter);
    if (!inv) {
      if (this.inverters.size >= MAX_INVERTERS) { this.refused++; return; }
      inv = { ports: new Map() };
      this.inverters.set(u.inverter, inv);
    }
    switch (u.kind) {
      case "reachable": inv.reachable = u.value; break;
      case "time": inv.timeS = u.value; break;
      case "ac": inv[u.field] = u.value; break;
      case "dc": {
        if (u.port < 1 || u.port > MAX_PORT) return;
        const p = inv.ports.get(u.port) ?? {};
        p[u.field] = u.value;
        inv.ports.set(u.port, p);
        break;
      }
    }
  }

  get size(): number { return this.inverters.size; }

  /** The plant now; `dtuSerial` names the DTU (neither firmware publishes a DTU serial). */
  reading(nowMs: number, dtuSerial: string): DtuReading {
    const inverters: InverterReading[] = [];
    const ports: PortReading[] = [];
    let latestS = 0;
    const bySerial = [...this.inverters].map(([key, s]) => [this.serials[key] ?? key, s] as const).sort(([a], [b]) => a.localeCompare(b));
    for (const [serial, s] of bySerial) {
      const online = s.reachable ?? s.powerW !== undefined;
      latestS = Math.max(latestS, s.timeS ?? 0);
      const base: InverterReading = { serial, online, linkStatus: online ? 1 : 0 };
      inverters.push(online ? {
        ...base,
        ...(s.voltageV !== undefined ? { gridVoltageV: s.voltageV } : {}),
        ...(s.frequencyHz !== undefined ? { gridFrequencyHz: s.frequencyHz } : {}),
        ...(s.powerW !== undefined ? { activePowerW: s.powerW } : {}),
        ...(s.temperatureC !== undefined ? { temperatureC: s.temperatureC } : {}),
      } : base);
      for (const [n, p] of [...s.ports].sort(([a], [b]) => a - b)) {
        const port: PortReading = { inverterSerial: serial, port: n, online, powerW: online ? (p.powerW ?? 0) : 0, errorCode: 0 };
        ports.push(online ? {
          ...port,
          ...(p.voltageV !== undefined ? { voltageV: p.voltageV } : {}),
          ...(p.currentA !== undefined ? { currentA: p.currentA } : {}),
          ...(p.todayWh !== undefined ? { energyTodayWh: Math.round(p.todayWh) } : {}),
          ...(p.totalWh !== undefined ? { energyTotalWh: Math.round(p.totalWh) } : {}),
        } : port);
      }
    }
    const acPowerW = Math.round(inverters.reduce((sum, i) => sum + (i.online ? (i.activePowerW ?? 0) : 0), 0) * 10) / 10;
    return { dtuSerial, timeMs: latestS > 0 ? latestS * 1000 : nowMs, acPowerW, inverters, ports };
  }
}
