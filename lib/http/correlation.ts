import { randomBytes } from "node:crypto";
import { traceHeaders } from "@/lib/telemetry/tracing";

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The correlation id is the W3C trace id: taken from `traceparent` when valid, else new. */
export function correlationIdFrom(headers: Headers): string {
  const match = TRACEPARENT.exec(headers.get("traceparent")?.trim().toLowerCase() ?? "");
  if (match?.[1] && !/^0+$/.test(match[1])) return match[1];
  return randomBytes(16).toString("hex");
}

export function traceparentFor(correlationId: string): string {
  return `00-${correlationId}-${randomBytes(8).toString("hex")}-01`;
}

/**
 * The `traceparent` of a request made for `correlationId`: the active span's when it is of that
 * trace (tracing on: the callee's span becomes its child), else a new span id in the same trace.
 */
export function outgoingTraceparent(correlationId: string): string {
  const active = traceHeaders().traceparent;
  return active?.split("-")[1] === correlationId ? active : traceparentFor(correlationId);
}
