import { randomBytes } from "node:crypto";
import qrcode from "qrcode-generator";
import { isDeviceId } from "../firmware-protocol/topics.ts";
import { hashPassword } from "../runtime/core/password-hash.ts";

/**
 * "Add an ESP32": gridbox makes the device's id and a random password, keeps only the scrypt hash,
 * and shows the owner once what to flash (broker address, port, id, password) as text and as a QR
 * code. The QR payload is one JSON line `{"v":1,"host":..,"port":..,"id":..,"password":..}` a
 * firmware's provisioning mode can scan; the SVG is made here (qrcode-generator), not by a CDN.
 */
export interface NewDevice { id: string; password: string; hash: string; host: string; port: number; qrSvg: string; payload: string }

export async function newDevice(taken: readonly string[], requested: unknown, host: string, port: number): Promise<NewDevice | { error: string }> {
  let id: string;
  if (typeof requested === "string" && requested.trim() !== "") {
    id = requested.trim();
    if (!isDeviceId(id)) return { error: `"${id}" is not a device id: use 1-64 letters, digits, - or _` };
    if (taken.includes(id)) return { error: `a device "${id}" exists already` };
  } else {
    do id = `gm-${randomBytes(3).toString("hex")}`; while (taken.includes(id));
  }
  const password = randomBytes(18).toString("base64url");
  const payload = JSON.stringify({ v: 1, host, port, id, password });
  const qr = qrcode(0, "M");
  qr.addData(payload, "Byte");
  qr.make();
  return { id, password, hash: await hashPassword(password), host, port, payload, qrSvg: qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true }) };
}
