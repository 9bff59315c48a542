import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Principal } from "@/lib/identity/principal";
import type { UpstreamMcpConfig } from "@/lib/tool-backends";
import { ToolError } from "@/mcp-server/catalog/types";
import { withUpstream } from "./connection";
import { withRenewal } from "./credentials";

/** Enough for any real server; a cursor that never ends is an upstream bug, not a reason to spin. */
export const MAX_LIST_PAGES = 50;
/** The SDK's per-request timeout while listing (the catalog bounds the whole listing itself). */
const LIST_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Who lists: the server itself, at start-up and in the background, with no user. Only the
 * principal-less credentials (none, api_key, client_credentials) ever see it: the upstream's
 * `listAuth` when set (required with `auth: obo`, lib/tool-backends.ts), else its `auth`.
 */
const SERVER: Principal = {
  userId: "foundry-agent-chat",
  tenantId: "",
  username: "foundry-agent-chat",
  name: "Foundry Agent Chat (tool listing)",
  roles: [],
  scopes: [],
  kind: "app",
  token: "",
};

/**
 * The upstream's whole `tools/list` (every page, following `nextCursor`). Filtering by the
 * allowlist is the caller's job; nothing here is offered yet.
 */
export async function listUpstreamTools(
  source: string,
  config: UpstreamMcpConfig,
  signal: AbortSignal,
): Promise<Tool[]> {
  const auth = config.listAuth ?? config.auth;
  // lib/tool-backends.ts refuses an obo upstream without listAuth; this only guards the type.
  if (auth.type === "obo")
    throw new Error(`${source}: auth "obo" needs listAuth to list its tools.`);
  const timeoutMs = Math.min(config.timeoutMs ?? LIST_REQUEST_TIMEOUT_MS, LIST_REQUEST_TIMEOUT_MS);
  // Its own token cache entry: a listing token (another scope, say) never serves a call.
  const authId = config.listAuth ? `${source} listing` : source;
  return withRenewal(
    source,
    auth,
    SERVER,
    (headers) =>
      withUpstream({ source, url: config.url }, headers, { signal, timeoutMs }, (client, req) =>
        allPages(source, client, req),
      ),
    authId,
  );
}

async function allPages(
  source: string,
  client: Client,
  req: { signal: AbortSignal; timeout: number },
): Promise<Tool[]> {
  const tools: Tool[] = [];
  const cursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const res = await client.listTools(cursor ? { cursor } : {}, req);
    tools.push(...res.tools);
    cursor = res.nextCursor;
    if (!cursor) return tools;
    if (cursors.has(cursor)) throw listingError(source, "tools/list repeated a cursor");
    cursors.add(cursor);
  }
  throw listingError(source, `tools/list did not end within ${MAX_LIST_PAGES} pages`);
}

function listingError(source: string, why: string): ToolError {
  return new ToolError("provider_error", `The ${source} MCP server: ${why}.`, {
    retriable: false,
    provider: source,
  });
}
