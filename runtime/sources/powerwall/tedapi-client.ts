import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/log.ts";
import type { PowerwallClient } from "./client.ts";
import { GatewayError, GatewayTransport, statusError } from "./gateway-transport.ts";
import { withAppPercent, type PowerwallReading } from "./reading.ts";
import { CONFIG_DOMAIN_JSON, decodeMessage, encodeMessage, QUERY_FORMAT_SIGNED, QUERY_STATUS_PARTIAL, QUERY_STATUS_SUCCESS, requestTo, type TedapiMessage } from "./tedapi-codec.ts";
import type { QueryName, QuerySet } from "./tedapi-queries.ts";
import { parseComponents, parseConfigJson, parseDeviceController, type GatewayConfig } from "./tedapi-reading.ts";

/**
 * Powerwall 3 (and 2/+) over TEDAPI on the gateway's Wi-Fi AP. No session: every request carries
 * Basic auth `Tesla_Energy_Device:<gateway password>`. Per poll: the DeviceControllerQuery, plus the
 * ComponentsQuery when the site has a Powerwall 3. The DIN and firmware are read once per
 * connection; config.json every `configRefreshMs`.
 */
export interface TedapiClientOptions {
  baseUrl: string;
  servername?: string;
  gatewayPassword: string;
  queries: QuerySet;
  components: boolean;
  configRefreshMs: number;
  timeoutMs: number;
  rateLimitPauseMs: number;
  clock: Clock;
  log: Logger;
}

export class TedapiClient implements PowerwallClient {
  readonly mode = "tedapi" as const;
  private readonly transport: GatewayTransport;
  private readonly authorization: string;
  private din: string | undefined;
  private firmware: string | undefined;
  private config: { value: GatewayConfig; readMs: number } | undefined;

  constructor(private readonly opts: TedapiClientOptions) {
    this.transport = new GatewayTransport({ baseUrl: opts.baseUrl, servername: opts.servername, timeoutMs: opts.timeoutMs, rateLimitPauseMs: opts.rateLimitPauseMs, clock: opts.clock });
    this.authorization = "Basic " + Buffer.from(`Tesla_Energy_Device:${opts.gatewayPassword}`).toString("base64");
    opts.log.redact(opts.gatewayPassword, this.authorization.slice(6));
  }

  async poll(signal: AbortSignal): Promise<PowerwallReading> {
    const timeMs = this.opts.clock.nowMs();
    const din = await this.readDin(signal);
    const config = await this.readConfig(din, signal);
    this.firmware ??= await this.readFirmware(din, signal).catch((err: unknown) => {
      if (err instanceof GatewayError && (err.code === "GRIDBOX_SOURCE_AUTH" || err.code === "GRIDBOX_SOURCE_RATE_LIMITED")) throw err;
      this.opts.log.debug(`system info unavailable: ${String(err)}`);
      return undefined;
    });
    const reading: PowerwallReading = { timeMs, strings: {}, batteryBlocks: [], din: config.din ?? din, ...parseDeviceController(await this.query("device_controller", din, signal)) };
    if (config.siteName !== undefined) reading.siteName = config.siteName;
    if (config.operationMode !== undefined) reading.operationMode = config.operationMode;
    if (config.backupReservePercent !== undefined) reading.backupReservePercent = config.backupReservePercent;
    if (config.powerwallCount > 0) reading.powerwallCount = config.powerwallCount;
    if (this.firmware !== undefined) reading.firmware = this.firmware;
    if (this.opts.components && config.hasPowerwall3 && this.opts.queries.has("components")) {
      const parts = parseComponents(await this.query("components", din, signal));
      if (parts.strings) reading.strings = parts.strings;
      if (parts.batteryBlocks) reading.batteryBlocks = parts.batteryBlocks;
    }
    return withAppPercent(reading);
  }

  reconnect(): void {
    this.din = undefined;
    this.firmware = undefined;
    this.config = undefined;
    this.transport.reset();
  }

  rateLimitedUntilMs(): number | undefined { return this.transport.rateLimitedUntilMs; }
  requestsSent(): number { return this.transport.sent; }
  close(): void { this.transport.close(); }

  private async readDin(signal: AbortSignal): Promise<string> {
    if (this.din) return this.din;
    const res = await this.transport.request("GET", "/tedapi/din", { headers: { authorization: this.authorization }, signal });
    if (res.status === 403 || res.status === 401) {
      throw new GatewayError("GRIDBOX_SOURCE_AUTH", `GET /tedapi/din: HTTP ${res.status} (gateway password refused, or gridbox is not on the gateway's Wi-Fi AP)`, { httpStatus: res.status });
    }
    if (res.status !== 200) throw statusError(res, "GET /tedapi/din");
    const din = res.body.toString("utf8").trim();
    // e.g. 1232100-00-E--TG123456789012: letters, digits and dashes only (an HTML page is not a DIN)
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{5,63}$/.test(din)) throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", "GET /tedapi/din: not a DIN", { retryable: true });
    this.din = din;
    return din;
  }

  private async readConfig(din: string, signal: AbortSignal): Promise<GatewayConfig> {
    const now = this.opts.clock.nowMs();
    if (this.config && now - this.config.readMs < this.opts.configRefreshMs) return this.config.value;
    const res = await this.post(requestTo(din, { config: { send: { domain: CONFIG_DOMAIN_JSON, name: "config.json" } } }), signal);
    const blob = res.message?.config?.recv?.file?.blob;
    if (!blob) throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", "config.json: empty answer", { retryable: true });
    this.config = { value: parseConfigJson(parseJsonText(Buffer.from(blob).toString("utf8"), "config.json")), readMs: now };
    return this.config.value;
  }

  private async readFirmware(din: string, signal: AbortSignal): Promise<string | undefined> {
    const res = await this.post(requestTo(din, { firmware: { request: "" } }), signal);
    return res.message?.firmware?.system?.version?.text?.split(" ")[0];
  }

  private async query(name: QueryName, din: string, signal: AbortSignal): Promise<unknown> {
    const q = this.opts.queries.get(name);
    if (!q) throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", `no "${name}" query in the TEDAPI query file`, { retryable: false });
    const res = await this.post(requestTo(din, {
      payload: { send: { format: QUERY_FORMAT_SIGNED, payload: { version: q.version, query: q.text }, signature: q.signature, variables: { value: q.variablesJson } } },
    }), signal);
    const recv = res.message?.payload?.recv;
    if (!recv) throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", `${name} query: no query response in the envelope`, { retryable: true });
    // status 2 = partial error: the data that came back is still good (missing parts stay undefined)
    if (recv.status === QUERY_STATUS_PARTIAL && recv.data) {
      this.opts.log.debug(() => `${name} query partly failed: ${(recv.errors ?? []).map((e) => `${e.path ?? ""} ${e.message ?? ""}`).join("; ")}`);
    } else if (!recv.status && recv.data) {
      // some gateways leave the status unset (0 on the wire) and still send the data: use it, as pypowerwall does
      this.opts.log.debug(() => `${name} query: status unset, using the ${recv.data?.length ?? 0}-character payload`);
    } else if (recv.status !== QUERY_STATUS_SUCCESS || !recv.data) {
      const why = (recv.errors ?? []).map((e) => e.message).filter(Boolean).join("; ") || `status ${recv.status ?? 0}`;
      // a refused signature means Tesla no longer accepts this query text: an access problem, not a glitch
      throw new GatewayError("GRIDBOX_SOURCE_AUTH", `${name} query refused by the gateway: ${why} (query file out of date?)`, { retryable: false });
    }
    return parseJsonText(recv.data, `${name} query`);
  }

  private async post(msg: TedapiMessage, signal: AbortSignal): Promise<TedapiMessage> {
    const res = await this.transport.request("POST", "/tedapi/v1", {
      headers: { authorization: this.authorization, "content-type": "application/octet-string" }, body: encodeMessage(msg), signal,
    });
    if (res.status === 403 || res.status === 401) {
      throw new GatewayError("GRIDBOX_SOURCE_AUTH", `POST /tedapi/v1: HTTP ${res.status} (gateway password refused)`, { httpStatus: res.status });
    }
    if (res.status !== 200) throw statusError(res, "POST /tedapi/v1");
    try {
      return decodeMessage(res.body);
    } catch (err) {
      throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", `POST /tedapi/v1: not a TEDAPI protobuf message (${res.body.length} bytes)`, { cause: err, retryable: true });
    }
  }
}

function parseJsonText(text: string, what: string): unknown {
  try { return JSON.parse(text); } catch (err) {
    throw new GatewayError("GRIDBOX_SOURCE_BAD_RESPONSE", `${what}: malformed JSON`, { cause: err, retryable: true });
  }
}
