import type { ChatEventData, ChatEventDraft } from "@/lib/chat/events";
import { NO_CONSENT_LINKS, type ConsentLinkPolicy } from "./consent-links";

export type ToolKind = ChatEventData<"tool.call.started">["kind"];

/** What we know about a tool call between `tool.call.started` and its outcome. */
export interface ToolCallInfo {
  callId: string;
  kind: ToolKind;
  name: string;
  serverLabel?: string;
  arguments?: string;
  /** The item's `call_id` when it differs from its id (a separate `*_call_output` item refers to it). */
  upstreamCallId?: string;
  /** The item is done but its result comes as a separate output item. */
  awaitingOutput?: boolean;
}

/** An error reported by the agent service, kept until the response's terminal event. */
export interface UpstreamError {
  code: string;
  message: string;
}

/**
 * Text of one message item: done parts by content index (raw, as the service sent them), their
 * annotations by content index, and the last full text (and citations) emitted.
 */
export interface TextProgress {
  parts: readonly string[];
  annotations?: readonly (readonly unknown[])[];
  emitted: string;
  /** Citations of the last `text.done`, as JSON (to tell whether a later copy adds any). */
  emittedCitations?: string;
}

/**
 * Everything the normalizer remembers about one upstream response. Immutable: every step returns
 * a new state, so a RunDriver can keep, compare or discard states freely.
 */
export interface NormalizerState {
  /** The upstream response followed; a new `response.created` after the end starts afresh. */
  readonly responseId: string | null;
  /** Highest `sequence_number` seen; replayed frames at or below it are dropped. */
  readonly lastSequence: number;
  /** The response is over for us: a terminal ChatEvent was produced or the run is paused. */
  readonly ended: boolean;
  /** Set when the response ended waiting for the user; the RunDriver marks the run accordingly. */
  readonly awaiting: "approval" | "consent" | null;
  readonly pendingApprovalIds: readonly string[];
  readonly pendingConsentIds: readonly string[];
  /** Tool calls started but not finished, by call id, in start order. */
  readonly openToolCalls: Readonly<Record<string, ToolCallInfo>>;
  /** Items whose outcome was already emitted, so a later copy (terminal output) adds nothing. */
  readonly finishedItemIds: Readonly<Record<string, true>>;
  readonly text: Readonly<Record<string, TextProgress>>;
  /** Upstream `call_id` → our call id (the call item's id), for separate `*_call_output` items. */
  readonly callIds: Readonly<Record<string, string>>;
  /** Outputs that arrived before their call, by upstream `call_id`. */
  readonly earlyOutputs: Readonly<Record<string, ToolResult>>;
  /** Argument / input / code deltas by item id, so a failure mid-stream still shows them. */
  readonly argumentDeltas: Readonly<Record<string, string>>;
  /** An `event: error` frame: it precedes `response.failed`, which may lack its own error. */
  readonly errorFrame: UpstreamError | null;
  /** Which consent links may reach the browser (an input: the RunDriver sets it; kept across responses). */
  readonly consentLinks: ConsentLinkPolicy;
}

/** What the caller tells the normalizer up front. */
export interface NormalizerOptions {
  /** Allowed consent-link origins; without it every consent link is refused (fails closed). */
  consentLinks?: ConsentLinkPolicy;
}

/** The outcome a separate output item carries. */
export type ToolResult =
  { status: "completed"; output?: string } | { status: "failed"; error: string };

export interface Step {
  state: NormalizerState;
  events: ChatEventDraft[];
}

export function initialNormalizerState(options: NormalizerOptions = {}): NormalizerState {
  return {
    responseId: null,
    lastSequence: -1,
    ended: false,
    awaiting: null,
    pendingApprovalIds: [],
    pendingConsentIds: [],
    openToolCalls: {},
    finishedItemIds: {},
    text: {},
    callIds: {},
    earlyOutputs: {},
    argumentDeltas: {},
    errorFrame: null,
    consentLinks: options.consentLinks ?? NO_CONSENT_LINKS,
  };
}

export function unchanged(state: NormalizerState): Step {
  return { state, events: [] };
}

/** Runs steps in order, threading the state and concatenating their events. */
export function chain(
  state: NormalizerState,
  steps: ReadonlyArray<(s: NormalizerState) => Step>,
): Step {
  let current = state;
  const events: ChatEventDraft[] = [];
  for (const step of steps) {
    const result = step(current);
    current = result.state;
    events.push(...result.events);
  }
  return { state: current, events };
}

export function markFinished(state: NormalizerState, itemId: string): NormalizerState {
  return { ...state, finishedItemIds: { ...state.finishedItemIds, [itemId]: true } };
}

export function withoutOpenCall(state: NormalizerState, callId: string): NormalizerState {
  const { [callId]: _closed, ...rest } = state.openToolCalls;
  void _closed;
  return { ...state, openToolCalls: rest };
}
