import { and, eq } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { providerConnections } from "@/lib/db/schema";
import { dropProviderSession } from "@/mcp-server/providers/sessions";
import type { ConnectableProvider } from "@/mcp-server/providers/types";
import { connectableProviderInfo } from "./providers";

export interface ProviderConnection {
  provider: string;
  accountLabel: string;
  scopes: string[];
  connectedAt: Date;
}

/** Every read and write is keyed by the user id: a user only ever sees their own connections. */
export async function getConnection(
  userId: string,
  provider: string,
): Promise<ProviderConnection | undefined> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(providerConnections)
    .where(and(eq(providerConnections.userId, userId), eq(providerConnections.provider, provider)));
  return row
    ? {
        provider: row.provider,
        accountLabel: row.accountLabel,
        scopes: row.scopes,
        connectedAt: row.connectedAt,
      }
    : undefined;
}

export async function listConnections(userId: string): Promise<ProviderConnection[]> {
  const db = await getDb();
  const rows = await db
    .select()
    .from(providerConnections)
    .where(eq(providerConnections.userId, userId));
  return rows.map((r) => ({
    provider: r.provider,
    accountLabel: r.accountLabel,
    scopes: r.scopes,
    connectedAt: r.connectedAt,
  }));
}

/**
 * Records (or refreshes) the user's consent; connecting twice is harmless. `scopes` are what the
 * provider granted (a real OAuth provider); the sandbox grants everything the provider lists.
 */
export async function recordConnection(
  userId: string,
  provider: ConnectableProvider,
  accountLabel: string,
  granted?: readonly string[],
): Promise<ProviderConnection> {
  const db = await getDb();
  const scopes = [...(granted ?? connectableProviderInfo[provider].scopes)];
  const [row] = await db
    .insert(providerConnections)
    .values({ userId, provider, accountLabel, scopes })
    .onConflictDoUpdate({
      target: [providerConnections.userId, providerConnections.provider],
      set: { accountLabel, scopes, connectedAt: new Date() },
    })
    .returning();
  return {
    provider: row!.provider,
    accountLabel: row!.accountLabel,
    scopes: row!.scopes,
    connectedAt: row!.connectedAt,
  };
}

export async function removeConnection(userId: string, provider: string): Promise<boolean> {
  const db = await getDb();
  const rows = await db
    .delete(providerConnections)
    .where(and(eq(providerConnections.userId, userId), eq(providerConnections.provider, provider)))
    .returning({ provider: providerConnections.provider });
  await dropProviderSession(userId, provider);
  return rows.length > 0;
}
