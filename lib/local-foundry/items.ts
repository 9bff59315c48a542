import { prefixedId } from "@/lib/ids";
import type { InputItem } from "./schemas";
import type { Json } from "./shapes";

/**
 * Turns request input (a string, or items in any of the accepted spellings) into conversation
 * items as Foundry stores them: every item gets a fresh id, message content becomes typed parts.
 */
export function normalizeInput(input: string | InputItem[] | undefined): Json[] {
  if (input === undefined) return [];
  if (typeof input === "string")
    return [normalizeItem({ type: "message", role: "user", content: input })];
  return input.map(normalizeItem);
}

export function normalizeItem(item: InputItem): Json {
  const type = item.type ?? "message";
  if (type !== "message") return { ...item, type, id: prefixedId("item") };
  const role = item.role ?? "user";
  const partType = role === "assistant" ? "output_text" : "input_text";
  const content =
    typeof item.content === "string"
      ? [{ type: partType, text: item.content }]
      : (item.content ?? []);
  return { type: "message", id: prefixedId("msg"), role, content, status: "completed" };
}

/** The plain text of a message item (all its text parts), or null for other items. */
export function messageText(item: Json): string | null {
  if (item.type !== "message" || !Array.isArray(item.content)) return null;
  return (item.content as { text?: unknown }[])
    .map((p) => (typeof p.text === "string" ? p.text : ""))
    .join("");
}
