import { randomBytes, randomUUID } from "node:crypto";

/** Opaque ids in Foundry's style (`conv_…`, `resp_…`, `msg_…`). */
export function prefixedId(prefix: string, bytes = 24): string {
  return `${prefix}_${randomBytes(bytes).toString("hex")}`;
}

export function uuid(): string {
  return randomUUID();
}
