import type { GraphProvider } from "./port";
import { graphCall } from "./call";
import { sendMail } from "./outlook";
import { createTask, deleteTask, getTask, listTasks, updateTask } from "./planner";
import { postChannelMessage } from "./teams";

/** Microsoft Graph behind the port, each tool with only the permission it needs. */
export const liveGraph: GraphProvider = {
  listTasks: (ctx, args) => graphCall(ctx, "Tasks.ReadWrite", (api) => listTasks(api, args)),
  getTask: (ctx, taskId) => graphCall(ctx, "Tasks.ReadWrite", (api) => getTask(api, taskId)),
  createTask: (ctx, args) =>
    graphCall(ctx, "Tasks.ReadWrite", (api) => createTask(api, ctx.principal.userId, args)),
  updateTask: (ctx, taskId, etag, fields) =>
    graphCall(ctx, "Tasks.ReadWrite", (api) => updateTask(api, taskId, etag, fields)),
  deleteTask: (ctx, taskId, etag) =>
    graphCall(ctx, "Tasks.ReadWrite", (api) => deleteTask(api, taskId, etag)),
  sendMail: (ctx, mail) =>
    graphCall(ctx, "Mail.Send", (api) => sendMail(api, ctx.principal.username, mail)),
  postChannelMessage: (ctx, message) =>
    graphCall(ctx, "ChannelMessage.Send", (api) => postChannelMessage(api, message)),
};
