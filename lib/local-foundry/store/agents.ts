import { and, desc, eq } from "drizzle-orm";
import { lfAgentVersions } from "@/lib/db/schema";
import type { AgentVersionRecord } from "../shapes";
import { isUniqueViolation, type Exec } from "./db";

export interface NewAgentVersion {
  description?: string | null;
  definition: unknown;
  metadata?: Record<string, string> | null;
}

function toRecord(row: typeof lfAgentVersions.$inferSelect): AgentVersionRecord {
  return {
    name: row.name,
    version: row.version,
    description: row.description,
    definition: row.definition,
    metadata: row.metadata,
    createdAt: row.createdAt,
  };
}

/** Adds version n+1. Two creators racing for the same number: the loser retries with the next one. */
export async function createAgentVersion(
  db: Exec,
  name: string,
  v: NewAgentVersion,
): Promise<AgentVersionRecord> {
  for (let attempt = 0; ; attempt++) {
    const latest = await getLatestAgentVersion(db, name);
    try {
      return await insertVersion(db, name, (latest?.version ?? 0) + 1, v);
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 4) throw err;
    }
  }
}

async function insertVersion(db: Exec, name: string, version: number, v: NewAgentVersion) {
  const [row] = await db
    .insert(lfAgentVersions)
    .values({
      name,
      version,
      description: v.description ?? null,
      definition: v.definition,
      metadata: v.metadata ?? null,
    })
    .returning();
  return toRecord(row!);
}

/** Inserts version 1 unless the agent already has any version; safe when several processes race. */
export async function createAgentIfAbsent(
  db: Exec,
  name: string,
  v: NewAgentVersion,
): Promise<boolean> {
  if (await getLatestAgentVersion(db, name)) return false;
  const rows = await db
    .insert(lfAgentVersions)
    .values({
      name,
      version: 1,
      description: v.description ?? null,
      definition: v.definition,
      metadata: v.metadata ?? null,
    })
    .onConflictDoNothing()
    .returning({ name: lfAgentVersions.name });
  return rows.length > 0;
}

/** Inserts exactly this version unless it exists (a concurrent seeder got there first). */
export async function insertVersionIfAbsent(
  db: Exec,
  name: string,
  version: number,
  v: NewAgentVersion,
): Promise<boolean> {
  const rows = await db
    .insert(lfAgentVersions)
    .values({
      name,
      version,
      description: v.description ?? null,
      definition: v.definition,
      metadata: v.metadata ?? null,
    })
    .onConflictDoNothing()
    .returning({ name: lfAgentVersions.name });
  return rows.length > 0;
}

export async function getLatestAgentVersion(
  db: Exec,
  name: string,
): Promise<AgentVersionRecord | undefined> {
  const [row] = await db
    .select()
    .from(lfAgentVersions)
    .where(eq(lfAgentVersions.name, name))
    .orderBy(desc(lfAgentVersions.version))
    .limit(1);
  return row ? toRecord(row) : undefined;
}

export async function getAgentVersion(
  db: Exec,
  name: string,
  version: string,
): Promise<AgentVersionRecord | undefined> {
  const n = Number(version);
  if (!Number.isInteger(n) || n < 1) return undefined;
  const [row] = await db
    .select()
    .from(lfAgentVersions)
    .where(and(eq(lfAgentVersions.name, name), eq(lfAgentVersions.version, n)));
  return row ? toRecord(row) : undefined;
}

/** Latest version of every agent, by name. The local service holds few agents, so no SQL paging. */
export async function listLatestAgentVersions(db: Exec): Promise<AgentVersionRecord[]> {
  const rows = await db
    .selectDistinctOn([lfAgentVersions.name])
    .from(lfAgentVersions)
    .orderBy(lfAgentVersions.name, desc(lfAgentVersions.version));
  return rows.map(toRecord);
}

export async function listAgentVersions(db: Exec, name: string): Promise<AgentVersionRecord[]> {
  const rows = await db
    .select()
    .from(lfAgentVersions)
    .where(eq(lfAgentVersions.name, name))
    .orderBy(lfAgentVersions.version);
  return rows.map(toRecord);
}

export async function deleteAgentVersion(
  db: Exec,
  name: string,
  version: string,
): Promise<boolean> {
  const n = Number(version);
  if (!Number.isInteger(n) || n < 1) return false;
  const rows = await db
    .delete(lfAgentVersions)
    .where(and(eq(lfAgentVersions.name, name), eq(lfAgentVersions.version, n)))
    .returning({ name: lfAgentVersions.name });
  return rows.length > 0;
}

export async function deleteAgent(db: Exec, name: string): Promise<boolean> {
  const rows = await db
    .delete(lfAgentVersions)
    .where(eq(lfAgentVersions.name, name))
    .returning({ name: lfAgentVersions.name });
  return rows.length > 0;
}
