import { getDb } from "@/lib/db/client";
import { users } from "@/lib/db/schema/app";
import { AppError } from "@/lib/errors";
import type { Principal } from "@/lib/identity/principal";
import { bearerChallenge } from "./challenge";
import { invalidToken, verifyAccessToken } from "./verify";

/**
 * The `/api/*` gate for people: a verified user token for this API (401 problem+json with an
 * RFC 6750 challenge otherwise; 403 for an application's token). Callers are recorded in `users` (the row other tables reference by `oid`).
 */
export async function authenticate(req: Request): Promise<Principal> {
  const header = req.headers.get("authorization");
  const token = bearerToken(header);
  if (!token && /^\s*bearer\b/i.test(header ?? ""))
    throw invalidToken("The Authorization header is malformed.");
  if (!token) {
    throw new AppError("unauthenticated", "Sign in to continue.", {
      headers: { "www-authenticate": bearerChallenge() },
    });
  }
  const principal = await verifyAccessToken(token, { audience: "api" });
  // The chat, approvals, connections and admin APIs act for people. An application (app-only
  // token, whatever its roles) has nobody to act for here; its door is /api/mcp.
  if (principal.kind !== "user") {
    throw new AppError(
      "forbidden",
      "This API is for signed-in users; applications call the tools at /api/mcp.",
    );
  }
  await rememberUser(principal);
  return principal;
}

/** `Bearer <token>` with any casing of the scheme; anything else counts as no token (RFC 6750 §3). */
export function bearerToken(header: string | null): string | undefined {
  const match = /^\s*bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header ?? "");
  return match?.[1];
}

const RECENT_MS = 5 * 60_000;
const KEY = Symbol.for("foundry-agent-chat.identity.recent-users");
type Holder = { [KEY]?: Map<string, { at: number; fingerprint: string }> };

function recent(): Map<string, { at: number; fingerprint: string }> {
  const g = globalThis as Holder;
  g[KEY] ??= new Map();
  return g[KEY];
}

/**
 * Upserts the caller, skipping the write when this process wrote the same facts in the last five
 * minutes (every API request authenticates; most need no write). Changed roles or names are written
 * at once.
 */
async function rememberUser(p: Principal): Promise<void> {
  const fingerprint = JSON.stringify([p.tenantId, p.username, p.name, p.roles]);
  const seen = recent().get(p.userId);
  const now = Date.now();
  if (seen && seen.fingerprint === fingerprint && now - seen.at < RECENT_MS) return;
  const db = await getDb();
  const values = { tenantId: p.tenantId, username: p.username, name: p.name, roles: p.roles };
  await db
    .insert(users)
    .values({ id: p.userId, ...values })
    .onConflictDoUpdate({ target: users.id, set: { ...values, lastSeenAt: new Date() } });
  if (recent().size > 10_000) recent().clear();
  recent().set(p.userId, { at: now, fingerprint });
}

/** Tests that swap databases forget what was written to the previous one. */
export function resetRecentUsers(): void {
  recent().clear();
}
