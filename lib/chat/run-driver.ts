import {
  draft,
  terminalEventTypes,
  type ChatEventDraft,
  type ChatEventType,
} from "@/lib/chat/events";
import {
  finishNormalizer,
  initialNormalizerState,
  normalizeStreamEvent,
  type NormalizerState,
} from "@/lib/agents/normalizer";
import { upstreamErrorOfThrown } from "@/lib/agents/normalizer/errors";
import { getBus, runControlChannel } from "@/lib/bus";
import type { RunStatus } from "@/lib/db/schema";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";
import {
  setUpstreamConversation,
  titleFromFirstMessage,
  type ConversationRow,
} from "./conversations";
import { appendEvents, type AppendContext } from "./event-log";
import { EventWriter } from "./event-writer";
import {
  createRun,
  finishRun,
  getActiveRun,
  listUnfinishedRuns,
  setRunUpstreamResponse,
  type RunRow,
} from "./runs";

/** What the RunDriver needs from the agent service (lib/agents/agent-service.ts provides it). */
export interface AgentRunner {
  createConversation(): Promise<string>;
  streamResponse(args: {
    conversationId: string;
    agent: { name: string; version?: string };
    input: string;
    signal?: AbortSignal;
    correlationId?: string;
  }): Promise<AsyncIterable<unknown>>;
}
export type AgentRunnerFactory = (principal: Principal) => AgentRunner | Promise<AgentRunner>;

type Holder = {
  factory?: AgentRunnerFactory;
  active: Map<string, { controller: AbortController; done: Promise<void> }>;
  controlSubscribed?: boolean;
};
const KEY = Symbol.for("foundry-agent-chat.run-driver");
function holder(): Holder {
  const g = globalThis as { [KEY]?: Holder };
  g[KEY] ??= { active: new Map() };
  return g[KEY];
}

export function setAgentRunnerFactory(factory: AgentRunnerFactory | undefined): void {
  holder().factory = factory;
}

async function runnerFor(principal: Principal): Promise<AgentRunner> {
  const h = holder();
  if (!h.factory) {
    const { agentRunnerFor } = await import("@/lib/agents/agent-service");
    h.factory = agentRunnerFor;
  }
  return h.factory(principal);
}

/**
 * Starts a run: records it, logs `run.started` with the user's text, then drives the upstream
 * stream in the background. The HTTP request returns at once (202); the answer reaches the
 * browser through the event log, so a reload or another replica loses nothing.
 */
export async function startRun(args: {
  principal: Principal;
  conversation: ConversationRow;
  text: string;
  correlationId: string;
}): Promise<RunRow> {
  const { principal, conversation, text, correlationId } = args;
  await ensureControlSubscription();
  const run = await createRun({
    conversationId: conversation.id,
    requestedBy: principal.userId,
    agentName: conversation.agentName,
    correlationId,
  });
  const ctx: AppendContext = { conversationId: conversation.id, runId: run.id, correlationId };
  const agent = {
    name: conversation.agentName,
    ...(conversation.agentVersion ? { version: conversation.agentVersion } : {}),
  };
  await appendEvents(ctx, [draft("run.started", { agent, input: text })]);

  // Upstream first: naming the conversation must not delay the first token.
  const controller = new AbortController();
  const done = drive({ principal, conversation, text, ctx, signal: controller.signal }).finally(
    () => {
      holder().active.delete(run.id);
    },
  );
  holder().active.set(run.id, { controller, done });
  await titleFromFirstMessage(conversation, text);
  return run;
}

async function drive(args: {
  principal: Principal;
  conversation: ConversationRow;
  text: string;
  ctx: AppendContext;
  signal: AbortSignal;
}): Promise<void> {
  const { principal, conversation, text, ctx, signal } = args;
  let state: NormalizerState = initialNormalizerState();
  let terminal: ChatEventType | undefined;
  const writer = new EventWriter(ctx);
  let recorded: Promise<void> = Promise.resolve();
  const emit = async (drafts: ChatEventDraft[]) => {
    for (const d of drafts) if (terminalEventTypes.has(d.type)) terminal ??= d.type;
    await writer.push(drafts);
  };
  try {
    const runner = await runnerFor(principal);
    let upstreamConversation = conversation.upstreamConversationId;
    if (!upstreamConversation) {
      upstreamConversation = await runner.createConversation();
      await setUpstreamConversation(conversation.id, upstreamConversation);
    }
    const stream = await runner.streamResponse({
      conversationId: upstreamConversation,
      agent: {
        name: conversation.agentName,
        ...(conversation.agentVersion ? { version: conversation.agentVersion } : {}),
      },
      input: text,
      signal,
      correlationId: ctx.correlationId,
    });
    for await (const event of stream) {
      const responseId = createdResponseId(event);
      // Bookkeeping off the token path; awaited before the run is closed.
      if (responseId) recorded = setRunUpstreamResponse(ctx.runId, responseId);
      const result = normalizeStreamEvent(state, event);
      state = result.state;
      if (!terminal) await emit(result.events);
    }
    // An aborted stream may simply end instead of throwing.
    if (!terminal && signal.aborted)
      await emit([draft("run.cancelled", { reason: "Stopped by the user." })]);
    else if (!terminal && !state.awaiting) await emit(finishNormalizer(state));
  } catch (err) {
    if (!terminal) {
      const ending = signal.aborted
        ? [draft("run.cancelled", { reason: "Stopped by the user." })]
        : failureDrafts(state, err, ctx);
      await emit(ending).catch(() => undefined);
    }
  } finally {
    await recorded.catch((err: unknown) =>
      logger().warn({ err, runId: ctx.runId }, "could not record the upstream response id"),
    );
    await writer
      .flush()
      .catch((err: unknown) =>
        logger().error({ err, runId: ctx.runId }, "could not record the run's events"),
      );
    await finishRun(ctx.runId, statusAfter(terminal, state)).catch((err: unknown) =>
      logger().error({ err, runId: ctx.runId }, "could not record the run's final status"),
    );
  }
}

function statusAfter(terminal: ChatEventType | undefined, state: NormalizerState): RunStatus {
  if (terminal === "run.completed") return "completed";
  if (terminal === "run.cancelled") return "cancelled";
  if (terminal === "run.failed") return "failed";
  if (state.awaiting === "approval") return "awaiting_approval";
  if (state.awaiting === "consent") return "awaiting_consent";
  return "failed";
}

function createdResponseId(event: unknown): string | undefined {
  const e = event as { type?: unknown; response?: { id?: unknown } };
  return e?.type === "response.created" && typeof e.response?.id === "string"
    ? e.response.id
    : undefined;
}

/**
 * The openai client throws on an `event: error` frame before we see `response.failed`; the
 * normalizer turns that error into the same events (in-progress tool calls fail, one run.failed).
 * Anything else means the agent service could not be reached.
 */
function failureDrafts(state: NormalizerState, err: unknown, ctx: AppendContext): ChatEventDraft[] {
  if (upstreamErrorOfThrown(err)) return finishNormalizer(state, err);
  logger().warn({ err, runId: ctx.runId, correlationId: ctx.correlationId }, "agent run failed");
  return [
    draft("run.failed", {
      code: "agent_unavailable",
      message: "The agent service could not be reached or stopped answering. Please try again.",
      retriable: true,
    }),
  ];
}

/**
 * Stop: aborts the upstream stream if this process drives the run; tells other replicas over the
 * bus; a run nobody drives any more (process restarted, or paused for approval) ends here.
 */
export async function cancelRun(
  conversationId: string,
  correlationId: string,
): Promise<RunRow | undefined> {
  const run = await getActiveRun(conversationId);
  if (!run) return undefined;
  const local = holder().active.get(run.id);
  if (local) {
    local.controller.abort();
    await local.done;
    return run;
  }
  const bus = getBus();
  if (run.status === "running" && bus.distributed) {
    // Another replica may be driving it: ask, and give it a moment to end the run itself.
    await bus.publish(runControlChannel, { cancel: run.id });
    if (await endedWithin(run.id, conversationId, 3_000)) return run;
  }
  await endOrphan(run, correlationId, "Stopped by the user.");
  return run;
}

async function endedWithin(runId: string, conversationId: string, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until;) {
    if ((await getActiveRun(conversationId))?.id !== runId) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function endOrphan(run: RunRow, correlationId: string, reason: string): Promise<void> {
  if (await finishRun(run.id, "cancelled")) {
    await appendEvents({ conversationId: run.conversationId, runId: run.id, correlationId }, [
      draft("run.cancelled", { reason }),
    ]);
  }
}

async function ensureControlSubscription(): Promise<void> {
  const h = holder();
  if (h.controlSubscribed) return;
  h.controlSubscribed = true;
  await getBus().subscribe(runControlChannel, (message) => {
    const id = (message as { cancel?: unknown })?.cancel;
    if (typeof id === "string") h.active.get(id)?.controller.abort();
  });
}

/** At start-up of the single embedded process: runs it was driving when it stopped cannot resume. */
export async function recoverInterruptedRuns(): Promise<number> {
  const orphans = await listUnfinishedRuns();
  for (const run of orphans) {
    if (holder().active.has(run.id)) continue;
    if (await finishRun(run.id, "failed")) {
      await appendEvents(
        { conversationId: run.conversationId, runId: run.id, correlationId: run.correlationId },
        [
          draft("run.failed", {
            code: "interrupted",
            message:
              "The server restarted while the agent was answering. Please send your message again.",
            retriable: true,
          }),
        ],
      );
    }
  }
  return orphans.length;
}

/** Waits for every run this process drives (tests and graceful shutdown). */
export async function drainRuns(): Promise<void> {
  await Promise.allSettled([...holder().active.values()].map((r) => r.done));
}
