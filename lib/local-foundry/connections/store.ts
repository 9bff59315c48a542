import { createHash } from "node:crypto";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import {
  lfConnectionGrants,
  lfConnections,
  lfConsentRequests,
} from "@/lib/db/schema/local-foundry-connections";
import { open, seal } from "@/lib/secrets/seal";
import type { Exec } from "../store/db";
import type { ConnectionDefinition } from "./definitions";

/** A stored connection (settings only; its secrets live elsewhere, sealed). */
export type Connection = ConnectionDefinition;

function toConnection(row: typeof lfConnections.$inferSelect): Connection {
  return {
    name: row.name,
    kind: row.kind,
    displayName: row.displayName,
    target: row.target,
    config: row.config,
  } as unknown as Connection;
}

/** Inserts the connection, or updates its settings when they changed (APP_URL moved). */
export async function upsertConnection(db: Exec, def: ConnectionDefinition): Promise<void> {
  await db
    .insert(lfConnections)
    .values({
      name: def.name,
      kind: def.kind,
      displayName: def.displayName,
      target: def.target,
      config: def.config as unknown as Record<string, unknown>,
    })
    .onConflictDoUpdate({
      target: lfConnections.name,
      set: {
        kind: sql`excluded.kind`,
        displayName: sql`excluded.display_name`,
        target: sql`excluded.target`,
        config: sql`excluded.config`,
        updatedAt: sql`now()`,
      },
      // Only when something differs: concurrent identical seeds write nothing.
      setWhere: sql`(${lfConnections.kind}, ${lfConnections.displayName}, ${lfConnections.target}, ${lfConnections.config}) is distinct from (excluded.kind, excluded.display_name, excluded.target, excluded.config)`,
    });
}

export async function getConnection(db: Exec, name: string): Promise<Connection | undefined> {
  const [row] = await db.select().from(lfConnections).where(eq(lfConnections.name, name));
  return row ? toConnection(row) : undefined;
}

export async function listConnections(db: Exec): Promise<Connection[]> {
  const rows = await db.select().from(lfConnections).orderBy(lfConnections.name);
  return rows.map(toConnection);
}

/**
 * Takes the connection's credential lease (30 s) when nobody holds it: the one process that gets
 * it creates the connection's secret. False when another process holds it.
 */
export async function claimCredentialLease(db: Exec, name: string): Promise<boolean> {
  const rows = await db
    .update(lfConnections)
    .set({ credentialLeaseUntil: sql`now() + interval '30 seconds'` })
    .where(
      and(
        eq(lfConnections.name, name),
        or(
          isNull(lfConnections.credentialLeaseUntil),
          lt(lfConnections.credentialLeaseUntil, sql`now()`),
        ),
      ),
    )
    .returning({ name: lfConnections.name });
  return rows.length > 0;
}

export async function releaseCredentialLease(db: Exec, name: string): Promise<void> {
  await db
    .update(lfConnections)
    .set({ credentialLeaseUntil: null })
    .where(eq(lfConnections.name, name));
}

// --- grants ---------------------------------------------------------------------------------------

export interface GrantTokens {
  access_token: string;
  refresh_token: string | null;
}

export interface Grant {
  connectionName: string;
  userId: string;
  scopes: string;
  tokens: GrantTokens;
  accessExpiresAt: Date;
  connectedAt: Date;
  refreshedAt: Date | null;
}

/** Tokens are sealed with the grant's identity as associated data: a row copied elsewhere does not open. */
const grantAad = (connectionName: string, userId: string) =>
  `lf_connection_grants:${connectionName}:${userId}`;

export async function getGrant(
  db: Exec,
  connectionName: string,
  userId: string,
): Promise<Grant | undefined> {
  const [row] = await db
    .select()
    .from(lfConnectionGrants)
    .where(
      and(
        eq(lfConnectionGrants.connectionName, connectionName),
        eq(lfConnectionGrants.userId, userId),
      ),
    );
  if (!row) return undefined;
  let tokens: GrantTokens;
  try {
    tokens = JSON.parse(open(row.tokens, grantAad(connectionName, userId))) as GrantTokens;
  } catch {
    return undefined; // unreadable (another key, tampered): as if there were none
  }
  return {
    connectionName,
    userId,
    scopes: row.scopes,
    tokens,
    accessExpiresAt: row.accessExpiresAt,
    connectedAt: row.connectedAt,
    refreshedAt: row.refreshedAt,
  };
}

/** A new consent replaces whatever grant the user had for the connection. */
export async function putGrant(
  db: Exec,
  g: {
    connectionName: string;
    userId: string;
    scopes: string;
    tokens: GrantTokens;
    expiresIn: number;
  },
): Promise<void> {
  const values = {
    connectionName: g.connectionName,
    userId: g.userId,
    scopes: g.scopes,
    tokens: seal(JSON.stringify(g.tokens), grantAad(g.connectionName, g.userId)),
    accessExpiresAt: new Date(Date.now() + g.expiresIn * 1000),
    connectedAt: new Date(),
    refreshedAt: null,
    refreshLeaseUntil: null,
  };
  await db
    .insert(lfConnectionGrants)
    .values(values)
    .onConflictDoUpdate({
      target: [lfConnectionGrants.connectionName, lfConnectionGrants.userId],
      set: {
        scopes: values.scopes,
        tokens: values.tokens,
        accessExpiresAt: values.accessExpiresAt,
        connectedAt: values.connectedAt,
        refreshedAt: null,
        refreshLeaseUntil: null,
      },
    });
}

/** Stores refreshed tokens and releases the refresh lease. */
export async function updateGrantTokens(
  db: Exec,
  connectionName: string,
  userId: string,
  tokens: GrantTokens,
  expiresIn: number,
  scopes: string,
): Promise<void> {
  await db
    .update(lfConnectionGrants)
    .set({
      tokens: seal(JSON.stringify(tokens), grantAad(connectionName, userId)),
      accessExpiresAt: new Date(Date.now() + expiresIn * 1000),
      refreshedAt: new Date(),
      refreshLeaseUntil: null,
      scopes,
    })
    .where(
      and(
        eq(lfConnectionGrants.connectionName, connectionName),
        eq(lfConnectionGrants.userId, userId),
      ),
    );
}

/** Takes the grant's refresh lease (15 s); false when another process is refreshing. */
export async function claimRefreshLease(
  db: Exec,
  connectionName: string,
  userId: string,
): Promise<boolean> {
  const rows = await db
    .update(lfConnectionGrants)
    .set({ refreshLeaseUntil: sql`now() + interval '15 seconds'` })
    .where(
      and(
        eq(lfConnectionGrants.connectionName, connectionName),
        eq(lfConnectionGrants.userId, userId),
        or(
          isNull(lfConnectionGrants.refreshLeaseUntil),
          lt(lfConnectionGrants.refreshLeaseUntil, sql`now()`),
        ),
      ),
    )
    .returning({ userId: lfConnectionGrants.userId });
  return rows.length > 0;
}

export async function deleteGrant(
  db: Exec,
  connectionName: string,
  userId: string,
): Promise<boolean> {
  const rows = await db
    .delete(lfConnectionGrants)
    .where(
      and(
        eq(lfConnectionGrants.connectionName, connectionName),
        eq(lfConnectionGrants.userId, userId),
      ),
    )
    .returning({ userId: lfConnectionGrants.userId });
  return rows.length > 0;
}

// --- consent requests -----------------------------------------------------------------------------

export type ConsentStatus = "pending" | "completing" | "allowed" | "denied" | "failed";

export interface ConsentRequest {
  id: string;
  userId: string;
  connectionName: string;
  serverLabel: string;
  responseId: string;
  codeVerifier: string;
  status: ConsentStatus;
  error: string | null;
  expiresAt: Date;
}

export const hashState = (state: string) => createHash("sha256").update(state).digest("hex");
const verifierAad = (id: string) => `lf_consent_requests:${id}`;

export async function insertConsentRequest(
  db: Exec,
  r: {
    id: string;
    state: string;
    userId: string;
    connectionName: string;
    serverLabel: string;
    responseId: string;
    codeVerifier: string;
    ttlMs: number;
  },
): Promise<void> {
  await db.insert(lfConsentRequests).values({
    id: r.id,
    stateHash: hashState(r.state),
    userId: r.userId,
    connectionName: r.connectionName,
    serverLabel: r.serverLabel,
    responseId: r.responseId,
    codeVerifier: seal(r.codeVerifier, verifierAad(r.id)),
    status: "pending",
    expiresAt: new Date(Date.now() + r.ttlMs),
  });
}

function toConsent(row: typeof lfConsentRequests.$inferSelect): ConsentRequest {
  let verifier = "";
  try {
    verifier = open(row.codeVerifier, verifierAad(row.id));
  } catch {
    verifier = "";
  }
  return {
    id: row.id,
    userId: row.userId,
    connectionName: row.connectionName,
    serverLabel: row.serverLabel,
    responseId: row.responseId,
    codeVerifier: verifier,
    status: row.status,
    error: row.error,
    expiresAt: row.expiresAt,
  };
}

export async function getConsentRequest(db: Exec, id: string): Promise<ConsentRequest | undefined> {
  const [row] = await db.select().from(lfConsentRequests).where(eq(lfConsentRequests.id, id));
  return row ? toConsent(row) : undefined;
}

/**
 * Takes the pending, unexpired request a callback's `state` names, once: it moves to `completing`
 * in one conditional UPDATE, so a replayed callback finds nothing.
 */
export async function takeConsentRequestByState(
  db: Exec,
  state: string,
): Promise<ConsentRequest | undefined> {
  const [row] = await db
    .update(lfConsentRequests)
    .set({ status: "completing" })
    .where(
      and(
        eq(lfConsentRequests.stateHash, hashState(state)),
        eq(lfConsentRequests.status, "pending"),
        sql`${lfConsentRequests.expiresAt} > now()`,
      ),
    )
    .returning();
  return row ? toConsent(row) : undefined;
}

export async function finishConsentRequest(
  db: Exec,
  id: string,
  status: "allowed" | "denied" | "failed",
  error: string | null = null,
): Promise<void> {
  await db
    .update(lfConsentRequests)
    .set({ status, error, completedAt: new Date() })
    .where(eq(lfConsentRequests.id, id));
}

export async function releaseRefreshLease(
  db: Exec,
  connectionName: string,
  userId: string,
): Promise<void> {
  await db
    .update(lfConnectionGrants)
    .set({ refreshLeaseUntil: null })
    .where(
      and(
        eq(lfConnectionGrants.connectionName, connectionName),
        eq(lfConnectionGrants.userId, userId),
      ),
    );
}
