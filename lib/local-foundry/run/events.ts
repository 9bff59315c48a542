import { randomBytes } from "node:crypto";
import { outputTextPart, type Json } from "../shapes";

/**
 * Builders for the stream events of one response, field for field as Foundry sends them.
 * `sequence_number` is stamped by the emitter, in the order events leave.
 */
export const events = {
  created: (response: Json) => ({ type: "response.created", response }),
  inProgress: (response: Json) => ({ type: "response.in_progress", response }),
  itemAdded: (item: Json, outputIndex: number) => ({
    type: "response.output_item.added",
    item,
    output_index: outputIndex,
  }),
  partAdded: (itemId: string, outputIndex: number) => ({
    type: "response.content_part.added",
    content_index: 0,
    item_id: itemId,
    output_index: outputIndex,
    part: outputTextPart(""),
  }),
  textDelta: (itemId: string, outputIndex: number, delta: string) => ({
    type: "response.output_text.delta",
    content_index: 0,
    delta,
    item_id: itemId,
    logprobs: [],
    obfuscation: obfuscation(delta),
    output_index: outputIndex,
  }),
  textDone: (itemId: string, outputIndex: number, text: string) => ({
    type: "response.output_text.done",
    content_index: 0,
    item_id: itemId,
    logprobs: [],
    output_index: outputIndex,
    text,
  }),
  partDone: (itemId: string, outputIndex: number, text: string, annotations: Json[] = []) => ({
    type: "response.content_part.done",
    content_index: 0,
    item_id: itemId,
    output_index: outputIndex,
    part: outputTextPart(text, annotations),
  }),
  /** `response.mcp_list_tools.*` and `response.mcp_call.*`: type, output_index, item_id only. */
  mcp: (
    type:
      | "mcp_list_tools.in_progress"
      | "mcp_list_tools.completed"
      | "mcp_list_tools.failed"
      | "mcp_call.in_progress"
      | "mcp_call.completed"
      | "mcp_call.failed",
    itemId: string,
    outputIndex: number,
  ) => ({ type: `response.${type}`, output_index: outputIndex, item_id: itemId }),
  /** Arguments are not really streamed: one delta with the whole JSON text, as in every recording. */
  mcpArgumentsDelta: (itemId: string, outputIndex: number, delta: string) => ({
    type: "response.mcp_call_arguments.delta",
    output_index: outputIndex,
    item_id: itemId,
    delta,
    obfuscation: obfuscation(delta),
  }),
  mcpArgumentsDone: (itemId: string, outputIndex: number, args: string) => ({
    type: "response.mcp_call_arguments.done",
    output_index: outputIndex,
    item_id: itemId,
    arguments: args,
  }),
  itemDone: (item: Json, outputIndex: number) => ({
    type: "response.output_item.done",
    item,
    output_index: outputIndex,
  }),
  completed: (response: Json) => ({ type: "response.completed", response }),
  failed: (response: Json) => ({ type: "response.failed", response }),
  /** Terminal event of a cancelled response (the SDK's event union has no `response.cancelled`). */
  incomplete: (response: Json) => ({ type: "response.incomplete", response }),
  error: (e: { type: string; code: string; message: string }) => ({
    type: "error",
    error: { type: e.type, code: e.code, message: e.message, param: null },
  }),
};

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random padding that evens out delta sizes on the wire, as the service does (16 characters together). */
function obfuscation(delta: string): string {
  const n = Math.max(2, 16 - delta.length);
  return Array.from(randomBytes(n), (b) => ALPHABET[b % ALPHABET.length]).join("");
}

/** One SSE frame: `event:` line, `data:` line, blank line. Never a `[DONE]` sentinel. */
export function sseFrame(event: Json): string {
  return `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`;
}
