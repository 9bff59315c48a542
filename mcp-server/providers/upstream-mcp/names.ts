/**
 * Catalog names of an upstream's tools: `mcp_<id>_<upstream name>`, so the policy's `mcp_*`
 * allowlist covers them and two upstreams (or an upstream and a built-in tool) never share one.
 */

/** What Foundry and most model APIs accept as a function name. */
export const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_TOOL_NAME_LENGTH = 64;

export type NameResult = { ok: true; name: string } | { ok: false; reason: string };

/**
 * Characters outside `[A-Za-z0-9_-]` become `_`. A name longer than 64 characters is refused, not
 * cut: a cut name could later point at another upstream tool once the upstream's list changes,
 * and approvals are bound to names.
 */
export function federatedName(upstreamId: string, upstreamName: string): NameResult {
  const name = `mcp_${upstreamId}_${upstreamName.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  if (name.length > MAX_TOOL_NAME_LENGTH)
    return {
      ok: false,
      reason: `its name would be ${name.length} characters (at most ${MAX_TOOL_NAME_LENGTH})`,
    };
  return { ok: true, name };
}

/**
 * Names two upstream tools share after sanitizing (`a.b` and `a_b` both → `mcp_x_a_b`). All of
 * them are left out: keeping the first would make which tool a name means depend on the order
 * the upstream lists them in.
 */
export function collidingNames(names: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  return dup;
}
