import { messageText } from "../items";
import type { Json } from "../shapes";
import type { ModelMessage } from "./types";

const roles = new Set(["user", "assistant", "system", "developer"]);

/** Conversation items → chat messages. Items that are not messages (tool calls, approvals) carry no text a model reads here. */
export function toModelMessages(items: Json[]): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const item of items) {
    const text = messageText(item);
    const role = String(item.role);
    if (text === null || !roles.has(role)) continue;
    out.push({ role: role as ModelMessage["role"], text });
  }
  return out;
}
