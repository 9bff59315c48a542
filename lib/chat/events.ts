import { z } from "zod";

/**
 * The ChatEvent vocabulary: the one contract between server and browser (DESIGN §4).
 * Imported by the server (normalizer, RunDriver, SSE route) and by the client (reducer, UI).
 * Keep it free of server-only imports.
 */
const toolKind = z.enum([
  "mcp",
  "file_search",
  "openapi",
  "function",
  "web_search",
  "code_interpreter",
  "other",
]);

/**
 * A source the answer cites (url_citation / file_citation / container_file_citation annotations,
 * or Assistants-style `【…†…】` markers). Its number in the text is its position in the list + 1:
 * the normalizer writes `[n]` into the text where the answer cites it. `startIndex`/`endIndex`
 * locate the first `[n]` in the emitted text (absent when the citation has no place in the text).
 */
export const citationSchema = z.object({
  kind: z.enum(["url", "file"]),
  title: z.string(),
  /** http(s) only. */
  url: z.string().optional(),
  fileId: z.string().optional(),
  filename: z.string().optional(),
  startIndex: z.number().int().nonnegative().optional(),
  endIndex: z.number().int().nonnegative().optional(),
});
export type Citation = z.infer<typeof citationSchema>;

const dataByType = {
  "run.started": z.object({
    agent: z.object({ name: z.string(), version: z.string().optional() }),
    /** The user's message that started the run, so the log alone can rebuild the conversation. */
    input: z.string().optional(),
    /** The input was sent by the app, not typed (e.g. a retry after connecting): show no bubble. */
    hidden: z.boolean().optional(),
  }),
  "text.delta": z.object({ itemId: z.string(), delta: z.string() }),
  "text.done": z.object({
    itemId: z.string(),
    text: z.string(),
    /** The sources `[n]` in `text` refer to, in order; absent when the text cites nothing. */
    citations: z.array(citationSchema).optional(),
  }),
  "tools.listed": z.object({
    serverLabel: z.string(),
    tools: z.array(z.object({ name: z.string(), description: z.string().optional() })),
  }),
  "tool.call.started": z.object({
    callId: z.string(),
    kind: toolKind,
    name: z.string(),
    serverLabel: z.string().optional(),
    arguments: z.string().optional(),
  }),
  "tool.call.completed": z.object({
    callId: z.string(),
    kind: toolKind,
    name: z.string(),
    serverLabel: z.string().optional(),
    arguments: z.string().optional(),
    output: z.string().optional(),
  }),
  "tool.call.failed": z.object({
    callId: z.string(),
    kind: toolKind,
    name: z.string(),
    serverLabel: z.string().optional(),
    arguments: z.string().optional(),
    error: z.string(),
  }),
  "approval.requested": z.object({
    approvalRequestId: z.string(),
    name: z.string(),
    serverLabel: z.string(),
    arguments: z.string(),
    /** Our approval record, once the approvals capability stores one. */
    approvalId: z.string().optional(),
    risk: z.enum(["read", "write", "privileged"]).optional(),
  }),
  "approval.decided": z.object({
    approvalRequestId: z.string(),
    approve: z.boolean(),
    reason: z.string().optional(),
    decidedBy: z.string().optional(),
  }),
  "consent.requested": z.object({
    consentId: z.string(),
    serverLabel: z.string().optional(),
    /** https only; never logged. */
    link: z.url(),
  }),
  "consent.completed": z.object({ consentId: z.string() }),
  "run.completed": z.object({
    responseId: z.string().optional(),
    usage: z
      .object({
        inputTokens: z.number().optional(),
        outputTokens: z.number().optional(),
        totalTokens: z.number().optional(),
      })
      .optional(),
  }),
  "run.failed": z.object({
    code: z.string(),
    message: z.string(),
    retriable: z.boolean().default(false),
  }),
  "run.cancelled": z.object({ reason: z.string().optional() }),
} as const;

export type ChatEventType = keyof typeof dataByType;
export const chatEventTypes = Object.keys(dataByType) as ChatEventType[];
export type ChatEventData<T extends ChatEventType> = z.infer<(typeof dataByType)[T]>;

const envelope = {
  seq: z.number().int().positive(),
  conversationId: z.string(),
  runId: z.string(),
  at: z.iso.datetime(),
  correlationId: z.string(),
};

const variants = chatEventTypes.map((type) =>
  z.object({ ...envelope, type: z.literal(type), data: dataByType[type] }),
) as unknown as [z.ZodObject, ...z.ZodObject[]];

export const chatEventSchema = z.discriminatedUnion("type", variants);

export type ChatEvent = {
  [T in ChatEventType]: {
    seq: number;
    conversationId: string;
    runId: string;
    at: string;
    correlationId: string;
    type: T;
    data: ChatEventData<T>;
  };
}[ChatEventType];

/** What the normalizer produces: an event before the RunDriver stamps seq, ids and time. */
export type ChatEventDraft = {
  [T in ChatEventType]: { type: T; data: ChatEventData<T> };
}[ChatEventType];

export function draft<T extends ChatEventType>(type: T, data: ChatEventData<T>): ChatEventDraft {
  return { type, data } as ChatEventDraft;
}

export function parseChatEvent(value: unknown): ChatEvent {
  return chatEventSchema.parse(value) as ChatEvent;
}

export const terminalEventTypes: ReadonlySet<ChatEventType> = new Set([
  "run.completed",
  "run.failed",
  "run.cancelled",
]);
