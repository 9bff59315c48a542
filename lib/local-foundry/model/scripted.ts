import { setTimeout as sleep } from "node:timers/promises";
import { chunkText } from "./chunk";
import { scriptedReply } from "./scripted-replies";
import { LocalModelError, type LocalModel, type ModelChunk, type ModelInput } from "./types";

/** The default model: deterministic replies (see scripted-replies.ts), streamed a few words at a time. */
export class ScriptedModel implements LocalModel {
  constructor(private readonly opts: { pacingMs: number; wordsPerChunk?: number }) {}

  async *stream(input: ModelInput, signal: AbortSignal): AsyncIterable<ModelChunk> {
    const reply = scriptedReply(input);
    if (reply.kind === "tool_call") {
      yield reply.call;
      return;
    }
    const chunks = chunkText(reply.text, this.opts.wordsPerChunk ?? 3);
    for (const [i, chunk] of chunks.entries()) {
      if (i > 0 && !(await pause(this.opts.pacingMs, signal))) return;
      if (signal.aborted) return;
      yield chunk;
    }
    if (reply.kind === "text") {
      for (const annotation of reply.citations ?? []) yield { type: "annotation", annotation };
    }
    if (reply.kind === "error") {
      if (!(await pause(this.opts.pacingMs, signal))) return;
      throw new LocalModelError(reply.error.message, reply.error.type, reply.error.code);
    }
  }
}

/** Waits between chunks; false when the caller went away meanwhile. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return !signal.aborted;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
