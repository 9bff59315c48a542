/** RFC 6750 `WWW-Authenticate` challenges. Values are our own fixed strings, quoted safely. */
export const REALM = "foundry-agent-chat";

export interface ChallengeParams {
  error?: "invalid_token" | "insufficient_scope" | "invalid_request";
  description?: string;
  /** Space-separated scopes the resource needs (for insufficient_scope). */
  scope?: string;
  /** Extra auth-params, e.g. `resource_metadata` (RFC 9728) for the MCP endpoint. */
  extra?: Record<string, string>;
}

export function bearerChallenge(params: ChallengeParams = {}): string {
  const parts: [string, string][] = [["realm", REALM]];
  if (params.error) parts.push(["error", params.error]);
  if (params.description) parts.push(["error_description", params.description]);
  if (params.scope) parts.push(["scope", params.scope]);
  for (const [k, v] of Object.entries(params.extra ?? {})) parts.push([k, v]);
  return `Bearer ${parts.map(([k, v]) => `${k}="${quote(v)}"`).join(", ")}`;
}

// Header values must stay on one line and inside their quotes.
function quote(v: string): string {
  return v.replace(/[\r\n]+/g, " ").replace(/["\\]/g, "'");
}
