import type { Db } from "@/lib/db/client";
import { prefixedId } from "@/lib/ids";
import { badRequest, LfError, notFound } from "../errors";
import { normalizeInput } from "../items";
import type { CreateResponseBody } from "../schemas";
import {
  responseJson,
  unixSeconds,
  type AgentVersionRecord,
  type Json,
  type ResponseSeed,
} from "../shapes";
import { getAgentVersion, getLatestAgentVersion } from "../store/agents";
import { allItems, appendItems, lockConversation } from "../store/conversations";
import type { Exec } from "../store/db";
import { getResponse, insertResponse, updateResponse } from "../store/responses";
import { mcpToolsOf, type McpTool } from "../tools/definition";
import { isApprovalTurn, resolveApprovals, type AnsweredApproval } from "./approvals";
import type { RunResult } from "./execute";

export interface PreparedRun {
  seed: ResponseSeed;
  /** History followed by this turn's input. */
  items: Json[];
  mcpTools: McpTool[];
  approvals: AnsweredApproval[];
  /** Every turn lists the servers' tools except an approval continuation (as Foundry does). */
  listTools: boolean;
}

interface PromptDefinition {
  kind: string;
  model?: string;
  instructions?: string | null;
  tools?: unknown[];
  tool_choice?: unknown;
}

/**
 * Validates a create-response request, resolves its agent and history, appends its input to the
 * bound conversation and records the response as `in_progress` — all before the first event.
 */
export async function prepareRun(
  db: Db,
  ownerId: string,
  body: CreateResponseBody,
): Promise<PreparedRun> {
  const agent = await resolveAgent(db, body);
  const def = agent.definition as PromptDefinition;
  const conversationId = conversationIdOf(body.conversation);
  const previousResponseId = body.previous_response_id ?? null;
  if (conversationId && previousResponseId) {
    throw badRequest(
      "Use either 'conversation' or 'previous_response_id', not both.",
      "previous_response_id",
    );
  }
  if (!conversationId && !previousResponseId && body.input === undefined) {
    throw new LfError(
      400,
      "Missing required parameter: 'input'.",
      "invalid_request_error",
      "missing_required_parameter",
      "input",
    );
  }
  const newItems = normalizeInput(body.input);
  const seed: ResponseSeed = {
    id: prefixedId("resp"),
    createdAt: unixSeconds(Date.now()),
    agent: { name: agent.name, version: String(agent.version) },
    model: def.model ?? "unknown",
    instructions: def.instructions ?? null,
    conversationId,
    previousResponseId,
    toolChoice: body.tool_choice ?? def.tool_choice ?? "auto",
    tools: def.tools ?? [],
    metadata: body.metadata ?? {},
  };
  const row = {
    id: seed.id,
    ownerId,
    conversationId,
    previousResponseId,
    status: "in_progress" as const,
    body: responseJson(seed, {
      status: "in_progress",
      output: [],
      error: null,
      completedAt: null,
      usage: null,
    }),
    inputItems: newItems,
  };

  const { history, approvals } = await db.transaction(async (tx) => {
    const earlier = await historyFor(tx, ownerId, conversationId, previousResponseId);
    // Checked under the conversation's lock, before anything is stored: unknown or already
    // answered approval requests are a 400.
    const answered = resolveApprovals(earlier, newItems);
    if (conversationId) await appendItems(tx, conversationId, newItems);
    await insertResponse(tx, row);
    return { history: earlier, approvals: answered };
  });
  return {
    seed,
    items: [...history, ...newItems],
    mcpTools: mcpToolsOf(def.tools),
    approvals,
    listTools: !isApprovalTurn(newItems),
  };
}

/** Stores the outcome and appends the output to the bound conversation (if it still exists). */
export async function recordOutcome(
  db: Db,
  ownerId: string,
  seed: ResponseSeed,
  result: RunResult,
): Promise<void> {
  await db.transaction(async (tx) => {
    await updateResponse(tx, seed.id, result.status, result.response);
    if (
      seed.conversationId &&
      result.output.length > 0 &&
      (await lockConversation(tx, ownerId, seed.conversationId))
    ) {
      await appendItems(tx, seed.conversationId, result.output);
    }
  });
}

async function resolveAgent(db: Db, body: CreateResponseBody): Promise<AgentVersionRecord> {
  const ref = body.agent_reference ?? body.agent;
  if (!ref) {
    throw new LfError(
      400,
      "Missing required parameter: 'agent_reference'.",
      "invalid_request_error",
      "missing_required_parameter",
      "agent_reference",
    );
  }
  const agent = ref.version
    ? await getAgentVersion(db, ref.name, ref.version)
    : await getLatestAgentVersion(db, ref.name);
  if (!agent)
    throw notFound(
      `Agent '${ref.name}'${ref.version ? ` version ${ref.version}` : ""}`,
      "agent_reference",
    );
  if ((agent.definition as PromptDefinition).kind !== "prompt") {
    throw badRequest(
      "The local agent service runs prompt agents only.",
      "agent_reference",
      "unsupported_agent_kind",
    );
  }
  return agent;
}

function conversationIdOf(c: CreateResponseBody["conversation"]): string | null {
  if (!c) return null;
  return typeof c === "string" ? c : c.id;
}

const MAX_CHAIN = 200;

async function historyFor(
  tx: Exec,
  ownerId: string,
  conversationId: string | null,
  previousId: string | null,
): Promise<Json[]> {
  if (conversationId) {
    if (!(await lockConversation(tx, ownerId, conversationId)))
      throw notFound(`Conversation '${conversationId}'`, "conversation");
    return allItems(tx, conversationId);
  }
  if (!previousId) return [];
  const turns: Json[][] = [];
  for (let id: string | null = previousId; id && turns.length < MAX_CHAIN;) {
    const row = await getResponse(tx, ownerId, id);
    if (!row) {
      if (turns.length === 0) throw notFound(`Response '${id}'`, "previous_response_id");
      break;
    }
    const output = ((row.body as Json).output as Json[] | undefined) ?? [];
    turns.unshift([...(row.inputItems as Json[]), ...output]);
    id = row.previousResponseId;
  }
  return turns.flat();
}
