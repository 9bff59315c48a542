import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { LocalModelError, type LocalModel, type ModelInput } from "./types";

export interface OpenAICompatibleOptions {
  baseUrl: string;
  apiKey?: string;
  /** The model (deployment) name the endpoint serves; every agent uses it. */
  model: string;
}

/**
 * Any OpenAI-compatible chat-completions endpoint (Ollama, LM Studio, vLLM, Azure OpenAI's
 * /openai/v1, OpenAI): the agent's instructions become the system message, the conversation the
 * rest, and the streamed deltas our chunks.
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

  async *stream(input: ModelInput, signal: AbortSignal): AsyncIterable<string> {
    try {
      const stream = await this.client.chat.completions.create(
        { model: this.opts.model, messages: toChatMessages(input), stream: true },
        { signal },
      );
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) yield delta;
      }
    } catch (err) {
      if (signal.aborted) return;
      throw toModelError(err);
    }
  }
}

export function toChatMessages(input: ModelInput): ChatCompletionMessageParam[] {
  const system: ChatCompletionMessageParam[] = input.instructions
    ? [{ role: "system", content: input.instructions }]
    : [];
  return [
    ...system,
    ...input.messages.map((m) => ({ role: m.role, content: m.text }) as ChatCompletionMessageParam),
  ];
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
