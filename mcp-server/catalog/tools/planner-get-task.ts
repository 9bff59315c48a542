import { z } from "zod";
import { graphProvider } from "@/mcp-server/providers/graph/port";
import { annotations, defineTool } from "./define";
import { plannerTask, taskIdArg } from "./planner-schemas";

export const plannerGetTask = defineTool({
  name: "planner_get_task",
  title: "Get a Planner task",
  description:
    "Get one of the user's Microsoft Planner tasks by id, with its notes and current etag.",
  risk: "read",
  annotations: annotations.read(false),
  provider: "graph",
  inputSchema: z.object({ taskId: taskIdArg }),
  outputSchema: plannerTask,
  run: (input, ctx) => graphProvider().getTask(ctx, input.taskId),
});
