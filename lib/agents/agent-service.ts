import type { AIProjectClient } from "@azure/ai-projects";
import type { RestError } from "@azure/core-rest-pipeline";
import type OpenAI from "openai";
import type {
  Response as OpenAIResponse,
  ResponseInputItem,
  ResponseStreamEvent,
} from "openai/resources/responses/responses";
import { getConfig } from "@/lib/config";
import { outgoingTraceparent } from "@/lib/http/correlation";
import type { Principal } from "@/lib/identity/principal";
import { credentialFor } from "./credentials";
import { createProjectClient } from "./project-client";

export interface AgentSummary {
  name: string;
  version: string;
  description?: string;
}

export interface AgentRef {
  name: string;
  version?: string;
}

export interface ResponseArgs {
  /** The agent service's conversation (`conv_…`); the input is appended to it. */
  conversationId: string;
  agent: AgentRef;
  /**
   * The user's text, or input items such as `mcp_approval_response` (a paused run continuing). An
   * empty list (the continuation after OAuth consent) sends no `input`: the turn re-runs from the
   * conversation.
   */
  input: string | ResponseInputItem[];
  signal?: AbortSignal;
  /** W3C trace id; sent as `traceparent` so both sides log the same id. */
  correlationId?: string;
}

/**
 * The one client of the agent service, for Foundry and for the local service alike: the
 * @azure/ai-projects client for agents, and its OpenAI client for conversations and responses.
 * Only the endpoint, the credential and (locally) the pipeline differ — see createProjectClient.
 * Build one per request with `forPrincipal`; it acts for that user.
 */
export class AgentService {
  private readonly openai: OpenAI;

  constructor(private readonly project: AIProjectClient) {
    this.openai = project.getOpenAIClient();
  }

  async listAgents(): Promise<AgentSummary[]> {
    const out: AgentSummary[] = [];
    for await (const agent of this.project.agents.list()) {
      const latest = agent.versions.latest;
      out.push(summary(agent.name, latest.version, latest.description));
    }
    return out;
  }

  /** The agent's latest version, or undefined when there is no such agent. */
  async getAgent(name: string): Promise<AgentSummary | undefined> {
    try {
      const agent = await this.project.agents.get(name);
      return summary(agent.name, agent.versions.latest.version, agent.versions.latest.description);
    } catch (err) {
      if ((err as RestError).statusCode === 404) return undefined;
      throw err;
    }
  }

  async createConversation(): Promise<string> {
    const conversation = await this.openai.conversations.create({});
    return conversation.id;
  }

  /** The raw upstream event stream (the RunDriver normalizes it). Throws on an `error` frame. */
  async streamResponse(args: ResponseArgs): Promise<AsyncIterable<ResponseStreamEvent>> {
    return this.openai.responses.create(
      { conversation: args.conversationId, ...inputOf(args), stream: true },
      requestOptions(args),
    );
  }

  async createResponse(args: ResponseArgs): Promise<OpenAIResponse> {
    return this.openai.responses.create(
      { conversation: args.conversationId, ...inputOf(args) },
      requestOptions(args),
    );
  }

  /** Asks the service to stop a running response; returns its status afterwards. */
  async cancelResponse(responseId: string): Promise<string> {
    const response = await this.openai.responses.cancel(responseId);
    return response.status ?? "cancelled";
  }
}

/** `input` is optional in the Responses API: an empty list is left out rather than sent as `[]`. */
function inputOf(args: ResponseArgs): { input?: string | ResponseInputItem[] } {
  return Array.isArray(args.input) && args.input.length === 0 ? {} : { input: args.input };
}

/** `agent_reference` goes through the SDK's body override (see overwriteOpenAIClient). */
function requestOptions(args: ResponseArgs) {
  return {
    body: {
      agent_reference: {
        type: "agent_reference",
        name: args.agent.name,
        ...(args.agent.version ? { version: args.agent.version } : {}),
      },
    },
    signal: args.signal,
    headers: args.correlationId
      ? { traceparent: outgoingTraceparent(args.correlationId) }
      : undefined,
  };
}

function summary(name: string, version: string, description: string | undefined): AgentSummary {
  return { name, version, ...(description ? { description } : {}) };
}

export function forPrincipal(p: Principal): AgentService {
  const agents = getConfig().agents;
  return new AgentService(createProjectClient(agents, credentialFor(p)));
}

const MAX_CACHED_SERVICES = 1_000;
/** Per configuration (a new one after resetConfig), per user and token: see agentRunnerFor. */
const services = new WeakMap<object, Map<string, AgentService>>();

/**
 * The factory the RunDriver loads (lib/chat/run-driver.ts). Building the project client and its
 * OpenAI client costs ~0.6 ms on every message (docs/PERFORMANCE.md, "Relay split"), so the
 * service is kept per user *and token*: it acts with exactly the credential `forPrincipal` would
 * build for that principal (tokens themselves stay in the credential's own caches). Bounded; the
 * oldest entry goes first.
 */
export function agentRunnerFor(p: Principal): AgentService {
  const agents = getConfig().agents;
  let byUser = services.get(agents);
  if (!byUser) services.set(agents, (byUser = new Map()));
  const key = `${p.userId}\u0000${p.token}`;
  let service = byUser.get(key);
  if (!service) {
    if (byUser.size >= MAX_CACHED_SERVICES) byUser.delete(byUser.keys().next().value!);
    byUser.set(key, (service = forPrincipal(p)));
  }
  return service;
}
