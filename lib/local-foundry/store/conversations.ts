import { and, asc, eq, max } from "drizzle-orm";
import { lfConversations, lfItems } from "@/lib/db/schema";
import type { Json } from "../shapes";
import type { Exec } from "./db";

export type ConversationRow = typeof lfConversations.$inferSelect;

export async function insertConversation(
  db: Exec,
  c: { id: string; ownerId: string; metadata: Record<string, string> | null },
): Promise<ConversationRow> {
  const [row] = await db.insert(lfConversations).values(c).returning();
  return row!;
}

/** Owner-scoped: another caller's conversation does not exist for you. */
export async function getConversation(
  db: Exec,
  ownerId: string,
  id: string,
): Promise<ConversationRow | undefined> {
  const [row] = await db
    .select()
    .from(lfConversations)
    .where(and(eq(lfConversations.id, id), eq(lfConversations.ownerId, ownerId)));
  return row;
}

/** Same, and holds the row lock until the transaction ends, so appends to one conversation queue up. */
export async function lockConversation(
  db: Exec,
  ownerId: string,
  id: string,
): Promise<ConversationRow | undefined> {
  const [row] = await db
    .select()
    .from(lfConversations)
    .where(and(eq(lfConversations.id, id), eq(lfConversations.ownerId, ownerId)))
    .for("update");
  return row;
}

export async function deleteConversation(db: Exec, ownerId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(lfConversations)
    .where(and(eq(lfConversations.id, id), eq(lfConversations.ownerId, ownerId)))
    .returning({ id: lfConversations.id });
  return rows.length > 0;
}

/** Appends items (each carrying its own `id`) at the end. Call with the conversation locked. */
export async function appendItems(db: Exec, conversationId: string, items: Json[]): Promise<void> {
  if (items.length === 0) return;
  const [last] = await db
    .select({ position: max(lfItems.position) })
    .from(lfItems)
    .where(eq(lfItems.conversationId, conversationId));
  const start = (last?.position ?? -1) + 1;
  await db
    .insert(lfItems)
    .values(
      items.map((item, i) => ({ id: String(item.id), conversationId, position: start + i, item })),
    );
}

export async function allItems(db: Exec, conversationId: string): Promise<Json[]> {
  const rows = await db
    .select({ item: lfItems.item })
    .from(lfItems)
    .where(eq(lfItems.conversationId, conversationId))
    .orderBy(asc(lfItems.position));
  return rows.map((r) => r.item as Json);
}

export async function getItem(
  db: Exec,
  conversationId: string,
  itemId: string,
): Promise<Json | undefined> {
  const [row] = await db
    .select({ item: lfItems.item })
    .from(lfItems)
    .where(and(eq(lfItems.conversationId, conversationId), eq(lfItems.id, itemId)));
  return row?.item as Json | undefined;
}
