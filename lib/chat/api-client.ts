import { newTraceparent } from "./client/traceparent";

/**
 * Browser client of the chat HTTP API (DESIGN §9). Every call carries the bearer token; errors
 * become ApiError with a sentence a user understands (the server's problem title when it has one).
 */
export interface AgentInfo {
  name: string;
  version: string;
  description?: string;
}

export interface ConversationSummary {
  id: string;
  title: string;
  agent: { name: string; version?: string };
  createdAt: string;
  updatedAt?: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

const fallbackMessages: Record<number, string> = {
  401: "Your session has expired. Please sign in again.",
  403: "You are not allowed to do that.",
  404: "That conversation no longer exists.",
  409: "The agent is still busy with the previous message.",
  413: "That message is too long.",
  429: "You are sending messages too quickly. Please wait a moment.",
};

/** What a refused request said (problem+json). */
export interface Problem {
  title?: string;
  code?: string;
}

/**
 * One authorized JSON call (bearer token, JSON body, errors as ApiError). `describe` may word a
 * refusal for its own resource; otherwise the server's title, then a generic sentence, is used.
 */
export function createCaller(
  getAccessToken: () => Promise<string>,
  fetchImpl?: typeof fetch,
  describe?: (status: number, problem: Problem) => string | undefined,
) {
  return async function call<T>(
    path: string,
    init: RequestInit & { json?: unknown } = {},
  ): Promise<T> {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set("authorization", `Bearer ${await getAccessToken()}`);
    if (!headers.has("traceparent")) headers.set("traceparent", newTraceparent());
    if (json !== undefined) headers.set("content-type", "application/json");
    let res: Response;
    try {
      res = await (fetchImpl ?? fetch)(path, {
        ...rest,
        headers,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      });
    } catch {
      throw new ApiError("Cannot reach the server. Check your connection and try again.", 0);
    }
    if (!res.ok) {
      const problem = (await res.json().catch(() => ({}))) as Problem;
      const message =
        res.status >= 500
          ? "Something went wrong on our side. Please try again."
          : (describe?.(res.status, problem) ??
            problem.title ??
            fallbackMessages[res.status] ??
            "The request failed.");
      throw new ApiError(message, res.status, problem.code);
    }
    return (res.status === 204 ? undefined : await res.json()) as T;
  };
}

export function createApiClient(
  getAccessToken: () => Promise<string>,
  fetchImpl: typeof fetch = fetch,
) {
  const call = createCaller(getAccessToken, fetchImpl);

  return {
    listAgents: () => call<{ items: AgentInfo[] }>("/api/agents").then((r) => r.items),
    listConversations: () =>
      call<{ items: ConversationSummary[] }>("/api/conversations").then((r) => r.items),
    /** With `message`, the conversation starts with it in the same request (`runId` is its run). */
    createConversation: (body: { agent?: string; title?: string; message?: string }) =>
      call<ConversationSummary & { runId?: string }>("/api/conversations", {
        method: "POST",
        json: body,
      }),
    renameConversation: (id: string, title: string) =>
      call<ConversationSummary>(`/api/conversations/${id}`, { method: "PATCH", json: { title } }),
    deleteConversation: (id: string) =>
      call<void>(`/api/conversations/${id}`, { method: "DELETE" }),
    sendMessage: (id: string, text: string) =>
      call<{ runId: string }>(`/api/conversations/${id}/messages`, {
        method: "POST",
        json: { text },
      }),
    /** `keepalive`: the page shows the run stopped at once, so a reload right after must not drop the Stop. */
    cancel: (id: string, runId: string) =>
      call<{ runId: string }>(`/api/conversations/${id}/cancel`, {
        method: "POST",
        json: { runId },
        keepalive: true,
      }),
    /** The user signed in for a tool: the run that waits for this consent continues (202). */
    continueAfterConsent: (conversationId: string, consentId: string) =>
      call<{ runId: string }>(
        `/api/conversations/${encodeURIComponent(conversationId)}/consents/${encodeURIComponent(consentId)}/continue`,
        { method: "POST" },
      ),
    /** Retries the conversation's last failed tool call in a hidden run (after connecting). */
    retryToolCall: (id: string) =>
      call<{ runId: string }>(`/api/conversations/${id}/retry-tool`, { method: "POST" }),
    listConnections: () => call<ConnectionsList>("/api/connections"),
    disconnectProvider: (provider: string) =>
      call<void>(`/api/connections/${encodeURIComponent(provider)}`, { method: "DELETE" }),
    revokeConsent: (name: string) =>
      call<void>(`/api/connections/consents/${encodeURIComponent(name)}`, { method: "DELETE" }),
  };
}

/** One provider account the tools may act on (GET /api/connections). */
export interface ProviderConnectionInfo {
  provider: string;
  displayName: string;
  connected: boolean;
  accountLabel?: string;
  connectedAt?: string;
  scopes?: string[];
  connectUrl?: string;
}

/** The user's consent to an agent-service connection (OAuth identity passthrough). */
export interface ToolConsentInfo {
  name: string;
  displayName?: string;
  granted: boolean;
  scopes: string[];
  grantedAt?: string;
}

export interface ConnectionsList {
  providers: ProviderConnectionInfo[];
  consents: ToolConsentInfo[];
  /** False with Foundry: consents are managed there, and the list is empty. */
  consentsSupported: boolean;
}

export type ApiClient = ReturnType<typeof createApiClient>;
