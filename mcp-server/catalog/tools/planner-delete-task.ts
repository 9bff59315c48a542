import { z } from "zod";
import { graphProvider } from "@/mcp-server/providers/graph/port";
import { annotations, defineTool } from "./define";
import { etagArg, taskIdArg } from "./planner-schemas";

export const plannerDeleteTask = defineTool({
  name: "planner_delete_task",
  title: "Delete a Planner task",
  description:
    "Permanently delete one of the user's Microsoft Planner tasks. This cannot be undone. Pass the etag from the last read to avoid deleting a task that changed since.",
  // Deletion is irreversible: privileged, so a second person (Approver) must agree.
  risk: "privileged",
  annotations: annotations.delete(false),
  provider: "graph",
  inputSchema: z.object({ taskId: taskIdArg, etag: etagArg.optional() }),
  outputSchema: z.object({ id: z.string(), deleted: z.boolean(), title: z.string() }),
  run: (input, ctx) => graphProvider().deleteTask(ctx, input.taskId, input.etag),
});
