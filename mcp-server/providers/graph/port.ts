import { getConfig } from "@/lib/config";
import type { ToolContext } from "@/mcp-server/catalog/types";
import { sandboxGraph } from "../sandbox/graph-provider";
import type { OutlookMail } from "../sandbox/outlook";
import type { PlannerStatus, PlannerTask, TaskFields } from "../sandbox/planner";
import type { ChannelMessage } from "../sandbox/teams";
import { liveGraph } from "./live";

export type { ChannelMessage, OutlookMail, PlannerStatus, PlannerTask, TaskFields };

/**
 * What the Planner, Outlook and Teams tools need from Microsoft 365, whoever provides it: the
 * sandbox (state in the database) or Microsoft Graph On-Behalf-Of the user (`GRAPH_PROVIDER`).
 * Both take the tool's context (who calls, the correlation id, the time budget) and answer with
 * the tools' output shapes, so a tool cannot tell which one ran.
 */
export interface GraphProvider {
  listTasks(
    ctx: ToolContext,
    args: { planId?: string; status?: PlannerStatus; top: number },
  ): Promise<PlannerTask[]>;
  getTask(ctx: ToolContext, taskId: string): Promise<PlannerTask>;
  /** Without `planId`: the sandbox's plan `personal`, or Graph's configured default plan. */
  createTask(
    ctx: ToolContext,
    args: TaskFields & { title: string; planId?: string },
  ): Promise<PlannerTask>;
  updateTask(
    ctx: ToolContext,
    taskId: string,
    etag: string | undefined,
    fields: TaskFields,
  ): Promise<PlannerTask>;
  deleteTask(
    ctx: ToolContext,
    taskId: string,
    etag: string | undefined,
  ): Promise<{ id: string; deleted: true; title: string }>;
  sendMail(
    ctx: ToolContext,
    mail: OutlookMail,
  ): Promise<{ status: "accepted"; internetMessageId: string; sentDateTime: string }>;
  postChannelMessage(
    ctx: ToolContext,
    message: ChannelMessage,
  ): Promise<{ id: string; createdDateTime: string; webUrl: string }>;
}

/** The provider `GRAPH_PROVIDER` selects (sandbox unless it says `live`). */
export function graphProvider(): GraphProvider {
  return getConfig().providers.graph.mode === "live" ? liveGraph : sandboxGraph;
}
