import { z } from "zod";
import {
  PLANNER_MAX_NOTES,
  PLANNER_MAX_TITLE,
  sandboxPlans,
} from "@/mcp-server/providers/sandbox/planner";

/** Schema pieces shared by the planner_* tools (each tool still lives in its own file). */
export const taskIdArg = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)
  .describe("Task id (from planner_list_tasks).");
export const etagArg = z
  .string()
  .min(1)
  .max(200)
  .describe(
    "The task's etag from the last read; when given, the change is refused if the task changed since (like If-Match).",
  );
export const planIdArg = z
  .string()
  .min(1)
  .max(64)
  .describe(
    `Plan id. The user's plans: ${sandboxPlans.map((p) => `'${p.id}' (${p.title})`).join(", ")}.`,
  );

export const taskFields = {
  title: z
    .string()
    .min(1)
    .max(PLANNER_MAX_TITLE)
    .describe(`Task title, at most ${PLANNER_MAX_TITLE} characters.`),
  notes: z.string().max(PLANNER_MAX_NOTES).describe("Task description / notes."),
  bucketId: z.string().min(1).max(64).describe("Bucket (column) within the plan."),
  percentComplete: z
    .int()
    .min(0)
    .max(100)
    .describe("0 = not started, 1-99 = in progress, 100 = completed."),
  priority: z
    .int()
    .min(0)
    .max(10)
    .describe("0-1 urgent, 2-4 important, 5-7 medium (default 5), 8-10 low."),
  startDateTime: z.iso
    .datetime({ offset: true })
    .describe("Start, ISO 8601 date-time, e.g. 2025-06-01T09:00:00Z."),
  dueDateTime: z.iso
    .datetime({ offset: true })
    .describe("Due, ISO 8601 date-time, e.g. 2025-06-03T17:00:00Z."),
};

export const plannerTask = z.object({
  id: z.string(),
  planId: z.string(),
  bucketId: z.string().optional(),
  title: z.string(),
  percentComplete: z.int(),
  status: z.enum(["notStarted", "inProgress", "completed"]),
  priority: z.int(),
  startDateTime: z.string().optional(),
  dueDateTime: z.string().optional(),
  notes: z.string().optional(),
  createdDateTime: z.string(),
  lastModifiedDateTime: z.string(),
  etag: z.string(),
});
