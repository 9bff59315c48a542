import { prefixedId } from "@/lib/ids";
import { logger } from "@/lib/log";
import type { Json } from "../shapes";
import { describeFailure, type ListedTool, type McpGateway } from "../tools/client";
import { isAllowed, type McpTool } from "../tools/definition";
import { events } from "./events";
import { approvalRequestItem, listToolsItem, mcpCallItem, oauthConsentItem } from "./mcp-items";
import type { Output } from "./output";

/**
 * Lists one server's tools as an `mcp_list_tools` item (added with no tools → in_progress →
 * completed → done with the tools `allowed_tools` permits). A listing that fails is reported on
 * the item (`error`, `mcp_list_tools.failed`) and the model answers without that server's tools.
 */
export async function listServerTools(
  out: Output,
  tool: McpTool,
  gateway: McpGateway,
  signal: AbortSignal,
  /** The server may not be used (e.g. the user declined consent): fail the listing with this. */
  refusal?: string,
): Promise<ListedTool[]> {
  const origin = originOf(out);
  const id = prefixedId("mcpl");
  const index = out.add(listToolsItem(origin, { id, serverLabel: tool.server_label, tools: [] }));
  out.send(events.mcp("mcp_list_tools.in_progress", id, index));
  let tools: ListedTool[] = [];
  let error: string | undefined = refusal;
  try {
    if (refusal === undefined)
      tools = (await gateway.listTools(tool, signal)).filter((t) => isAllowed(tool, t.name));
  } catch (err) {
    if (signal.aborted) throw err;
    logger().warn({ err, serverLabel: tool.server_label }, "MCP tools/list failed");
    error = describeFailure(err);
  }
  out.send(events.mcp(error ? "mcp_list_tools.failed" : "mcp_list_tools.completed", id, index));
  out.done(listToolsItem(origin, { id, serverLabel: tool.server_label, tools, error }), index);
  return tools;
}

/** Asks the user to consent (`oauth_consent_request`, added and done). */
export function requestConsent(
  out: Output,
  consent: { id: string; link: string; serverLabel: string },
): Json {
  const item = oauthConsentItem(originOf(out), consent);
  const index = out.add(item);
  out.done(item, index);
  return item;
}

export function requestApproval(
  out: Output,
  call: { serverLabel: string; name: string; arguments: string },
): Json {
  const item = approvalRequestItem(originOf(out), { id: prefixedId("mcpr"), ...call });
  const index = out.add(item);
  out.done(item, index);
  return item;
}

/**
 * Runs one call as an `mcp_call` item: added ("calling", no arguments) → in_progress → the whole
 * arguments in one delta → arguments done → the call → completed or failed → done with `output`
 * or `error`. The idempotency key is the approval request id (or the call's own id), so a retry
 * of the same approved call is never sent twice. `tool` undefined: the server is not (or no
 * longer) on the agent, and nothing is sent.
 */
export async function runMcpCall(
  out: Output,
  call: {
    tool: McpTool | undefined;
    serverLabel: string;
    name: string;
    arguments: string;
    approvalRequestId: string | null;
    refusal?: string;
  },
  gateway: McpGateway,
  signal: AbortSignal,
): Promise<Json> {
  const origin = originOf(out);
  const id = prefixedId("mcp");
  const base = {
    id,
    serverLabel: call.serverLabel,
    name: call.name,
    arguments: call.arguments,
    approvalRequestId: call.approvalRequestId,
  };
  const index = out.add(mcpCallItem(origin, { ...base, outcome: { status: "calling" } }));
  out.send(events.mcp("mcp_call.in_progress", id, index));
  out.send(events.mcpArgumentsDelta(id, index, call.arguments));
  out.send(events.mcpArgumentsDone(id, index, call.arguments));

  const args = parseArguments(call.arguments);
  const outcome =
    call.refusal !== undefined
      ? { ok: false as const, error: call.refusal }
      : !call.tool
        ? {
            ok: false as const,
            error: failure("unknown_server", `No MCP server '${call.serverLabel}' on this agent.`),
          }
        : !args
          ? {
              ok: false as const,
              error: failure("invalid_arguments", "The arguments are not a JSON object."),
            }
          : await gateway.callTool(
              call.tool,
              { name: call.name, arguments: args, idempotencyKey: call.approvalRequestId ?? id },
              signal,
            );
  out.send(events.mcp(outcome.ok ? "mcp_call.completed" : "mcp_call.failed", id, index));
  const item = mcpCallItem(origin, {
    ...base,
    outcome: outcome.ok
      ? { status: "completed", output: outcome.output }
      : { status: "failed", error: outcome.error },
  });
  out.done(item, index);
  return item;
}

export const failure = (code: string, message: string) => JSON.stringify({ code, message });

function parseArguments(text: string): Json | null {
  try {
    const v: unknown = JSON.parse(text || "{}");
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}

const originOf = (out: Output) => ({ agent: out.seed.agent, responseId: out.seed.id });
