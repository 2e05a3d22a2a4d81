/**
 * CRC-16/MODBUS (reflected poly 0x8005 = 0xA001, init 0xFFFF, no final xor), the checksum of
 * every HM frame's payload. Check value: "123456789" -> 0x4B37.
 */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

export function crc16Modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) crc = (crc >>> 8) ^ (TABLE[(crc ^ b) & 0xff] as number);
  return crc;
}
