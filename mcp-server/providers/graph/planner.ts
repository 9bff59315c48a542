import { getConfig } from "@/lib/config";
import { ToolError } from "@/mcp-server/catalog/types";
import {
  plannerDateProblem,
  plannerFieldProblems,
  statusOf,
  type PlannerStatus,
  type PlannerTask,
  type TaskFields,
} from "../sandbox/planner";
import { assertValid } from "../validation";
import { seg, type GraphApi } from "./client";

/** Graph's plannerTask, as much of it as the tools show. */
interface GraphTask {
  "@odata.etag"?: string;
  id: string;
  planId: string;
  bucketId?: string | null;
  title: string;
  percentComplete?: number | null;
  priority?: number | null;
  startDateTime?: string | null;
  dueDateTime?: string | null;
  createdDateTime: string;
  completedDateTime?: string | null;
}

interface GraphTaskDetails {
  "@odata.etag"?: string;
  description?: string | null;
}

interface GraphPage<T> {
  value: T[];
  "@odata.nextLink"?: string;
}

/** Planner lists come in pages; the tools sort the whole list, within reason. */
const MAX_PAGES = 10;
/** The sandbox's name for "my plan"; live, it means GRAPH_PLANNER_DEFAULT_PLAN_ID. */
const DEFAULT_PLAN_ALIAS = "personal";

const iso = (v: string) => new Date(v).toISOString();
const taskPath = (id: string) => `/planner/tasks/${seg(id)}`;
const notFound = (id: string) => `Task ${id} was not found.`;
const conflict = (id: string) =>
  `Task ${id} was changed by someone else since it was read (etag mismatch); get it again and retry.`;

/**
 * plannerTask → the tools' task. Graph keeps no last-modified time on a task, so
 * `lastModifiedDateTime` is the latest one it does report: completion, else creation.
 */
function toTask(t: GraphTask, notes?: string | null): PlannerTask {
  const percentComplete = t.percentComplete ?? 0;
  const created = iso(t.createdDateTime);
  const completed = t.completedDateTime ? iso(t.completedDateTime) : undefined;
  return {
    id: t.id,
    planId: t.planId,
    ...(t.bucketId ? { bucketId: t.bucketId } : {}),
    title: t.title,
    percentComplete,
    status: statusOf(percentComplete),
    priority: t.priority ?? 5,
    ...(t.startDateTime ? { startDateTime: iso(t.startDateTime) } : {}),
    ...(t.dueDateTime ? { dueDateTime: iso(t.dueDateTime) } : {}),
    ...(notes ? { notes } : {}),
    createdDateTime: created,
    lastModifiedDateTime: completed && completed > created ? completed : created,
    etag: t["@odata.etag"] ?? "",
  };
}

/** The plan to use: the given id, or for none (or the alias 'personal') the configured default. */
function resolvePlan(planId: string | undefined): string {
  if (planId !== undefined && planId !== DEFAULT_PLAN_ALIAS) return planId;
  const fallback = getConfig().providers.graph.plannerDefaultPlanId;
  if (!fallback) {
    throw new ToolError(
      "invalid_arguments",
      "planId is required: no default Planner plan is configured (GRAPH_PLANNER_DEFAULT_PLAN_ID).",
    );
  }
  return fallback;
}

/** Graph wants UTC timestamps (ISO 8601). */
const utc = (v: string | undefined) => (v === undefined ? undefined : new Date(v).toISOString());

/** The plannerTask properties a create or update may set (notes live in the task's details). */
function taskBody(f: TaskFields): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (f.title !== undefined) body.title = f.title.trim();
  if (f.bucketId !== undefined) body.bucketId = f.bucketId;
  if (f.percentComplete !== undefined) body.percentComplete = f.percentComplete;
  if (f.priority !== undefined) body.priority = f.priority;
  if (f.startDateTime !== undefined) body.startDateTime = utc(f.startDateTime);
  if (f.dueDateTime !== undefined) body.dueDateTime = utc(f.dueDateTime);
  return body;
}

const dateOf = (v: string | null | undefined) => (v ? new Date(v) : undefined);

function byDueThenCreated(a: PlannerTask, b: PlannerTask): number {
  if (a.dueDateTime !== b.dueDateTime) {
    if (a.dueDateTime === undefined) return 1;
    if (b.dueDateTime === undefined) return -1;
    return a.dueDateTime < b.dueDateTime ? -1 : 1;
  }
  return a.createdDateTime.localeCompare(b.createdDateTime);
}

/** Follows `@odata.nextLink` on Graph's own origin, up to MAX_PAGES pages. */
async function listAll<T>(api: GraphApi, path: string, missing: string): Promise<T[]> {
  const origin = getConfig().providers.graph.origin;
  const items: T[] = [];
  let next: string | undefined = path;
  for (let page = 0; next !== undefined && page < MAX_PAGES; page++) {
    const res: GraphPage<T> = await api.get<GraphPage<T>>(next, { notFound: missing });
    items.push(...(res.value ?? []));
    const link = res["@odata.nextLink"];
    next = link && new URL(link).origin === origin ? link : undefined;
  }
  return items;
}

/** GET /me/planner/tasks (assigned to the user), or /planner/plans/{id}/tasks for one plan. */
export async function listTasks(
  api: GraphApi,
  args: { planId?: string; status?: PlannerStatus; top: number },
): Promise<PlannerTask[]> {
  const planId = args.planId === undefined ? undefined : resolvePlan(args.planId);
  const path = planId ? `/planner/plans/${seg(planId)}/tasks` : "/me/planner/tasks";
  const tasks = await listAll<GraphTask>(api, path, `Plan ${planId} was not found.`);
  return tasks
    .map((t) => toTask(t))
    .filter((t) => !args.status || t.status === args.status)
    .sort(byDueThenCreated)
    .slice(0, args.top);
}

async function readTask(api: GraphApi, id: string): Promise<GraphTask> {
  return api.get<GraphTask>(taskPath(id), { notFound: notFound(id) });
}

async function readNotes(api: GraphApi, id: string): Promise<GraphTaskDetails> {
  return api.get<GraphTaskDetails>(`${taskPath(id)}/details`, { notFound: notFound(id) });
}

/** The description lives in plannerTaskDetails, which has its own etag (read just before). */
async function writeNotes(api: GraphApi, id: string, notes: string): Promise<void> {
  const details = await readNotes(api, id);
  await api.patch(
    `${taskPath(id)}/details`,
    { description: notes },
    { ifMatch: details["@odata.etag"] ?? "*", notFound: notFound(id), conflict: conflict(id) },
  );
}

/** GET /planner/tasks/{id} and its details (for the notes). */
export async function getTask(api: GraphApi, id: string): Promise<PlannerTask> {
  const task = await readTask(api, id);
  const details = await readNotes(api, id);
  return toTask(task, details.description);
}

/**
 * POST /planner/tasks, assigned to the caller (so it is in their `/me/planner/tasks`); notes
 * are then written to the task's details, and the task read again for its current etag.
 */
export async function createTask(
  api: GraphApi,
  userId: string,
  args: TaskFields & { title: string; planId?: string },
): Promise<PlannerTask> {
  assertValid([
    ...plannerFieldProblems(args),
    plannerDateProblem(dateOf(args.startDateTime), dateOf(args.dueDateTime)),
  ]);
  const planId = resolvePlan(args.planId);
  const created = await api.post<GraphTask>(
    "/planner/tasks",
    {
      planId,
      ...taskBody(args),
      assignments: {
        [userId]: { "@odata.type": "#microsoft.graph.plannerAssignment", orderHint: " !" },
      },
    },
    { notFound: `Plan ${planId} was not found.` },
  );
  if (!args.notes) return toTask(created);
  try {
    await writeNotes(api, created.id, args.notes);
    return toTask(await readTask(api, created.id), args.notes);
  } catch (err) {
    // The task exists: saying only "failed" would invite a second, duplicate task.
    const why = err instanceof Error ? err.message : "unknown error";
    throw new ToolError(
      "provider_error",
      `Task ${created.id} was created, but its notes could not be saved (${why}). Add them with planner_update_task; do not create the task again.`,
      { retriable: false, provider: "graph" },
    );
  }
}

/**
 * PATCH /planner/tasks/{id} with If-Match: the caller's etag, or — when they gave none — the
 * current one, read first. 412 → conflict. Notes go to the details (their own etag).
 */
export async function updateTask(
  api: GraphApi,
  id: string,
  etag: string | undefined,
  f: TaskFields,
): Promise<PlannerTask> {
  if (Object.values(f).every((v) => v === undefined))
    throw new ToolError("invalid_arguments", "Give at least one field to change.");
  assertValid(plannerFieldProblems(f));
  const body = taskBody(f);
  let current: GraphTask | undefined;
  if (etag === undefined || Object.keys(body).length === 0) current = await readTask(api, id);
  if (etag !== undefined && current && current["@odata.etag"] !== etag)
    throw new ToolError("conflict", conflict(id)); // notes only: what If-Match would have said
  const start = f.startDateTime ?? current?.startDateTime ?? undefined;
  const due = f.dueDateTime ?? current?.dueDateTime ?? undefined;
  assertValid([plannerDateProblem(dateOf(start), dateOf(due))]);

  let task = current;
  let wrote = false;
  try {
    if (Object.keys(body).length > 0) {
      const updated = await api.patch<GraphTask>(taskPath(id), body, {
        ifMatch: etag ?? current?.["@odata.etag"] ?? "",
        returnRepresentation: true,
        notFound: notFound(id),
        conflict: conflict(id),
      });
      wrote = true;
      // Without `Prefer: return=representation` honoured Graph answers 204: read it back.
      task = updated ?? (await readTask(api, id));
    }
    if (f.notes !== undefined) {
      await writeNotes(api, id, f.notes);
      wrote = true;
      return toTask(await readTask(api, id), f.notes);
    }
    const details = await readNotes(api, id);
    return toTask(task!, details.description);
  } catch (err) {
    if (!wrote) throw err;
    // Part of the change is made: a "refused" code would tell the caller nothing happened.
    const why = err instanceof Error ? err.message : "unknown error";
    throw new ToolError(
      "provider_error",
      `Task ${id} was changed, but the rest of the update failed (${why}). Get the task to see its state before trying again.`,
      { retriable: false, provider: "graph" },
    );
  }
}

/** DELETE /planner/tasks/{id} with If-Match (the caller's etag, or the current one). */
export async function deleteTask(
  api: GraphApi,
  id: string,
  etag: string | undefined,
): Promise<{ id: string; deleted: true; title: string }> {
  const current = await readTask(api, id); // the title for the answer, and the etag if none given
  await api.delete(taskPath(id), {
    ifMatch: etag ?? current["@odata.etag"] ?? "",
    notFound: notFound(id),
    conflict: conflict(id),
  });
  return { id, deleted: true, title: current.title };
}
