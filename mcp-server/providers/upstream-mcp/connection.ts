import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { upstreamError, type HttpRefusal } from "./errors";

/** How we introduce ourselves in `initialize`. */
const CLIENT_INFO = { name: "foundry-agent-chat", version: "1.0.0" } as const;

export interface UpstreamTarget {
  /** The source id (`mcp:<id>`), for messages. */
  source: string;
  url: string;
}

/**
 * One short-lived MCP session with an upstream: `initialize`, whatever `session` asks, then the
 * session is ended (DELETE, when the upstream gave us a session id) and the client closed.
 *
 * A client per call rather than a pool, because:
 * - the headers differ per call: On-Behalf-Of tokens are per user, and a renewed app token must
 *   replace the refused one — the SDK fixes `requestInit.headers` when the transport is built;
 * - no session outlives a request, so no session state (nor a user's token) can leak from one
 *   caller to the next, and there is no stale-session (HTTP 404) recovery to get right;
 * - what it costs is the `initialize` round trip (plus the `initialized` notification), small
 *   next to a tool call that reaches a real service.
 *
 * Every HTTP request is bounded by `signal` (the tool's time budget) as well as by the SDK's own
 * abort; `timeoutMs` is the SDK's per-request timeout.
 */
export async function withUpstream<T>(
  target: UpstreamTarget,
  headers: Record<string, string>,
  opts: { signal: AbortSignal; timeoutMs: number },
  session: (client: Client, request: { signal: AbortSignal; timeout: number }) => Promise<T>,
): Promise<T> {
  let refusal: HttpRefusal | undefined;
  const bounded: FetchLike = async (url, init) => {
    const signal = init?.signal ? AbortSignal.any([init.signal, opts.signal]) : opts.signal;
    const res = await globalThis.fetch(url, { ...init, signal });
    // The optional GET stream's 405 is not a refusal of what we asked.
    if (!res.ok && init?.method === "POST")
      refusal = { status: res.status, retryAfter: res.headers.get("retry-after") };
    return res;
  };
  const transport = new StreamableHTTPClientTransport(new URL(target.url), {
    requestInit: { headers },
    fetch: bounded,
  });
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  const request = { signal: opts.signal, timeout: opts.timeoutMs };
  try {
    await client.connect(transport, request);
    return await session(client, request);
  } catch (err) {
    throw upstreamError(target.source, err, refusal);
  } finally {
    // Ending the session is a courtesy to the upstream; its failure changes nothing for us.
    await transport.terminateSession().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}
