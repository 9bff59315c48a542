import { and, desc, eq } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { conversations } from "@/lib/db/schema";
import { AppError } from "@/lib/errors";
import { uuid } from "@/lib/ids";
import type { Principal } from "@/lib/identity/principal";

export const DEFAULT_TITLE = "New conversation";

export type ConversationRow = typeof conversations.$inferSelect;

export interface ConversationSummary {
  id: string;
  title: string;
  agent: { name: string; version?: string };
  createdAt: string;
  updatedAt: string;
}

export function toSummary(c: ConversationRow): ConversationSummary {
  return {
    id: c.id,
    title: c.title,
    agent: { name: c.agentName, ...(c.agentVersion ? { version: c.agentVersion } : {}) },
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export async function createConversation(
  owner: Principal,
  input: { agentName: string; agentVersion?: string; title?: string },
): Promise<ConversationRow> {
  const db = await getDb();
  const [row] = await db
    .insert(conversations)
    .values({
      id: uuid(),
      ownerId: owner.userId,
      title: input.title ?? DEFAULT_TITLE,
      agentName: input.agentName,
      agentVersion: input.agentVersion,
    })
    .returning();
  return row!;
}

export async function listConversations(owner: Principal, limit = 200): Promise<ConversationRow[]> {
  const db = await getDb();
  return db
    .select()
    .from(conversations)
    .where(eq(conversations.ownerId, owner.userId))
    .orderBy(desc(conversations.updatedAt))
    .limit(limit);
}

/** The caller's conversation, or 404 — also when it exists but belongs to someone else. */
export async function getOwnedConversation(owner: Principal, id: string): Promise<ConversationRow> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.ownerId, owner.userId)));
  if (!row) throw new AppError("not_found", "That conversation does not exist.");
  return row;
}

export async function renameConversation(
  owner: Principal,
  id: string,
  title: string,
): Promise<ConversationRow> {
  await getOwnedConversation(owner, id);
  const db = await getDb();
  const [row] = await db
    .update(conversations)
    .set({ title, updatedAt: new Date() })
    .where(and(eq(conversations.id, id), eq(conversations.ownerId, owner.userId)))
    .returning();
  return row!;
}

export async function setUpstreamConversation(id: string, upstreamId: string): Promise<void> {
  const db = await getDb();
  await db
    .update(conversations)
    .set({ upstreamConversationId: upstreamId })
    .where(eq(conversations.id, id));
}

/** Names an untitled conversation after its first message, as chat apps do. */
export async function titleFromFirstMessage(row: ConversationRow, text: string): Promise<void> {
  if (row.title !== DEFAULT_TITLE) return;
  const title = deriveTitle(text);
  const db = await getDb();
  await db
    .update(conversations)
    .set({ title })
    .where(and(eq(conversations.id, row.id), eq(conversations.title, DEFAULT_TITLE)));
}

export function deriveTitle(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= 60 ? oneLine || DEFAULT_TITLE : `${oneLine.slice(0, 57).trimEnd()}…`;
}

export async function deleteConversation(owner: Principal, id: string): Promise<void> {
  await getOwnedConversation(owner, id);
  const db = await getDb();
  await db
    .delete(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.ownerId, owner.userId)));
}

/** A conversation by id, whoever owns it: for server-side work already bound to it (a run). */
export async function getConversationById(id: string): Promise<ConversationRow | undefined> {
  const db = await getDb();
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
  return row;
}
