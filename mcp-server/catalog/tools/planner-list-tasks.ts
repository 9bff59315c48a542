import { z } from "zod";
import { graphProvider } from "@/mcp-server/providers/graph/port";
import { annotations, defineTool } from "./define";
import { planIdArg, plannerTask } from "./planner-schemas";

export const plannerListTasks = defineTool({
  name: "planner_list_tasks",
  title: "List Planner tasks",
  description:
    "List the user's Microsoft Planner tasks, soonest due first, optionally for one plan and one status. Each task has its id, title, progress, priority, dates and etag.",
  risk: "read",
  annotations: annotations.read(false),
  provider: "graph",
  inputSchema: z.object({
    planId: planIdArg.optional(),
    status: z
      .enum(["notStarted", "inProgress", "completed"])
      .optional()
      .describe("Only tasks with this status."),
    top: z
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe("At most this many tasks (1-100, default 50)."),
  }),
  outputSchema: z.object({ tasks: z.array(plannerTask) }),
  run: async (input, ctx) => ({
    tasks: await graphProvider().listTasks(ctx, {
      planId: input.planId,
      status: input.status,
      top: input.top ?? 50,
    }),
  }),
});
