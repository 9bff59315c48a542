import { eq } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { users } from "@/lib/db/schema/app";
import type { Principal } from "./principal";

/**
 * A user as last seen signing in, without a live token: for work that continues after the user's
 * request is gone (a run resumed by someone else's approval). Credentials for such a principal
 * come from what was kept server-side (lib/agents/credentials.ts), never from `token`.
 */
export async function storedPrincipal(userId: string): Promise<Principal | undefined> {
  const db = await getDb();
  const [row] = await db.select().from(users).where(eq(users.id, userId));
  if (!row) return undefined;
  return {
    userId: row.id,
    tenantId: row.tenantId,
    username: row.username,
    name: row.name,
    roles: row.roles,
    scopes: [],
    kind: "user",
    token: "",
  };
}
