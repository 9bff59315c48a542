import type { Json } from "../shapes";

/**
 * The one interface every local model implements: given the conversation so far (messages and
 * tool calls with their outcomes) and the tools it may call, stream the answer as text chunks,
 * or ask for a tool call. Failures are `LocalModelError`s, which the service turns into Foundry's
 * `error` frame followed by `response.failed`.
 */
export interface TextMessage {
  role: "user" | "assistant" | "system" | "developer";
  text: string;
}

/** A tool call the conversation holds, with what became of it. */
export interface ToolRecord {
  /** The `mcp_call` id, or the `mcpr_` id of an approval request that has no call. */
  id: string;
  serverLabel: string;
  name: string;
  /** Complete JSON text. */
  arguments: string;
  outcome:
    | { status: "completed"; output: string }
    | { status: "failed"; error: string }
    | { status: "rejected"; reason: string | null }
    | { status: "awaiting_approval" };
}

export interface ToolMessage {
  role: "tool";
  call: ToolRecord;
}

export type ModelMessage = TextMessage | ToolMessage;

/** A tool the model may call (from the response's `mcp_list_tools`, filtered by `allowed_tools`). */
export interface ModelTool {
  serverLabel: string;
  name: string;
  description: string;
  inputSchema: Json;
}

export interface ModelInput {
  /** The agent's instructions (its system prompt). */
  instructions: string | null;
  /** History in order, ending with this turn's input (and this response's tool calls so far). */
  messages: ModelMessage[];
  /** Tools the model may call now; none when absent. */
  tools?: ModelTool[];
  /**
   * What the service could not do for this turn, in words for the model (e.g. a server whose
   * tools were not used because the user declined consent).
   */
  notices?: string[];
}

export interface ToolCallRequest {
  type: "tool_call";
  serverLabel: string;
  name: string;
  /** Complete JSON text of the arguments. */
  arguments: string;
}

/** A source the answer quotes; indexes count characters of this answer's text. */
export interface UrlCitation {
  type: "url_citation";
  url: string;
  title: string;
  start_index: number;
  end_index: number;
}

/** Text chunk, a tool call, or a citation for the text streamed so far. */
export type ModelChunk = string | ToolCallRequest | { type: "annotation"; annotation: UrlCitation };

export interface LocalModel {
  stream(input: ModelInput, signal: AbortSignal): AsyncIterable<ModelChunk>;
}

export const isTextMessage = (m: ModelMessage): m is TextMessage => m.role !== "tool";

export class LocalModelError extends Error {
  constructor(
    message: string,
    readonly type: "invalid_request_error" | "server_error",
    readonly code: string,
  ) {
    super(message);
    this.name = "LocalModelError";
  }
}
