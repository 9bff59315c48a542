import { prefixedId } from "@/lib/ids";
import { logger } from "@/lib/log";
import { LocalModelError, type LocalModel, type ModelInput } from "../model/types";
import {
  assistantMessage,
  estimateUsage,
  responseJson,
  unixSeconds,
  type Json,
  type ResponseSeed,
  type ResponseState,
  type ResponseStatus,
} from "../shapes";
import { events } from "./events";

export interface RunSetup {
  seed: ResponseSeed;
  modelInput: ModelInput;
  model: LocalModel;
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

export type Send = (event: Json) => void;

/**
 * Drives one response: streams the model's chunks as Foundry's events through `send` and returns
 * the outcome with its terminal events held back. Aborting `signal` (client gone, or cancel)
 * stops the model and yields a `cancelled` outcome.
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

  const message = new MessageBuilder(setup.seed);
  let failure: RunResult["error"] = null;
  try {
    for await (const chunk of setup.model.stream(setup.modelInput, signal)) {
      if (signal.aborted) break;
      message.append(chunk, send);
    }
  } catch (err) {
    failure = signal.aborted ? null : toFailure(err);
  }

  const usage = estimateUsage(inputChars(setup.modelInput), message.text.length);
  if (signal.aborted) {
    Object.assign(state, { status: "cancelled", output: message.partial(), usage });
    return result(state, setup.seed, null, [events.incomplete(snapshot())]);
  }
  if (failure) {
    Object.assign(state, {
      status: "failed",
      output: message.partial(),
      usage,
      error: { code: failure.code, message: failure.message },
    });
    return result(state, setup.seed, failure, [events.error(failure), events.failed(snapshot())]);
  }
  message.finish(send);
  Object.assign(state, {
    status: "completed",
    output: [message.item("completed")],
    usage,
    completedAt: unixSeconds(Date.now()),
  });
  return result(state, setup.seed, null, [events.completed(snapshot())]);
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

/** The one assistant message of a response, announced on its first chunk. */
class MessageBuilder {
  readonly id = prefixedId("msg");
  text = "";
  private started = false;

  constructor(private readonly seed: ResponseSeed) {}

  item(status: "in_progress" | "completed" | "incomplete"): Json {
    const text = status === "in_progress" ? null : this.text;
    return assistantMessage({
      id: this.id,
      responseId: this.seed.id,
      agent: this.seed.agent,
      text,
      status,
    });
  }

  append(chunk: string, send: Send): void {
    this.start(send);
    this.text += chunk;
    send(events.textDelta(this.id, 0, chunk));
  }

  finish(send: Send): void {
    this.start(send);
    send(events.textDone(this.id, 0, this.text));
    send(events.partDone(this.id, 0, this.text));
    send(events.itemDone(this.item("completed"), 0));
  }

  /** What a failed or cancelled response shows of it: nothing, or the text so far. */
  partial(): Json[] {
    return this.started ? [this.item("incomplete")] : [];
  }

  private start(send: Send): void {
    if (this.started) return;
    this.started = true;
    send(events.itemAdded(this.item("in_progress"), 0));
    send(events.partAdded(this.id, 0));
  }
}

function toFailure(err: unknown): NonNullable<RunResult["error"]> {
  if (err instanceof LocalModelError)
    return { type: err.type, code: err.code, message: err.message };
  logger().error({ err }, "local model failed unexpectedly");
  return { type: "server_error", code: "server_error", message: "The model failed unexpectedly." };
}

function inputChars(input: ModelInput): number {
  return (input.instructions?.length ?? 0) + input.messages.reduce((n, m) => n + m.text.length, 0);
}
