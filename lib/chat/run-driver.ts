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
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/log";
import { countRelayed, countRun } from "@/lib/telemetry/metrics";
import { inSpan, markFailed } from "@/lib/telemetry/tracing";
import {
  getConversationById,
  setUpstreamConversation,
  titleFromFirstMessage,
  type ConversationRow,
} from "./conversations";
import { appendEvents, type AppendContext } from "./event-log";
import { EventWriter } from "./event-writer";
import { probeClock, upstreamRequestChannel, type UpstreamRequestMessage } from "./relay-probe";
import {
  createRun,
  finishRun,
  getActiveRun,
  getRun,
  listUnfinishedRuns,
  resumeRun,
  setRunUpstreamResponse,
  type RunRow,
} from "./runs";
import { claimContinuation, expireApprovalsOfRun } from "@/lib/approvals/store";
import { rememberCredential } from "@/lib/agents/credentials";
import type { ApprovalRow } from "@/lib/db/schema";
import { storedPrincipal } from "@/lib/identity/stored-principal";
import { consentLinkPolicy, isConsentPending, resumeFromConsent } from "./consents";
import {
  announceDecision,
  approvalResponses,
  pendingApprovalsOfRun,
  recordApprovalRequests,
} from "./approvals";

/** What the RunDriver needs from the agent service (lib/agents/agent-service.ts provides it). */
export interface AgentRunner {
  createConversation(): Promise<string>;
  streamResponse(args: {
    conversationId: string;
    agent: { name: string; version?: string };
    /** The user's text, or input items (e.g. `mcp_approval_response`s continuing a paused run). */
    input: string | unknown[];
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
  /** The app sends `text` on the user's behalf (a retry): logged, but shown as no user message. */
  hidden?: boolean;
}): Promise<RunRow> {
  const { principal, conversation, text, correlationId, hidden } = args;
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
  try {
    await appendEvents(ctx, [
      draft("run.started", { agent, input: text, ...(hidden ? { hidden: true } : {}) }),
    ]);
  } catch (err) {
    // A run that cannot even be logged must not hold the conversation (the next message would
    // be a 409 with nothing running): it ends, failed, before the error reaches the caller.
    await endRun(ctx, "failed", notStartedFailure());
    throw err;
  }

  // Upstream first: naming the conversation must not delay the first token.
  launch({ principal, conversation, input: text, ctx });
  if (!hidden)
    await titleFromFirstMessage(conversation, text).catch((err: unknown) =>
      // The run has started; a title that could not be saved must not fail the message.
      logger().warn({ err, runId: run.id }, "could not name the conversation"),
    );
  return run;
}

const notStartedFailure = () =>
  draft("run.failed", {
    code: "not_started",
    message: "Your message could not be sent. Please try again.",
    retriable: true,
  });

/**
 * Drives in the background, registered so Stop (and drainRuns) can reach it. The run's span is a
 * child of the request that started it, and the parent of the call to the agent service.
 */
function launch(args: Omit<Parameters<typeof drive>[0], "signal">): void {
  const controller = new AbortController();
  const runId = args.ctx.runId;
  const ended = countRun();
  const attributes = {
    "fac.run.id": runId,
    "fac.conversation.id": args.ctx.conversationId,
    "gen_ai.agent.name": args.conversation.agentName,
    "fac.run.continuation": Array.isArray(args.input),
  };
  const done = inSpan("chat.run", { attributes }, async (span) => {
    const status = await drive({ ...args, signal: controller.signal });
    span.setAttribute("fac.run.status", status);
    if (status === "failed") markFailed(span);
    return status;
  })
    .then((status) => {
      ended(status);
      return status === "awaiting_approval"
        ? tryContinue(runId, args.ctx.correlationId)
        : undefined;
    })
    .catch((err: unknown) => logger().error({ err, runId }, "run continuation failed"))
    .finally(() => {
      ended("failed");
      if (holder().active.get(runId)?.done === done) holder().active.delete(runId);
    });
  holder().active.set(runId, { controller, done });
}

async function drive(args: {
  principal: Principal;
  conversation: ConversationRow;
  input: string | unknown[];
  ctx: AppendContext;
  signal: AbortSignal;
}): Promise<RunStatus> {
  const { principal, conversation, input, ctx, signal } = args;
  let state: NormalizerState | undefined;
  let ending: ChatEventDraft | undefined;
  const writer = new EventWriter(ctx);
  // Stop: whatever the upstream still sends, and whatever is queued, never reaches the log.
  const stop = () => writer.discard();
  signal.addEventListener("abort", stop, { once: true });
  let recorded: Promise<void> = Promise.resolve();
  // Content goes through the group-commit writer; the run's ending is kept for endRun.
  const emit = async (drafts: ChatEventDraft[], receivedAt = 0) => {
    if (signal.aborted || ending) return;
    const content: ChatEventDraft[] = [];
    for (const d of drafts) {
      if (terminalEventTypes.has(d.type)) {
        ending = d;
        break;
      }
      content.push(d);
    }
    const relayed = await recordApprovalRequests(content, { ...ctx, requester: principal });
    countRelayed(relayed);
    await writer.push(relayed, receivedAt);
  };
  try {
    state = initialNormalizerState({ consentLinks: consentLinkPolicy() });
    const runner = await runnerFor(principal);
    let upstreamConversation = conversation.upstreamConversationId;
    if (!upstreamConversation) {
      upstreamConversation = await runner.createConversation();
      await setUpstreamConversation(conversation.id, upstreamConversation);
    }
    if (upstreamRequestChannel.hasSubscribers) {
      upstreamRequestChannel.publish({
        conversationId: ctx.conversationId,
        runId: ctx.runId,
        at: performance.now(),
      } satisfies UpstreamRequestMessage);
    }
    const stream = await runner.streamResponse({
      conversationId: upstreamConversation,
      agent: {
        name: conversation.agentName,
        ...(conversation.agentVersion ? { version: conversation.agentVersion } : {}),
      },
      input,
      signal,
      correlationId: ctx.correlationId,
    });
    for await (const event of stream) {
      const receivedAt = probeClock();
      // An upstream may still yield what it had buffered (or ignore the abort): Stop wins.
      if (signal.aborted) break;
      const responseId = createdResponseId(event);
      // Bookkeeping off the token path; awaited before the run is closed.
      if (responseId) recorded = setRunUpstreamResponse(ctx.runId, responseId);
      const result = normalizeStreamEvent(state, event);
      state = result.state;
      await emit(result.events, receivedAt);
    }
    if (!ending && !signal.aborted && !state.awaiting) await emit(finishNormalizer(state));
  } catch (err) {
    if (!signal.aborted) await emit(failureDrafts(state, err, ctx)).catch(() => undefined);
  } finally {
    signal.removeEventListener("abort", stop);
    await recorded.catch((err: unknown) =>
      logger().warn({ err, runId: ctx.runId }, "could not record the upstream response id"),
    );
  }
  // An aborted stream may simply end instead of throwing.
  if (signal.aborted && !ending)
    ending = draft("run.cancelled", { reason: "Stopped by the user." });
  const lost = await writer.flush().then(
    () => false,
    (err: unknown) => {
      logger().error({ err, runId: ctx.runId }, "could not record the run's events");
      return true;
    },
  );
  if (lost && ending?.type !== "run.cancelled") ending = notSavedFailure();
  const status = statusAfter(ending?.type, state);
  if (status === "awaiting_approval" || status === "awaiting_consent") {
    await rememberCredential(principal).catch((err: unknown) =>
      logger().warn({ err, runId: ctx.runId }, "could not keep the credential for a continuation"),
    );
    await finishRun(ctx.runId, status).catch((err: unknown) =>
      logger().error({ err, runId: ctx.runId }, "could not record the run's status"),
    );
  } else {
    const last = ending ?? unfinishedFailure();
    if (await endRun(ctx, status, last)) countRelayed([last]);
  }
  return status;
}

const notSavedFailure = () =>
  draft("run.failed", {
    code: "not_saved",
    message: "Part of the answer could not be saved. Please try again.",
    retriable: true,
  });

const unfinishedFailure = () =>
  draft("run.failed", {
    code: "agent_unavailable",
    message: "The agent stopped answering before it finished. Please try again.",
    retriable: true,
  });

/**
 * Ends a run with its ending event, both in one transaction and only if the run was still
 * unfinished (so it has one ending, and nothing of it is logged after). If even that cannot be
 * written, the run row is still finished: the conversation must take the next message.
 */
async function endRun(
  ctx: AppendContext,
  status: RunStatus,
  ending: ChatEventDraft,
): Promise<boolean> {
  try {
    return (await appendEvents(ctx, [ending], { finish: status })).length > 0;
  } catch (err) {
    logger().error({ err, runId: ctx.runId }, "could not record the run's ending");
    return finishRun(ctx.runId, status).catch((e: unknown) => {
      logger().error({ err: e, runId: ctx.runId }, "could not record the run's final status");
      return false;
    });
  }
}

/**
 * A decision was made (here or on another replica). When no request of the run is still pending,
 * exactly one caller moves the run from awaiting_approval back to running and sends every decision
 * upstream, bound to the conversation; the continued run streams into the same turn.
 */
export async function continueAfterDecision(
  row: ApprovalRow,
  correlationId: string,
): Promise<void> {
  if (row.source !== "chat" || !row.runId) return;
  await announceDecision(row, correlationId);
  await tryContinue(row.runId, correlationId);
}

async function tryContinue(runId: string, correlationId: string): Promise<void> {
  if ((await pendingApprovalsOfRun(runId)).length > 0) return;
  const run = await resumeRun(runId);
  if (!run) return;
  const decided = await claimContinuation(runId);
  const conversation = await getConversationById(run.conversationId);
  const principal = await storedPrincipal(run.requestedBy);
  const ctx: AppendContext = { conversationId: run.conversationId, runId, correlationId };
  if (decided.length === 0 || !conversation || !principal) {
    await endRun(
      ctx,
      "failed",
      draft("run.failed", {
        code: "continuation_failed",
        message: "The run could not continue after the decision. Please send your message again.",
        retriable: true,
      }),
    );
    return;
  }
  await ensureControlSubscription();
  launch({ principal, conversation, input: approvalResponses(decided), ctx });
}

/**
 * The user signed in (or closed the sign-in window): the run that waits for `consentId` logs
 * `consent.completed` and continues server-side, once (awaiting_consent → running is a conditional
 * UPDATE). The continuation is a new response bound to the same conversation with no new input —
 * the user's message is already in it (docs/APPROVALS.md, "Consent"). 409 when the conversation's
 * run does not wait for that consent.
 */
export async function continueAfterConsent(
  conversation: ConversationRow,
  consentId: string,
  correlationId: string,
): Promise<RunRow> {
  const notWaiting = () => new AppError("conflict", "This sign-in request is no longer waiting.");
  const run = await getActiveRun(conversation.id);
  if (!run || run.status !== "awaiting_consent" || !(await isConsentPending(run, consentId)))
    throw notWaiting();
  const resumed = await resumeFromConsent(run.id);
  if (!resumed) throw notWaiting();
  const ctx: AppendContext = { conversationId: conversation.id, runId: run.id, correlationId };
  await appendEvents(ctx, [draft("consent.completed", { consentId })]);
  const principal = await storedPrincipal(run.requestedBy);
  if (!principal) {
    await endRun(
      ctx,
      "failed",
      draft("run.failed", {
        code: "continuation_failed",
        message: "The run could not continue after sign-in. Please send your message again.",
        retriable: true,
      }),
    );
    return resumed;
  }
  await ensureControlSubscription();
  launch({ principal, conversation, input: [], ctx });
  return resumed;
}

/** The sweep found requests nobody decided in time: their runs end, saying so. */
export async function endRunsWithExpiredApprovals(rows: ApprovalRow[]): Promise<void> {
  const runIds = new Set(rows.filter((r) => r.source === "chat" && r.runId).map((r) => r.runId!));
  for (const runId of runIds) {
    const run = await getRun(runId);
    if (!run) continue;
    await endRun(
      { conversationId: run.conversationId, runId, correlationId: run.correlationId },
      "failed",
      draft("run.failed", {
        code: "approval_expired",
        message:
          "No one decided on the tool call in time, so it was not made. Send your message again to ask again.",
        retriable: true,
      }),
    );
  }
}

function statusAfter(
  terminal: ChatEventType | undefined,
  state: NormalizerState | undefined,
): RunStatus {
  if (terminal === "run.completed") return "completed";
  if (terminal === "run.cancelled") return "cancelled";
  if (terminal === "run.failed") return "failed";
  if (state?.awaiting === "approval") return "awaiting_approval";
  if (state?.awaiting === "consent") return "awaiting_consent";
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
function failureDrafts(
  state: NormalizerState | undefined,
  err: unknown,
  ctx: AppendContext,
): ChatEventDraft[] {
  if (state && upstreamErrorOfThrown(err)) return finishNormalizer(state, err);
  // Our own verdicts (no credential to continue as the user, consent needed) say what to do.
  if (
    (err instanceof AppError && err.status < 500) ||
    (err instanceof AppError && err.code === "unavailable")
  ) {
    const reason = err.extensions?.reason;
    return [
      draft("run.failed", {
        code: typeof reason === "string" ? reason : err.code,
        message: err.message,
        retriable: true,
      }),
    ];
  }
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
/** With `runId`, only that run is stopped: a late Stop never ends the run that followed it. */
export async function cancelRun(
  conversationId: string,
  correlationId: string,
  runId?: string,
): Promise<RunRow | undefined> {
  const run = await getActiveRun(conversationId);
  if (!run || (runId !== undefined && run.id !== runId)) return undefined;
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
  await expireApprovalsOfRun(run.id);
  await endRun(
    { conversationId: run.conversationId, runId: run.id, correlationId },
    "cancelled",
    draft("run.cancelled", { reason }),
  );
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
    await endRun(
      { conversationId: run.conversationId, runId: run.id, correlationId: run.correlationId },
      "failed",
      draft("run.failed", {
        code: "interrupted",
        message:
          "The server restarted while the agent was answering. Please send your message again.",
        retriable: true,
      }),
    );
  }
  return orphans.length;
}

/** Waits for every run this process drives (tests and graceful shutdown). */
export async function drainRuns(): Promise<void> {
  await Promise.allSettled([...holder().active.values()].map((r) => r.done));
}
