import { draft, type ChatEventDraft } from "@/lib/chat/events";
import { describeToolError } from "./errors";
import { arr, asText, compact, isObj, nonEmpty, objects, str, type Obj } from "./read";
import type { ToolCallInfo, ToolKind, ToolResult } from "./state";

const KIND_BY_ITEM_TYPE: Readonly<Record<string, ToolKind>> = {
  mcp_call: "mcp",
  file_search_call: "file_search",
  openapi_call: "openapi",
  function_call: "function",
  web_search_call: "web_search",
  code_interpreter_call: "code_interpreter",
};

/** Item statuses that mean "still working" across the tool item types. */
const RUNNING = new Set([
  "in_progress",
  "searching",
  "interpreting",
  "calling",
  "generating",
  "queued",
]);

export type ToolOutcome =
  | { status: "running" }
  | { status: "completed"; output?: string }
  | { status: "failed"; error: string };

function kindOf(type: string): ToolKind | undefined {
  // Foundry adds its own `*_call` items (bing_grounding_call, azure_ai_search_call, …): show them too.
  return KIND_BY_ITEM_TYPE[type] ?? (type.endsWith("_call") ? "other" : undefined);
}

/**
 * The tool call an output item describes, or null for non-tool items. Call id = item id; the
 * item's `call_id` (function, openapi, custom tool, computer calls…) is what a separate
 * `*_call_output` item refers to.
 */
export function toolCallOf(item: Obj): ToolCallInfo | null {
  const type = str(item.type);
  const callId = nonEmpty(item.id);
  const kind = type ? kindOf(type) : undefined;
  if (!type || !callId || !kind) return null;
  const upstreamCallId = nonEmpty(item.call_id);
  return compact({
    callId,
    kind,
    name: nonEmpty(item.name) ?? type.replace(/_call$/, ""),
    serverLabel: nonEmpty(item.server_label),
    arguments: argumentsOf(item, kind),
    upstreamCallId: upstreamCallId && upstreamCallId !== callId ? upstreamCallId : undefined,
  });
}

/** What goes into a ChatEvent: the contract's fields only, never our bookkeeping. */
function publicInfo(info: ToolCallInfo) {
  return compact({
    callId: info.callId,
    kind: info.kind,
    name: info.name,
    serverLabel: info.serverLabel,
    arguments: info.arguments,
  });
}

/** A separate output item (`function_call_output`, `mcp_call_output`, `*_output` with a `call_id`). */
export function isOutputItem(item: Obj): boolean {
  const type = str(item.type);
  return Boolean(type && /_output$/.test(type) && nonEmpty(item.call_id));
}

/** The outcome a separate output item carries. */
export function outputItemResult(item: Obj): ToolResult {
  if (item.error !== undefined && item.error !== null && item.error !== "")
    return { status: "failed", error: describeToolError(item.error) };
  const status = str(item.status);
  const output = outputText(item.output);
  if (status === "failed") return { status: "failed", error: output ?? "The tool call failed." };
  if (status === "incomplete")
    return { status: "failed", error: output ?? "The tool call did not complete." };
  return compact({ status: "completed" as const, output });
}

/** `function_call_output.output` is a string or `[{type:"input_text", text}, …]`. */
function outputText(output: unknown): string | undefined {
  if (
    Array.isArray(output) &&
    output.length > 0 &&
    output.every((p) => isObj(p) && typeof p.text === "string")
  )
    return objects(output)
      .map((p) => str(p.text))
      .join("");
  return asText(output);
}

function argumentsOf(item: Obj, kind: ToolKind): string | undefined {
  if (kind === "file_search") {
    const queries = arr(item.queries).filter((q) => typeof q === "string");
    return queries.length > 0 ? JSON.stringify({ queries }) : undefined;
  }
  if (kind === "web_search") return isObj(item.action) ? asText(item.action) : undefined;
  if (kind === "code_interpreter") return nonEmpty(item.code);
  // custom tools send `input`; computer / shell calls an `action`; apply_patch an `operation`.
  for (const field of ["arguments", "input", "action", "operation"]) {
    const args = asText(item[field]);
    if (args) return args;
  }
  return undefined;
}

function outputOf(item: Obj, kind: ToolKind): string | undefined {
  if (kind === "file_search")
    return arr(item.results).length > 0 ? asText(item.results) : undefined;
  if (kind === "code_interpreter") return codeInterpreterOutput(item.outputs);
  return asText(item.output);
}

function codeInterpreterOutput(outputs: unknown): string | undefined {
  const parts = objects(outputs).map((o) => (o.type === "logs" ? str(o.logs) : asText(o)));
  const text = parts.filter(Boolean).join("\n");
  return text || undefined;
}

export function toolOutcomeOf(item: Obj, kind: ToolKind): ToolOutcome {
  if (item.error !== undefined && item.error !== null && item.error !== "") {
    return { status: "failed", error: describeToolError(item.error) };
  }
  const status = str(item.status);
  if (status === "failed") return { status: "failed", error: "The tool call failed." };
  if (status === "incomplete")
    return { status: "failed", error: "The tool call did not complete." };
  if (status && RUNNING.has(status)) return { status: "running" };
  return compact({ status: "completed" as const, output: outputOf(item, kind) });
}

/**
 * A call item that is done but carries no result of its own, while it has a `call_id`: its
 * result comes as a separate `*_call_output` item (or never, for a client-side function call).
 */
export function expectsSeparateOutput(item: Obj, kind: ToolKind): boolean {
  if (!nonEmpty(item.call_id)) return false;
  if (kind === "file_search" || kind === "web_search" || kind === "code_interpreter") return false;
  return item.output === undefined || item.output === null;
}

/** Later copies of an item (done, terminal output) know more: their fields win when present. */
export function mergeToolInfo(known: ToolCallInfo | undefined, latest: ToolCallInfo): ToolCallInfo {
  return known ? { ...known, ...latest } : latest;
}

export function startedDraft(info: ToolCallInfo): ChatEventDraft {
  return draft("tool.call.started", publicInfo(info));
}

export function completedDraft(info: ToolCallInfo, output: string | undefined): ChatEventDraft {
  return draft("tool.call.completed", compact({ ...publicInfo(info), output }));
}

export function failedDraft(info: ToolCallInfo, error: string): ChatEventDraft {
  return draft("tool.call.failed", { ...publicInfo(info), error });
}

export function resultDraft(info: ToolCallInfo, result: ToolResult): ChatEventDraft {
  return result.status === "completed"
    ? completedDraft(info, result.output)
    : failedDraft(info, result.error);
}
