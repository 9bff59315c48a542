/**
 * JSON shapes of the local agent service, copied field for field from recorded Foundry traffic.
 * Pure functions: they take stored state and return exactly what goes on the wire.
 */
export interface AgentRef {
  name: string;
  version: string;
}

export type Json = Record<string, unknown>;

export const unixSeconds = (d: Date | number) =>
  Math.floor((typeof d === "number" ? d : d.getTime()) / 1000);

export interface AgentVersionRecord {
  name: string;
  version: number;
  description: string | null;
  definition: unknown;
  metadata: Record<string, string> | null;
  createdAt: Date;
}

export function agentVersionJson(v: AgentVersionRecord): Json {
  return {
    metadata: v.metadata ?? {},
    object: "agent.version",
    id: `${v.name}:${v.version}`,
    name: v.name,
    version: String(v.version),
    description: v.description ?? "",
    created_at: unixSeconds(v.createdAt),
    definition: v.definition,
  };
}

export function agentJson(latest: AgentVersionRecord): Json {
  return {
    object: "agent",
    id: latest.name,
    name: latest.name,
    versions: { latest: agentVersionJson(latest) },
  };
}

/** The `{ object: "list", data, first_id, last_id, has_more }` page used by every list endpoint. */
export function listJson(
  data: Json[],
  hasMore: boolean,
  idOf: (x: Json) => string = (x) => String(x.id),
): Json {
  const first = data[0];
  const last = data[data.length - 1];
  return {
    object: "list",
    data,
    first_id: first ? idOf(first) : null,
    last_id: last ? idOf(last) : null,
    has_more: hasMore,
  };
}

export function conversationJson(c: {
  id: string;
  metadata: Record<string, string> | null;
  createdAt: Date;
}): Json {
  return {
    id: c.id,
    object: "conversation",
    metadata: c.metadata ?? {},
    created_at: unixSeconds(c.createdAt),
  };
}

const agentId = (a: AgentRef) => ({ type: "agent_id", name: a.name, version: a.version });
const agentReference = (a: AgentRef) => ({
  type: "agent_reference",
  name: a.name,
  version: a.version,
});

/** Keys Foundry adds to every output item: who produced it, in which response. */
export function provenance(agent: AgentRef, responseId: string): Json {
  return {
    created_by: { agent: agentId(agent), response_id: responseId },
    agent_reference: agentReference(agent),
    response_id: responseId,
  };
}

export function outputTextPart(text: string, annotations: Json[] = []): Json {
  return { type: "output_text", text, annotations, logprobs: [] };
}

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export function assistantMessage(args: {
  id: string;
  responseId: string;
  agent: AgentRef;
  text: string | null;
  status: ItemStatus;
  annotations?: Json[];
}): Json {
  return {
    type: "message",
    id: args.id,
    ...provenance(args.agent, args.responseId),
    role: "assistant",
    content: args.text === null ? [] : [outputTextPart(args.text, args.annotations)],
    status: args.status,
  };
}

export type ResponseStatus = "in_progress" | "completed" | "failed" | "cancelled" | "incomplete";

/** What a response is bound to; fixed when it is created. */
export interface ResponseSeed {
  id: string;
  createdAt: number;
  agent: AgentRef;
  model: string;
  instructions: string | null;
  conversationId: string | null;
  previousResponseId: string | null;
  toolChoice: unknown;
  tools: unknown[];
  metadata: Record<string, string>;
}

/** What changes while it runs. */
export interface ResponseState {
  status: ResponseStatus;
  output: Json[];
  error: { code: string; message: string } | null;
  completedAt: number | null;
  usage: Usage | null;
  incompleteReason?: string;
}

export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** Token counts are an estimate (about four characters per token); no tokenizer runs locally. */
export function estimateUsage(inputChars: number, outputChars: number): Usage {
  const input = Math.ceil(inputChars / 4);
  const output = Math.ceil(outputChars / 4);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

export function responseJson(seed: ResponseSeed, state: ResponseState): Json {
  return {
    id: seed.id,
    object: "response",
    created_at: seed.createdAt,
    status: state.status,
    background: false,
    completed_at: state.completedAt,
    content_filters: null,
    error: state.error,
    frequency_penalty: 0.0,
    incomplete_details: state.incompleteReason ? { reason: state.incompleteReason } : null,
    instructions: seed.instructions,
    max_output_tokens: null,
    max_tool_calls: null,
    model: seed.model,
    output: state.output,
    parallel_tool_calls: true,
    presence_penalty: 0.0,
    previous_response_id: seed.previousResponseId,
    prompt_cache_key: null,
    prompt_cache_retention: null,
    reasoning: { effort: "none", summary: null },
    safety_identifier: null,
    service_tier: "default",
    store: true,
    temperature: 1.0,
    text: { format: { type: "text" }, verbosity: "medium" },
    tool_choice: seed.toolChoice,
    tools: seed.tools,
    top_logprobs: 0,
    top_p: 1.0,
    truncation: "disabled",
    usage: state.usage,
    user: null,
    metadata: seed.metadata,
    ...(seed.conversationId ? { conversation: { id: seed.conversationId } } : {}),
    agent_reference: agentReference(seed.agent),
    agent: agentId(seed.agent),
  };
}
