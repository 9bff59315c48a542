import { z } from "zod";
import { callProvider } from "@/mcp-server/providers/call";
import { getTask } from "@/mcp-server/providers/sandbox/planner";
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
  run: (input, ctx) =>
    callProvider(ctx, "graph", (session) => getTask(session, ctx.principal.userId, input.taskId)),
});
