import { Type, type Static } from "@sinclair/typebox";
import { durationMs, hostAddress, port, secret, section } from "../../../config/schema-helpers.ts";

/** Settings of the OCPP 1.6J central system driver (`wallbox.driver: ocpp`, under `wallbox.ocpp`). */
export const ocppSection = section({
  host: hostAddress("0.0.0.0", "address the OCPP central system listens on"),
  port: port(8887, "OCPP WebSocket port (charge points connect to ws://<host>:<port>/<identity>)"),
  charge_point_id: Type.String({ default: "", description: "identity of the charge point to accept (empty: the first one that connects)" }),
  password: Type.Optional(secret("Basic-auth password of the charge point (security profile 1); unset: no password")),
  connector_id: Type.Integer({ minimum: 1, default: 1, description: "connector the controller drives" }),
  id_tags: Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { default: [], description: "RFID tags allowed by Authorize; empty: free mode (every tag accepted)" }),
  remote_id_tag: Type.String({ minLength: 1, maxLength: 20, default: "gridbox", description: "idTag used for RemoteStartTransaction" }),
  remote_start_grace_ms: durationMs(5_000, "a car plugged in while charging is allowed: time the box gets to start on its own before RemoteStartTransaction"),
  heartbeat_interval_s: Type.Integer({ minimum: 10, default: 300, description: "heartbeat interval told to the charge point" }),
  call_timeout_ms: durationMs(10_000, "timeout of each call to the charge point"),
}, "OCPP 1.6J central system");

export type OcppConfig = Static<typeof ocppSection>;
