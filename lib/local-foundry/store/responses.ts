import { and, eq } from "drizzle-orm";
import { lfResponses } from "@/lib/db/schema";
import type { Json, ResponseStatus } from "../shapes";
import type { Exec } from "./db";

export type ResponseRow = typeof lfResponses.$inferSelect;

export async function insertResponse(
  db: Exec,
  r: {
    id: string;
    ownerId: string;
    conversationId: string | null;
    previousResponseId: string | null;
    status: ResponseStatus;
    body: Json;
    inputItems: Json[];
  },
): Promise<void> {
  await db.insert(lfResponses).values(r);
}

export async function updateResponse(
  db: Exec,
  id: string,
  status: ResponseStatus,
  body: Json,
): Promise<void> {
  await db.update(lfResponses).set({ status, body }).where(eq(lfResponses.id, id));
}

export async function getResponse(
  db: Exec,
  ownerId: string,
  id: string,
): Promise<ResponseRow | undefined> {
  const [row] = await db
    .select()
    .from(lfResponses)
    .where(and(eq(lfResponses.id, id), eq(lfResponses.ownerId, ownerId)));
  return row;
}

export async function deleteResponse(db: Exec, ownerId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(lfResponses)
    .where(and(eq(lfResponses.id, id), eq(lfResponses.ownerId, ownerId)))
    .returning({ id: lfResponses.id });
  return rows.length > 0;
}
