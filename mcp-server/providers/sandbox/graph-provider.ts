import type { ToolContext } from "@/mcp-server/catalog/types";
import { callProvider } from "../call";
import type { GraphProvider } from "../graph/port";
import { mailboxAddress } from "./address";
import { sendOutlookMail } from "./outlook";
import { createTask, deleteTask, getTask, listTasks, updateTask } from "./planner";
import { postChannelMessage } from "./teams";

const user = (ctx: ToolContext) => ({
  userId: ctx.principal.userId,
  address: mailboxAddress(ctx.principal.username, ctx.principal.userId),
});

/** The sandbox behind the Graph port: the existing sandbox functions, through `callProvider`. */
export const sandboxGraph: GraphProvider = {
  listTasks: (ctx, args) =>
    callProvider(ctx, "graph", (s) => listTasks(s, ctx.principal.userId, args)),
  getTask: (ctx, taskId) =>
    callProvider(ctx, "graph", (s) => getTask(s, ctx.principal.userId, taskId)),
  createTask: (ctx, args) =>
    callProvider(ctx, "graph", (s) =>
      createTask(s, ctx.principal.userId, { ...args, planId: args.planId ?? "personal" }),
    ),
  updateTask: (ctx, taskId, etag, fields) =>
    callProvider(ctx, "graph", (s) => updateTask(s, ctx.principal.userId, taskId, etag, fields)),
  deleteTask: (ctx, taskId, etag) =>
    callProvider(ctx, "graph", (s) => deleteTask(s, ctx.principal.userId, taskId, etag)),
  sendMail: (ctx, mail) => callProvider(ctx, "graph", (s) => sendOutlookMail(s, user(ctx), mail)),
  postChannelMessage: (ctx, message) =>
    callProvider(ctx, "graph", (s) => postChannelMessage(s, user(ctx), message)),
};
