import type { Turn } from "@/lib/chat/reducer";
import { providerDisplayName } from "./providers";

/**
 * A tool call that failed because the user has not connected the provider: our MCP server's
 * error result `{ code: "auth_required", provider, connect_url, message, … }` (JSON text in the
 * failed call's `error`). Browser-safe.
 */
export interface AuthRequired {
  toolName: string;
  provider: string;
  displayName: string;
  connectUrl: string;
  message?: string;
}

export function parseAuthRequired(
  toolName: string,
  error: string | undefined,
): AuthRequired | undefined {
  if (!error) return undefined;
  let e: unknown;
  try {
    e = JSON.parse(error);
  } catch {
    return undefined;
  }
  const v = e as { code?: unknown; provider?: unknown; connect_url?: unknown; message?: unknown };
  if (!v || typeof v !== "object" || v.code !== "auth_required") return undefined;
  if (typeof v.provider !== "string" || typeof v.connect_url !== "string") return undefined;
  if (!isAppLink(v.connect_url)) return undefined;
  return {
    toolName,
    provider: v.provider,
    displayName: providerDisplayName(v.provider),
    connectUrl: v.connect_url,
    ...(typeof v.message === "string" ? { message: v.message } : {}),
  };
}

/** http(s) only: a connect link is opened in a popup, never a `javascript:` or `data:` URL. */
function isAppLink(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}

/** The turn's last tool call failed with `auth_required`, once the turn has ended. */
export function authRequiredOfTurn(turn: Turn): AuthRequired | undefined {
  if (turn.status !== "completed" && turn.status !== "failed") return undefined;
  for (let i = turn.blocks.length - 1; i >= 0; i--) {
    const b = turn.blocks[i]!;
    if (b.type !== "tool_call") continue;
    return b.status === "failed" ? parseAuthRequired(b.name, b.error) : undefined;
  }
  return undefined;
}
