import { z } from "zod";
import { graphProvider } from "@/mcp-server/providers/graph/port";
import { annotations, defineTool } from "./define";
import { planIdArg, plannerTask, taskFields } from "./planner-schemas";

export const plannerCreateTask = defineTool({
  name: "planner_create_task",
  title: "Create a Planner task",
  description:
    "Create a task in one of the user's Microsoft Planner plans (default: their personal plan 'personal'). Returns the new task with its id and etag.",
  risk: "write",
  annotations: annotations.additive(false),
  provider: "graph",
  inputSchema: z.object({
    title: taskFields.title,
    planId: planIdArg.optional(),
    bucketId: taskFields.bucketId.optional(),
    notes: taskFields.notes.optional(),
    percentComplete: taskFields.percentComplete.optional(),
    priority: taskFields.priority.optional(),
    startDateTime: taskFields.startDateTime.optional(),
    dueDateTime: taskFields.dueDateTime.optional(),
  }),
  outputSchema: plannerTask,
  run: (input, ctx) => graphProvider().createTask(ctx, input),
});
