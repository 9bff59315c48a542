import { z } from "zod";
import { graphProvider } from "@/mcp-server/providers/graph/port";
import { annotations, defineTool } from "./define";
import { etagArg, plannerTask, taskFields, taskIdArg } from "./planner-schemas";

export const plannerUpdateTask = defineTool({
  name: "planner_update_task",
  title: "Update a Planner task",
  description:
    "Change fields of one of the user's Microsoft Planner tasks (title, notes, progress, priority, dates, bucket). Only the given fields change. Pass the etag from the last read to avoid overwriting someone else's change. Returns the updated task.",
  risk: "write",
  annotations: annotations.overwrite(false),
  provider: "graph",
  inputSchema: z.object({
    taskId: taskIdArg,
    etag: etagArg.optional(),
    title: taskFields.title.optional(),
    notes: taskFields.notes.optional(),
    bucketId: taskFields.bucketId.optional(),
    percentComplete: taskFields.percentComplete.optional(),
    priority: taskFields.priority.optional(),
    startDateTime: taskFields.startDateTime.optional(),
    dueDateTime: taskFields.dueDateTime.optional(),
  }),
  outputSchema: plannerTask,
  run: ({ taskId, etag, ...fields }, ctx) => graphProvider().updateTask(ctx, taskId, etag, fields),
});
