import { randomBytes } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { getDb } from "@/lib/db/client";
import { sandboxPlannerTasks, sandboxSeeds } from "@/lib/db/schema";
import { ToolError } from "@/mcp-server/catalog/types";
import type { ProviderSession } from "../types";
import { assertValid, checkMaxLength, checkNotBlank } from "../validation";
import { assertSandboxSession } from "./session-issuer";

/** Graph limits: a task title is at most 255 characters; percentComplete 0-100; priority 0-10. */
export const PLANNER_MAX_TITLE = 255;
export const PLANNER_MAX_NOTES = 20_000;

/** Every user has these plans in the sandbox; any other plan id is not_found, as in Graph. */
export const sandboxPlans = [
  { id: "personal", title: "My tasks" },
  { id: "sales-pipeline", title: "Sales pipeline" },
] as const;

export type PlannerStatus = "notStarted" | "inProgress" | "completed";

export interface PlannerTask {
  id: string;
  planId: string;
  bucketId?: string;
  title: string;
  percentComplete: number;
  status: PlannerStatus;
  priority: number;
  startDateTime?: string;
  dueDateTime?: string;
  notes?: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  etag: string;
}

type Row = typeof sandboxPlannerTasks.$inferSelect;

/** Planner task ids are 28 URL-safe characters. */
const taskId = () => randomBytes(21).toString("base64url");
const newEtag = () => `W/"${randomBytes(12).toString("base64")}"`;

export function statusOf(percentComplete: number): PlannerStatus {
  return percentComplete >= 100 ? "completed" : percentComplete > 0 ? "inProgress" : "notStarted";
}

function toTask(r: Row): PlannerTask {
  return {
    id: r.id,
    planId: r.planId,
    ...(r.bucketId ? { bucketId: r.bucketId } : {}),
    title: r.title,
    percentComplete: r.percentComplete,
    status: statusOf(r.percentComplete),
    priority: r.priority,
    ...(r.startDateTime ? { startDateTime: r.startDateTime.toISOString() } : {}),
    ...(r.dueDateTime ? { dueDateTime: r.dueDateTime.toISOString() } : {}),
    ...(r.notes ? { notes: r.notes } : {}),
    createdDateTime: r.createdAt.toISOString(),
    lastModifiedDateTime: r.updatedAt.toISOString(),
    etag: r.etag,
  };
}

const seed = [
  {
    planId: "personal",
    title: "Call back Priya Shah about Saturday test drive",
    percentComplete: 0,
    priority: 1,
    dueInDays: 1,
  },
  {
    planId: "personal",
    title: "Prepare HP quote for Tom Becker (Solace PHEV)",
    percentComplete: 50,
    priority: 3,
    dueInDays: 2,
  },
  {
    planId: "sales-pipeline",
    title: "Northwind Traders fleet renewal: availability for 12 vehicles",
    percentComplete: 0,
    priority: 3,
    dueInDays: 4,
  },
  {
    planId: "sales-pipeline",
    title: "Update showroom price cards for Aurora EV price cut",
    percentComplete: 100,
    priority: 5,
    dueInDays: -1,
  },
];

async function ensurePlannerSeeded(userId: string): Promise<void> {
  const db = await getDb();
  await db.transaction(async (tx) => {
    const claimed = await tx
      .insert(sandboxSeeds)
      .values({ userId, kind: "planner" })
      .onConflictDoNothing()
      .returning();
    if (claimed.length === 0) return;
    const now = Date.now();
    await tx.insert(sandboxPlannerTasks).values(
      seed.map((s, i) => ({
        id: taskId(),
        userId,
        planId: s.planId,
        title: s.title,
        percentComplete: s.percentComplete,
        priority: s.priority,
        dueDateTime: new Date(now + s.dueInDays * 86_400_000),
        etag: newEtag(),
        createdAt: new Date(now - (seed.length - i) * 3_600_000),
        updatedAt: new Date(now - (seed.length - i) * 3_600_000),
      })),
    );
  });
}

function assertPlan(planId: string): void {
  if (!sandboxPlans.some((p) => p.id === planId))
    throw new ToolError("not_found", `Plan ${planId} was not found.`);
}

async function findTask(userId: string, id: string): Promise<Row> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(sandboxPlannerTasks)
    .where(and(eq(sandboxPlannerTasks.userId, userId), eq(sandboxPlannerTasks.id, id)));
  // Another user's task id is indistinguishable from one that never existed.
  if (!row) throw new ToolError("not_found", `Task ${id} was not found.`);
  return row;
}

/** Graph answers 412 Precondition Failed when If-Match does not carry the current etag. */
function assertEtag(row: Row, etag: string | undefined): void {
  if (etag !== undefined && etag !== row.etag) {
    throw new ToolError(
      "conflict",
      `Task ${row.id} was changed since it was read (etag mismatch); get it again and retry.`,
    );
  }
}

/** Graph refuses a start after the due date; shared with the live adapter. */
export function plannerDateProblem(
  start: Date | undefined,
  due: Date | undefined,
): string | undefined {
  return start && due && start > due ? "startDateTime must not be after dueDateTime." : undefined;
}

export async function listTasks(
  session: ProviderSession,
  userId: string,
  args: { planId?: string; status?: PlannerStatus; top: number },
): Promise<PlannerTask[]> {
  await assertSandboxSession(session, userId, "graph");
  if (args.planId) assertPlan(args.planId);
  await ensurePlannerSeeded(userId);
  const db = await getDb();
  const rows = await db
    .select()
    .from(sandboxPlannerTasks)
    .where(
      and(
        eq(sandboxPlannerTasks.userId, userId),
        args.planId ? eq(sandboxPlannerTasks.planId, args.planId) : undefined,
      ),
    )
    .orderBy(
      sql`${sandboxPlannerTasks.dueDateTime} asc nulls last`,
      asc(sandboxPlannerTasks.createdAt),
    );
  return rows
    .map(toTask)
    .filter((t) => !args.status || t.status === args.status)
    .slice(0, args.top);
}

export async function getTask(
  session: ProviderSession,
  userId: string,
  id: string,
): Promise<PlannerTask> {
  await assertSandboxSession(session, userId, "graph");
  await ensurePlannerSeeded(userId);
  return toTask(await findTask(userId, id));
}

export interface TaskFields {
  title?: string;
  notes?: string;
  bucketId?: string;
  percentComplete?: number;
  priority?: number;
  startDateTime?: string;
  dueDateTime?: string;
}

/** What Graph would refuse in these fields (title, notes); shared with the live adapter. */
export function plannerFieldProblems(f: TaskFields): (string | undefined)[] {
  return [
    f.title !== undefined ? checkNotBlank(f.title, "title") : undefined,
    f.title !== undefined ? checkMaxLength(f.title, PLANNER_MAX_TITLE, "title") : undefined,
    f.notes !== undefined ? checkMaxLength(f.notes, PLANNER_MAX_NOTES, "notes") : undefined,
  ];
}

const toDate = (v: string | undefined) => (v === undefined ? undefined : new Date(v));

export async function createTask(
  session: ProviderSession,
  userId: string,
  args: TaskFields & { title: string; planId: string },
): Promise<PlannerTask> {
  await assertSandboxSession(session, userId, "graph");
  assertPlan(args.planId);
  const start = toDate(args.startDateTime);
  const due = toDate(args.dueDateTime);
  assertValid([...plannerFieldProblems(args), plannerDateProblem(start, due)]);
  await ensurePlannerSeeded(userId);
  const db = await getDb();
  const [row] = await db
    .insert(sandboxPlannerTasks)
    .values({
      id: taskId(),
      userId,
      planId: args.planId,
      bucketId: args.bucketId,
      title: args.title.trim(),
      notes: args.notes,
      percentComplete: args.percentComplete ?? 0,
      priority: args.priority ?? 5,
      startDateTime: start,
      dueDateTime: due,
      etag: newEtag(),
    })
    .returning();
  return toTask(row!);
}

export async function updateTask(
  session: ProviderSession,
  userId: string,
  id: string,
  etag: string | undefined,
  f: TaskFields,
): Promise<PlannerTask> {
  await assertSandboxSession(session, userId, "graph");
  const changes = Object.entries(f).filter(([, v]) => v !== undefined);
  if (changes.length === 0)
    throw new ToolError("invalid_arguments", "Give at least one field to change.");
  await ensurePlannerSeeded(userId);
  const row = await findTask(userId, id);
  assertEtag(row, etag);
  const start =
    f.startDateTime !== undefined ? toDate(f.startDateTime) : (row.startDateTime ?? undefined);
  const due = f.dueDateTime !== undefined ? toDate(f.dueDateTime) : (row.dueDateTime ?? undefined);
  assertValid([...plannerFieldProblems(f), plannerDateProblem(start, due)]);
  const db = await getDb();
  // The etag in the WHERE makes the check-and-write atomic against a concurrent update.
  const [updated] = await db
    .update(sandboxPlannerTasks)
    .set({
      ...(f.title !== undefined ? { title: f.title.trim() } : {}),
      ...(f.notes !== undefined ? { notes: f.notes } : {}),
      ...(f.bucketId !== undefined ? { bucketId: f.bucketId } : {}),
      ...(f.percentComplete !== undefined ? { percentComplete: f.percentComplete } : {}),
      ...(f.priority !== undefined ? { priority: f.priority } : {}),
      startDateTime: start ?? null,
      dueDateTime: due ?? null,
      etag: newEtag(),
      updatedAt: new Date(),
    })
    .where(
      and(
        eq(sandboxPlannerTasks.userId, userId),
        eq(sandboxPlannerTasks.id, id),
        eq(sandboxPlannerTasks.etag, row.etag),
      ),
    )
    .returning();
  if (!updated)
    throw new ToolError(
      "conflict",
      `Task ${id} was changed while updating; get it again and retry.`,
    );
  return toTask(updated);
}

export async function deleteTask(
  session: ProviderSession,
  userId: string,
  id: string,
  etag: string | undefined,
): Promise<{ id: string; deleted: true; title: string }> {
  await assertSandboxSession(session, userId, "graph");
  await ensurePlannerSeeded(userId);
  const row = await findTask(userId, id);
  assertEtag(row, etag);
  const db = await getDb();
  const gone = await db
    .delete(sandboxPlannerTasks)
    .where(
      and(
        eq(sandboxPlannerTasks.userId, userId),
        eq(sandboxPlannerTasks.id, id),
        eq(sandboxPlannerTasks.etag, row.etag),
      ),
    )
    .returning({ id: sandboxPlannerTasks.id });
  if (gone.length === 0)
    throw new ToolError(
      "conflict",
      `Task ${id} was changed while deleting; get it again and retry.`,
    );
  return { id, deleted: true, title: row.title };
}
