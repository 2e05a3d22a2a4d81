import { basicAuth } from "../line-protocol-sink.ts";

/**
 * The Authorization header gridbox sends to VictoriaMetrics: a bearer token (vmauth), else HTTP
 * Basic when a user name or a password is set (-httpAuth.* may set only a password), else none.
 * One rule for the sink's writes and its Test button, so the Test checks what the writes will send.
 */
export function victoriametricsAuth(c: { bearer_token?: unknown; username?: unknown; password?: unknown }): Record<string, string> {
  const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
  const bearer = text(c.bearer_token);
  if (bearer) return { authorization: `Bearer ${bearer}` };
  const username = text(c.username), password = text(c.password);
  if (username !== undefined || password !== undefined) return { authorization: basicAuth(username, password) };
  return {};
}
