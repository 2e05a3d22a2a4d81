import protobuf from "protobufjs";

/**
 * The protobuf messages gridbox exchanges with a DTU (reference §1.3, §1.4), written here from the
 * field tables. Hoymiles names messages from the DTU's side (the app sends `RealDataNewResDTO`);
 * we name them by direction instead: a *Request* goes to the DTU, an *Answer* comes back.
 * Fields we do not read (meter, repeater, rapid-shutdown records) are skipped by the decoder.
 * Kept as text in this file (not a .proto beside it) so the production bundle needs no extra file.
 */
const PROTO = `
syntax = "proto3";
package gridbox.hoymiles;

message RealDataRequest { bytes time_ymd_hms = 1; int32 cp = 2; int32 error_code = 3; int32 offset = 4; int32 time = 5; }

message InverterRecord {
  int64 serial_number = 1; int32 firmware_version = 2; int32 voltage = 3; int32 frequency = 4;
  int32 active_power = 5; int32 reactive_power = 6; int32 current = 7; int32 power_factor = 8;
  int32 temperature = 9; int32 warning_number = 10; int32 crc_checksum = 11; int32 link_status = 12;
  int32 power_limit = 13; int32 modulation_index_signal = 20;
}

message ThreePhaseInverterRecord {
  int64 serial_number = 1; int32 firmware_version = 2; int32 voltage_phase_A = 3; int32 voltage_phase_B = 4;
  int32 voltage_phase_C = 5; int32 frequency = 9; int32 active_power = 10; int32 temperature = 16;
  int32 warning_number = 17; int32 link_status = 19;
}

message PortRecord {
  int64 serial_number = 1; int32 port_number = 2; int32 voltage = 3; int32 current = 4; int32 power = 5;
  int32 energy_total = 6; int32 energy_daily = 7; int32 error_code = 8;
}

message RealDataAnswer {
  string device_serial_number = 1; int32 timestamp = 2; int32 ap = 3; int32 cp = 4; int32 firmware_version = 5;
  repeated InverterRecord sgs_data = 9; repeated ThreePhaseInverterRecord tgs_data = 10; repeated PortRecord pv_data = 11;
  uint64 dtu_power = 12; uint64 dtu_daily_energy = 13;
}

message AppInfoRequest { bytes time_ymd_hms = 1; int32 offset = 2; int32 current_package = 3; int32 error_code = 4; uint32 time = 5; }

message DtuInfo {
  int32 device_kind = 1; int32 dtu_sw_version = 2; int32 dtu_hw_version = 3; int32 signal_strength = 9;
  int32 dtu_error_code = 14; int64 dfs = 24; bytes enc_rand = 27;
}

message InverterInfo { int32 device_kind = 1; int64 pv_serial_number = 2; int32 pv_sw_version = 4; int32 pv_hw_version = 6; }

message AppInfoAnswer {
  string dtu_serial_number = 1; uint32 timestamp = 2; int32 device_number = 3; int32 pv_number = 4;
  DtuInfo dtu_info = 8; repeated InverterInfo pv_info = 11;
}
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const type = (name: string): protobuf.Type => root.lookupType(`gridbox.hoymiles.${name}`);

/** 64-bit integers come out as decimal strings (serials exceed 2^53 in general). */
export type Int64 = string;

export interface RealDataRequest { time_ymd_hms?: Uint8Array; cp?: number; error_code?: number; offset?: number; time?: number }
export interface InverterRecord {
  serial_number?: Int64; firmware_version?: number; voltage?: number; frequency?: number; active_power?: number;
  reactive_power?: number; current?: number; power_factor?: number; temperature?: number; warning_number?: number;
  crc_checksum?: number; link_status?: number; power_limit?: number; modulation_index_signal?: number;
}
export interface ThreePhaseInverterRecord {
  serial_number?: Int64; firmware_version?: number; voltage_phase_A?: number; voltage_phase_B?: number; voltage_phase_C?: number;
  frequency?: number; active_power?: number; temperature?: number; warning_number?: number; link_status?: number;
}
export interface PortRecord {
  serial_number?: Int64; port_number?: number; voltage?: number; current?: number; power?: number;
  energy_total?: number; energy_daily?: number; error_code?: number;
}
export interface RealDataAnswer {
  device_serial_number?: string; timestamp?: number; ap?: number; cp?: number; firmware_version?: number;
  sgs_data?: InverterRecord[]; tgs_data?: ThreePhaseInverterRecord[]; pv_data?: PortRecord[];
  dtu_power?: Int64; dtu_daily_energy?: Int64;
}
export interface AppInfoRequest { time_ymd_hms?: Uint8Array; offset?: number; current_package?: number; error_code?: number; time?: number }
export interface DtuInfo { device_kind?: number; dtu_sw_version?: number; dtu_hw_version?: number; signal_strength?: number; dtu_error_code?: number; dfs?: Int64; enc_rand?: Uint8Array }
export interface InverterInfo { device_kind?: number; pv_serial_number?: Int64; pv_sw_version?: number; pv_hw_version?: number }
export interface AppInfoAnswer { dtu_serial_number?: string; timestamp?: number; device_number?: number; pv_number?: number; dtu_info?: DtuInfo; pv_info?: InverterInfo[] }

interface Messages {
  RealDataRequest: RealDataRequest; RealDataAnswer: RealDataAnswer; AppInfoRequest: AppInfoRequest; AppInfoAnswer: AppInfoAnswer;
}

export function encodeMessage<K extends keyof Messages>(name: K, value: Messages[K]): Buffer {
  const t = type(name);
  // fromObject, not verify(): verify refuses int64 given as decimal strings, which is how we carry them
  return Buffer.from(t.encode(t.fromObject(value as Record<string, unknown>)).finish());
}

/** Decodes; throws on bytes that are not that message. Unknown fields are ignored (tolerant reader). */
export function decodeMessage<K extends keyof Messages>(name: K, bytes: Uint8Array): Messages[K] {
  const t = type(name);
  return t.toObject(t.decode(bytes), { longs: String, bytes: Buffer as unknown as typeof String, defaults: false, arrays: false }) as Messages[K];
}

/** The request fields the app puts in every request: local wall time as text, Unix seconds, and the fixed offset 28800. */
export const REQUEST_TIME_OFFSET_S = 28_800;
export function requestTime(nowMs: number): { time_ymd_hms: Uint8Array; time: number } {
  const d = new Date(nowMs);
  const p = (n: number): string => String(n).padStart(2, "0");
  const text = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return { time_ymd_hms: Buffer.from(text, "ascii"), time: Math.floor(nowMs / 1000) };
}

/** An int64 serial as Hoymiles prints it: lower-case hex (the printed serial's digits). */
export const serialHex = (n: Int64 | undefined): string => (n === undefined ? "0" : BigInt(n).toString(16));
export const serialFromHex = (hex: string): Int64 => BigInt(`0x${hex}`).toString();
