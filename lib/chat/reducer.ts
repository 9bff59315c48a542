/**
 * ChatEvents → what the conversation looks like. Pure and shared: the browser folds the live
 * stream with it, the server rebuilds a conversation from its event log with it.
 * Idempotent by `seq`: replaying events already applied (a reconnect) changes nothing.
 */
import type { ChatEvent, ChatEventData, Citation } from "./events";

type ToolKind = ChatEventData<"tool.call.started">["kind"];

export type TurnStatus =
  "running" | "awaiting_approval" | "awaiting_consent" | "completed" | "failed" | "cancelled";

export interface TextBlock {
  type: "text";
  itemId: string;
  text: string;
  /** False while deltas are still arriving. */
  done: boolean;
  /** The sources `[n]` in `text` refer to (from `text.done`); absent when it cites nothing. */
  citations?: Citation[];
}

export interface ToolCallBlock {
  type: "tool_call";
  callId: string;
  kind: ToolKind;
  name: string;
  serverLabel?: string;
  arguments?: string;
  output?: string;
  error?: string;
  status: "running" | "completed" | "failed" | "cancelled";
  /** Absent when only the outcome was seen (a non-streaming answer). */
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
}

export interface ToolsListedBlock {
  type: "tools_listed";
  serverLabel: string;
  tools: ChatEventData<"tools.listed">["tools"];
}

export interface ApprovalBlock {
  type: "approval";
  approvalRequestId: string;
  approvalId?: string;
  name: string;
  serverLabel: string;
  arguments: string;
  risk?: "read" | "write" | "privileged";
  /** `expired`: the run ended before anyone decided. */
  status: "pending" | "approved" | "rejected" | "expired";
  reason?: string;
  decidedBy?: string;
  requestedAt: string;
  decidedAt?: string;
}

export interface ConsentBlock {
  type: "consent";
  consentId: string;
  serverLabel?: string;
  link: string;
  status: "pending" | "completed" | "expired";
  requestedAt: string;
  completedAt?: string;
}

export type Block = TextBlock | ToolCallBlock | ToolsListedBlock | ApprovalBlock | ConsentBlock;

/** One run: the user's message and everything the agent did to answer it. */
export interface Turn {
  runId: string;
  userText?: string;
  /** Null when the log was read from after this run's start. */
  agent: ChatEventData<"run.started">["agent"] | null;
  status: TurnStatus;
  startedAt: string;
  endedAt?: string;
  blocks: Block[];
  error?: { code: string; message: string; retriable: boolean };
  responseId?: string;
  usage?: ChatEventData<"run.completed">["usage"];
  cancelReason?: string;
}

export interface ConversationView {
  lastSeq: number;
  turns: Turn[];
}

export function emptyView(): ConversationView {
  return { lastSeq: 0, turns: [] };
}

export function reduceAll(events: ChatEvent[]): ConversationView {
  return events.reduce(reduce, emptyView());
}

export function reduce(view: ConversationView, event: ChatEvent): ConversationView {
  if (event.seq <= view.lastSeq) return view;
  const index = view.turns.findLastIndex((t) => t.runId === event.runId);
  const turn = applyToTurn(index >= 0 ? view.turns[index]! : newTurn(event), event);
  const turns = index >= 0 ? view.turns.with(index, turn) : [...view.turns, turn];
  return { lastSeq: event.seq, turns };
}

/**
 * The user pressed Stop: the run shows as stopped at `at`, with what it had written so far (the
 * browser's own view; the server's `run.cancelled` follows). A run that already ended is kept.
 */
export function stopTurn(view: ConversationView, runId: string, at: string): ConversationView {
  const index = view.turns.findLastIndex((t) => t.runId === runId);
  const turn = view.turns[index];
  if (!turn || TERMINAL.has(turn.status)) return view;
  return { ...view, turns: view.turns.with(index, finish({ ...turn, status: "cancelled" }, at)) };
}

function newTurn(event: ChatEvent): Turn {
  return { runId: event.runId, agent: null, status: "running", startedAt: event.at, blocks: [] };
}

const TERMINAL: ReadonlySet<TurnStatus> = new Set(["completed", "failed", "cancelled"]);

function applyToTurn(turn: Turn, event: ChatEvent): Turn {
  const next = applyEvent(turn, event);
  // Waiting states follow from the blocks, so any order of request/decision events agrees.
  return TERMINAL.has(next.status) ? next : { ...next, status: openStatus(next.blocks) };
}

function openStatus(blocks: Block[]): TurnStatus {
  if (blocks.some((b) => b.type === "consent" && b.status === "pending")) return "awaiting_consent";
  if (blocks.some((b) => b.type === "approval" && b.status === "pending"))
    return "awaiting_approval";
  return "running";
}

function applyEvent(turn: Turn, event: ChatEvent): Turn {
  switch (event.type) {
    case "run.started":
      return {
        ...turn,
        agent: event.data.agent,
        // A hidden input (the app's own retry) is no user message.
        userText: event.data.hidden ? undefined : event.data.input,
        startedAt: event.at,
      };
    case "text.delta":
      return upsertText(turn, event.data.itemId, (b) => ({
        ...b,
        text: b.text + event.data.delta,
        done: false,
      }));
    case "text.done":
      return upsertText(turn, event.data.itemId, (b) => textDone(b, event.data));
    case "tools.listed":
      return toolsListed(turn, event.data);
    case "tool.call.started":
      return upsertTool(turn, event.data.callId, (b) => ({
        ...b,
        ...event.data,
        startedAt: b.startedAt ?? event.at,
      }));
    case "tool.call.completed":
      return upsertTool(turn, event.data.callId, (b) =>
        ended({ ...b, ...event.data, status: "completed" }, event.at),
      );
    case "tool.call.failed":
      return upsertTool(turn, event.data.callId, (b) =>
        ended({ ...b, ...event.data, status: "failed" }, event.at),
      );
    case "approval.requested":
      return approvalRequested(turn, event.data, event.at);
    case "approval.decided":
      return approvalDecided(turn, event.data, event.at);
    case "consent.requested":
      return consentRequested(turn, event.data, event.at);
    case "consent.completed":
      return updateBlocks(turn, isConsent(event.data.consentId), (b) => ({
        ...b,
        status: "completed",
        completedAt: event.at,
      }));
    case "run.completed":
      return finish({ ...turn, status: "completed", ...compact(event.data) }, event.at);
    case "run.failed":
      return finish({ ...turn, status: "failed", error: event.data }, event.at);
    case "run.cancelled":
      return finish(
        {
          ...turn,
          status: "cancelled",
          ...(event.data.reason ? { cancelReason: event.data.reason } : {}),
        },
        event.at,
      );
    default:
      return turn;
  }
}

function compact<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function updateBlocks<B extends Block>(
  turn: Turn,
  match: (b: Block) => b is B,
  update: (b: B) => B,
): Turn {
  return { ...turn, blocks: turn.blocks.map((b) => (match(b) ? update(b) : b)) };
}

/** Updates the block `match` finds, or appends `update(created)`. */
function upsert<B extends Block>(
  turn: Turn,
  match: (b: Block) => b is B,
  created: B,
  update: (b: B) => B,
): Turn {
  const index = turn.blocks.findIndex(match);
  if (index < 0) return { ...turn, blocks: [...turn.blocks, update(created)] };
  return { ...turn, blocks: turn.blocks.with(index, update(turn.blocks[index] as B)) };
}

const isText =
  (itemId: string) =>
  (b: Block): b is TextBlock =>
    b.type === "text" && b.itemId === itemId;
const isTool =
  (callId: string) =>
  (b: Block): b is ToolCallBlock =>
    b.type === "tool_call" && b.callId === callId;
const isApproval =
  (id: string) =>
  (b: Block): b is ApprovalBlock =>
    b.type === "approval" && b.approvalRequestId === id;
const isConsent =
  (id: string) =>
  (b: Block): b is ConsentBlock =>
    b.type === "consent" && b.consentId === id;

function upsertText(turn: Turn, itemId: string, update: (b: TextBlock) => TextBlock): Turn {
  return upsert(turn, isText(itemId), { type: "text", itemId, text: "", done: false }, update);
}

/** `text.done` is authoritative: its text and its citations replace what streamed. */
function textDone(block: TextBlock, data: ChatEventData<"text.done">): TextBlock {
  const { citations: _previous, ...rest } = block;
  void _previous;
  return {
    ...rest,
    text: data.text,
    done: true,
    ...(data.citations && data.citations.length > 0 ? { citations: data.citations } : {}),
  };
}

function upsertTool(turn: Turn, callId: string, update: (b: ToolCallBlock) => ToolCallBlock): Turn {
  const created: ToolCallBlock = {
    type: "tool_call",
    callId,
    kind: "other",
    name: "",
    status: "running",
  };
  return upsert(turn, isTool(callId), created, update);
}

function ended(block: ToolCallBlock, at: string): ToolCallBlock {
  const durationMs = block.startedAt
    ? Math.max(0, Date.parse(at) - Date.parse(block.startedAt))
    : undefined;
  return {
    ...block,
    endedAt: at,
    ...(durationMs !== undefined && !Number.isNaN(durationMs) ? { durationMs } : {}),
  };
}

/** A response lists its server's tools again after each approval: keep the latest list. */
function toolsListed(turn: Turn, data: ChatEventData<"tools.listed">): Turn {
  const match = (b: Block): b is ToolsListedBlock =>
    b.type === "tools_listed" && b.serverLabel === data.serverLabel;
  return upsert(turn, match, { type: "tools_listed", ...data }, (b) => ({
    ...b,
    tools: data.tools,
  }));
}

function approvalRequested(
  turn: Turn,
  data: ChatEventData<"approval.requested">,
  at: string,
): Turn {
  const created: ApprovalBlock = { type: "approval", ...data, status: "pending", requestedAt: at };
  return upsert(turn, isApproval(data.approvalRequestId), created, (b) => ({
    ...b,
    ...compact(data),
  }));
}

function approvalDecided(turn: Turn, data: ChatEventData<"approval.decided">, at: string): Turn {
  return updateBlocks(turn, isApproval(data.approvalRequestId), (b) => ({
    ...b,
    ...compact({ reason: data.reason, decidedBy: data.decidedBy }),
    status: data.approve ? "approved" : "rejected",
    decidedAt: at,
  }));
}

function consentRequested(turn: Turn, data: ChatEventData<"consent.requested">, at: string): Turn {
  const created: ConsentBlock = { type: "consent", ...data, status: "pending", requestedAt: at };
  return upsert(turn, isConsent(data.consentId), created, (b) => ({ ...b, ...compact(data) }));
}

/** No spinner or open question outlives its run. */
function finish(turn: Turn, at: string): Turn {
  const blocks = turn.blocks.map((b): Block => {
    if (b.type === "tool_call" && b.status === "running")
      return ended(interruptedTool(b, turn.status), at);
    if ((b.type === "approval" || b.type === "consent") && b.status === "pending")
      return { ...b, status: "expired" };
    if (b.type === "text" && !b.done) return { ...b, done: true };
    return b;
  });
  return { ...turn, blocks, endedAt: at };
}

function interruptedTool(block: ToolCallBlock, runStatus: TurnStatus): ToolCallBlock {
  if (runStatus === "cancelled") return { ...block, status: "cancelled" };
  if (runStatus === "completed") return { ...block, status: "completed" };
  return {
    ...block,
    status: "failed",
    error: block.error ?? "The run ended before this tool call finished.",
  };
}
