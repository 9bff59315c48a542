import { logger } from "@/lib/log";
import { toModelMessages } from "../model/history";
import {
  LocalModelError,
  type LocalModel,
  type ModelInput,
  type ModelTool,
  type ToolCallRequest,
} from "../model/types";
import {
  estimateUsage,
  responseJson,
  unixSeconds,
  type Json,
  type ResponseSeed,
  type ResponseState,
  type ResponseStatus,
} from "../shapes";
import type { ServerAccess } from "../connections/access";
import type { ListedTool, McpGateway } from "../tools/client";
import { isAllowed, needsApproval, type McpTool } from "../tools/definition";
import { lastListing, type AnsweredApproval } from "./approvals";
import { events } from "./events";
import { Output, type Send } from "./output";
import {
  failure,
  listServerTools,
  requestApproval,
  requestConsent,
  runMcpCall,
} from "./tool-steps";

export type { Send } from "./output";

export interface RunSetup {
  seed: ResponseSeed;
  /** History followed by this turn's input items. */
  items: Json[];
  /** The agent's `mcp` tools. */
  mcpTools: McpTool[];
  /** Approval responses of this turn (already checked against the history). */
  approvals: AnsweredApproval[];
  /** List every server's tools (a turn with new input); false for an approval continuation. */
  listTools: boolean;
  model: LocalModel;
  gateway: McpGateway;
  /** Whether each tool's server may be used for the owner now (project connections, consent). */
  access: { check(tool: McpTool, history: Json[]): Promise<ServerAccess> };
}

export interface RunResult {
  status: ResponseStatus;
  /** The final Response object (as GET returns it). */
  response: Json;
  /** Output items, to append to the bound conversation. */
  output: Json[];
  error: { type: string; code: string; message: string } | null;
  /** Events to send only after the outcome is stored, so a client that saw them can rely on it. */
  terminal: Json[];
}

/** Model steps that may call tools in one response; one more step then answers without tools. */
export const MAX_TOOL_ITERATIONS = 5;

/**
 * Drives one response: lists MCP tools, runs approved calls, then lets the model answer or call
 * tools, streaming Foundry's events through `send`. Returns the outcome with its terminal events
 * held back. Aborting `signal` (client gone, or cancel) yields a `cancelled` outcome.
 */
export async function executeRun(
  setup: RunSetup,
  send: Send,
  signal: AbortSignal,
): Promise<RunResult> {
  const state: ResponseState = {
    status: "in_progress",
    output: [],
    error: null,
    completedAt: null,
    usage: null,
  };
  const snapshot = () => responseJson(setup.seed, state);
  send(events.created(snapshot()));
  send(events.inProgress(snapshot()));

  const out = new Output(setup.seed, send);
  const io = { inputChars: 0, outputChars: 0 };
  let failed: RunResult["error"] = null;
  try {
    await runTurn(setup, out, io, signal);
  } catch (err) {
    failed = signal.aborted ? null : toFailure(err);
  }

  const usage = estimateUsage(io.inputChars, io.outputChars);
  if (signal.aborted) {
    Object.assign(state, { status: "cancelled", output: out.partial(), usage });
    return result(state, setup.seed, null, [events.incomplete(snapshot())]);
  }
  if (failed) {
    Object.assign(state, {
      status: "failed",
      output: out.partial(),
      usage,
      error: { code: failed.code, message: failed.message },
    });
    return result(state, setup.seed, failed, [events.error(failed), events.failed(snapshot())]);
  }
  Object.assign(state, {
    status: "completed",
    output: out.items,
    usage,
    completedAt: unixSeconds(Date.now()),
  });
  return result(state, setup.seed, null, [events.completed(snapshot())]);
}

async function runTurn(
  setup: RunSetup,
  out: Output,
  io: { inputChars: number; outputChars: number },
  signal: AbortSignal,
): Promise<void> {
  const { gateway } = setup;
  const transcript = [...setup.items];
  const toolOf = (label: string) => setup.mcpTools.find((t) => t.server_label === label);

  const listed = new Map<string, ListedTool[]>();
  const notices: string[] = [];
  /** Servers that may not be used in this response, with the error their calls fail with. */
  const refused = new Map<string, string>();
  for (const tool of setup.mcpTools) {
    // Before a server is listed (or, on an approval continuation, before its calls run): may it
    // be used for this user? An OAuth connection without consent asks for it and ends the
    // response `completed`, as Foundry's prompt agents do.
    const access = await setup.access.check(tool, setup.items);
    if (signal.aborted) return;
    if (access.kind === "consent") {
      requestConsent(out, { id: access.id, link: access.link, serverLabel: tool.server_label });
      return;
    }
    const refusal = access.kind === "unavailable" ? access.error : undefined;
    if (refusal) refused.set(tool.server_label, refusal);
    if (access.kind === "unavailable")
      notices.push(`The tools of ${tool.server_label} could not be used: ${access.message}`);
    const earlier =
      setup.listTools || refusal ? undefined : lastListing(setup.items, tool.server_label);
    const tools = earlier ?? (await listServerTools(out, tool, gateway, signal, refusal));
    listed.set(
      tool.server_label,
      tools.filter((t) => isAllowed(tool, t.name)),
    );
    if (!earlier) transcript.push(out.items[out.items.length - 1]!);
  }

  for (const a of setup.approvals) {
    if (!a.approve) continue; // a rejected call is not made; the model reads the rejection
    const r = a.request;

    const item = await runMcpCall(
      out,
      {
        tool: toolOf(String(r.server_label)),
        serverLabel: String(r.server_label),
        name: String(r.name),
        arguments: String(r.arguments ?? "{}"),
        approvalRequestId: String(r.id),
        refusal: refused.get(String(r.server_label)),
      },
      gateway,
      signal,
    );
    transcript.push(item);
  }

  const offered = modelTools(listed);
  for (let step = 0; step <= MAX_TOOL_ITERATIONS; step++) {
    const input: ModelInput = {
      instructions: setup.seed.instructions,
      messages: toModelMessages(transcript),
      tools: step < MAX_TOOL_ITERATIONS ? offered : [],
      ...(notices.length > 0 ? { notices } : {}),
    };
    io.inputChars += inputChars(input);
    const message = out.message();
    const calls: ToolCallRequest[] = [];
    for await (const chunk of setup.model.stream(input, signal)) {
      if (signal.aborted) return;
      if (typeof chunk === "string") message.append(chunk);
      else if (chunk.type === "annotation") message.annotate(chunk.annotation);
      else calls.push(chunk);
    }
    if (signal.aborted) return;
    if (message.started || calls.length === 0) {
      transcript.push(message.finish());
      io.outputChars += message.text.length;
    } else out.closeMessage();
    if (calls.length === 0) return;

    let waiting = false;
    for (const call of calls) {
      const tool = toolOf(call.serverLabel);
      const known = offered.some((t) => t.serverLabel === call.serverLabel && t.name === call.name);
      if (tool && known && needsApproval(tool, call.name)) {
        transcript.push(requestApproval(out, call));
        waiting = true;
        continue;
      }
      const item = await runMcpCall(
        out,
        {
          ...call,
          tool,
          approvalRequestId: null,
          refusal: known ? undefined : failure("unknown_tool", `Unknown tool: ${call.name}`),
        },
        gateway,
        signal,
      );
      transcript.push(item);
    }
    // Like Foundry: a response that asks for approval ends `completed` with the request last.
    if (waiting) return;
  }
}

function modelTools(listed: Map<string, ListedTool[]>): ModelTool[] {
  return [...listed].flatMap(([serverLabel, tools]) =>
    tools.map((t) => ({
      serverLabel,
      name: t.name,
      description: t.description,
      inputSchema: t.input_schema,
    })),
  );
}

function result(
  state: ResponseState,
  seed: ResponseSeed,
  error: RunResult["error"],
  terminal: Json[],
): RunResult {
  return {
    status: state.status,
    response: responseJson(seed, state),
    output: state.output,
    error,
    terminal,
  };
}

function toFailure(err: unknown): NonNullable<RunResult["error"]> {
  if (err instanceof LocalModelError)
    return { type: err.type, code: err.code, message: err.message };
  logger().error({ err }, "local model failed unexpectedly");
  return { type: "server_error", code: "server_error", message: "The model failed unexpectedly." };
}

function inputChars(input: ModelInput): number {
  return (
    (input.instructions?.length ?? 0) +
    input.messages.reduce(
      (n, m) => n + (m.role === "tool" ? m.call.arguments.length + 50 : m.text.length),
      0,
    )
  );
}
