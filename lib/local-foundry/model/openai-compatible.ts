import OpenAI from "openai";
import type {
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";
import {
  LocalModelError,
  type LocalModel,
  type ModelChunk,
  type ModelInput,
  type ToolRecord,
} from "./types";

export interface OpenAICompatibleOptions {
  baseUrl: string;
  apiKey?: string;
  /** The model (deployment) name the endpoint serves; every agent uses it. */
  model: string;
}

/**
 * Any OpenAI-compatible chat-completions endpoint (Ollama, LM Studio, vLLM, Azure OpenAI's
 * /openai/v1, OpenAI): the agent's instructions become the system message, the conversation the
 * rest, and the streamed deltas our chunks. Listed MCP tools are offered as functions; the
 * model's `tool_calls` become tool-call chunks, and earlier calls go back as `tool` messages.
 */
export class OpenAICompatibleModel implements LocalModel {
  private readonly client: OpenAI;

  constructor(private readonly opts: OpenAICompatibleOptions) {
    // Local servers often need no key, but the client insists on one.
    this.client = new OpenAI({
      baseURL: opts.baseUrl,
      apiKey: opts.apiKey ?? "not-needed",
      maxRetries: 1,
    });
  }

  async *stream(input: ModelInput, signal: AbortSignal): AsyncIterable<ModelChunk> {
    const tools = toChatTools(input);
    const calls: { id: string; name: string; arguments: string }[] = [];
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: this.opts.model,
          messages: toChatMessages(input),
          stream: true,
          ...(tools.length > 0 ? { tools } : {}),
        },
        { signal },
      );
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta;
        if (delta?.content) yield delta.content;
        for (const t of delta?.tool_calls ?? []) {
          const call = (calls[t.index] ??= { id: "", name: "", arguments: "" });
          if (t.id) call.id = t.id;
          if (t.function?.name) call.name += t.function.name;
          if (t.function?.arguments) call.arguments += t.function.arguments;
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      throw toModelError(err);
    }
    for (const call of calls.filter(Boolean)) {
      const tool = input.tools?.find((t) => t.name === call.name);
      yield {
        type: "tool_call",
        serverLabel: tool?.serverLabel ?? "",
        name: call.name,
        arguments: call.arguments.trim() || "{}",
      };
    }
  }
}

/** Listed MCP tools as chat-completions functions (name = tool name, parameters = input schema). */
export function toChatTools(input: ModelInput): ChatCompletionTool[] {
  return (input.tools ?? []).map((t) => ({
    type: "function",
    function: { name: t.name, description: t.description, parameters: t.inputSchema },
  }));
}

export function toChatMessages(input: ModelInput): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = input.instructions
    ? [{ role: "system", content: input.instructions }]
    : [];
  for (const m of input.messages) {
    if (m.role !== "tool") {
      out.push({ role: m.role, content: m.text } as ChatCompletionMessageParam);
      continue;
    }
    out.push({
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: m.call.id,
          type: "function",
          function: { name: m.call.name, arguments: m.call.arguments },
        },
      ],
    });
    out.push({ role: "tool", tool_call_id: m.call.id, content: toolContent(m.call) });
  }
  // What the service could not do this turn (e.g. declined consent), for the model to explain.
  for (const notice of input.notices ?? []) out.push({ role: "system", content: notice });
  return out;
}

/** What the model reads as a call's result. */
function toolContent(call: ToolRecord): string {
  const o = call.outcome;
  if (o.status === "completed") return o.output;
  if (o.status === "failed") return `The tool call failed: ${o.error}`;
  if (o.status === "rejected")
    return `The user rejected this call; it was not made.${o.reason ? ` Reason: ${o.reason}` : ""}`;
  return "This call is waiting for the user's approval.";
}

function toModelError(err: unknown): LocalModelError {
  if (err instanceof OpenAI.APIError) {
    const clientSide = err.status !== undefined && err.status >= 400 && err.status < 500;
    return new LocalModelError(
      `The model endpoint answered ${err.status ?? "with an error"}: ${err.message}`,
      clientSide ? "invalid_request_error" : "server_error",
      clientSide ? "model_error" : "server_error",
    );
  }
  return new LocalModelError(
    "The model endpoint could not be reached.",
    "server_error",
    "server_error",
  );
}
