import { expect } from "vitest";
import {
  finishNormalizer,
  initialNormalizerState,
  normalizeStreamEvent,
  type NormalizerState,
} from "@/lib/agents/normalizer";
import { chatEventSchema, type ChatEventDraft } from "@/lib/chat/events";

/** Freezes deeply, so any mutation of a state the normalizer was given throws (ESM is strict). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export interface StreamRun {
  state: NormalizerState;
  events: ChatEventDraft[];
}

/** Feeds upstream events in order (threading frozen states); optionally finishes the stream. */
export function runStream(
  upstream: unknown[],
  options: { finish?: boolean; from?: NormalizerState } = {},
): StreamRun {
  let state = deepFreeze(options.from ?? initialNormalizerState());
  const events: ChatEventDraft[] = [];
  for (const event of upstream) {
    const result = normalizeStreamEvent(state, event);
    state = deepFreeze(result.state);
    events.push(...result.events);
  }
  if (options.finish) events.push(...finishNormalizer(state));
  expectValidDrafts(events);
  return { state, events };
}

/** Every draft must become a valid ChatEvent once the RunDriver stamps its envelope. */
export function expectValidDrafts(drafts: ChatEventDraft[]): void {
  drafts.forEach((d, i) => {
    const event = {
      ...d,
      seq: i + 1,
      conversationId: "c1",
      runId: "r1",
      at: new Date(0).toISOString(),
      correlationId: "x",
    };
    const parsed = chatEventSchema.safeParse(event);
    expect(parsed.success, `${d.type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
  });
}

export const typesOf = (events: ChatEventDraft[]) => events.map((e) => e.type);

export function dataOf<T extends ChatEventDraft["type"]>(events: ChatEventDraft[], type: T) {
  return events.filter((e) => e.type === type).map((e) => e.data) as Extract<
    ChatEventDraft,
    { type: T }
  >["data"][];
}

type Item = Record<string, unknown>;

/**
 * Replays a non-streaming Response as the stream that would have carried it: created, then per
 * item `output_item.added` (in progress, no result yet) and `output_item.done`, then the terminal.
 */
export function asStream(response: Item): Item[] {
  const output = (response.output as Item[]) ?? [];
  const events: Item[] = [
    { type: "response.created", response: { ...response, status: "in_progress", output: [] } },
  ];
  output.forEach((item, index) => {
    const { output: _result, ...pending } = item;
    void _result;
    events.push({
      type: "response.output_item.added",
      output_index: index,
      item: { ...pending, status: "in_progress" },
    });
    events.push({ type: "response.output_item.done", output_index: index, item });
  });
  events.push({ type: `response.${String(response.status)}`, response });
  return events.map((e, i) => ({ ...e, sequence_number: i }));
}
