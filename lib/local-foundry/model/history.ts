import { messageText } from "../items";
import type { Json } from "../shapes";
import type { ModelMessage, ToolRecord } from "./types";

const roles = new Set(["user", "assistant", "system", "developer"]);

/**
 * Conversation items → what a model reads: messages as text, and every tool call with its
 * outcome. An `mcp_call` carries its output or error; an approval request that never became a
 * call is shown as rejected (with the reason) or as still awaiting approval. Listings and the
 * approval responses themselves carry nothing more for the model.
 */
export function toModelMessages(items: Json[]): ModelMessage[] {
  const answers = new Map<string, { approve: boolean; reason: string | null }>();
  const called = new Set<string>();
  for (const item of items) {
    if (item.type === "mcp_approval_response" && typeof item.approval_request_id === "string") {
      answers.set(item.approval_request_id, {
        approve: item.approve === true,
        reason: typeof item.reason === "string" && item.reason ? item.reason : null,
      });
    }
    if (item.type === "mcp_call" && typeof item.approval_request_id === "string")
      called.add(item.approval_request_id);
  }

  const out: ModelMessage[] = [];
  for (const item of items) {
    if (item.type === "mcp_call") {
      out.push({ role: "tool", call: callRecord(item) });
      continue;
    }
    if (item.type === "mcp_approval_request") {
      const id = String(item.id);
      if (called.has(id)) continue;
      const answer = answers.get(id);
      // Approved but not yet run: the service runs it in this very response.
      if (answer?.approve) continue;
      out.push({
        role: "tool",
        call: {
          ...basics(item),
          id,
          outcome: answer
            ? { status: "rejected", reason: answer.reason }
            : { status: "awaiting_approval" },
        },
      });
      continue;
    }
    const text = messageText(item);
    const role = String(item.role);
    if (text === null || !roles.has(role)) continue;
    out.push({ role: role as "user", text });
  }
  return out;
}

function basics(item: Json): Omit<ToolRecord, "id" | "outcome"> {
  return {
    serverLabel: String(item.server_label ?? ""),
    name: String(item.name ?? ""),
    arguments: typeof item.arguments === "string" ? item.arguments : "{}",
  };
}

function callRecord(item: Json): ToolRecord {
  const failed = item.status === "failed" || (item.error !== undefined && item.error !== null);
  return {
    ...basics(item),
    id: String(item.id),
    outcome: failed
      ? { status: "failed", error: errorText(item.error) }
      : { status: "completed", output: typeof item.output === "string" ? item.output : "" },
  };
}

function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  if (error && typeof error === "object") return JSON.stringify(error);
  return "The tool call failed.";
}
