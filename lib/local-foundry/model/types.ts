/**
 * The one interface every local model implements: given the conversation so far, stream the
 * answer as text chunks. Failures are `LocalModelError`s, which the service turns into Foundry's
 * `error` frame followed by `response.failed`.
 */
export interface ModelMessage {
  role: "user" | "assistant" | "system" | "developer";
  text: string;
}

export interface ModelInput {
  /** The agent's instructions (its system prompt). */
  instructions: string | null;
  /** History in order, ending with this turn's input. */
  messages: ModelMessage[];
}

export interface LocalModel {
  stream(input: ModelInput, signal: AbortSignal): AsyncIterable<string>;
}

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
