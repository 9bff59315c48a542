import type { ConversationRow } from "@/lib/chat/conversations";
import { startRun } from "@/lib/chat/run-driver";
import { getActiveRun, type RunRow } from "@/lib/chat/runs";
import { latestEventsOfType } from "@/lib/chat/event-log";
import { AppError } from "@/lib/errors";
import type { Principal } from "@/lib/identity/principal";

/**
 * Server only. The input of a retry: the agent (the local service's scripted model, or any model
 * reading it) re-issues the conversation's last failed tool call with the same tool and
 * arguments. A write call asks for approval again, which an earlier, unused approval of the same
 * call answers at once (lib/chat/approvals.ts).
 */
export const RETRY_TOOL_CALL_TEXT = "Retry the last tool call.";

/**
 * Starts a hidden run that retries the conversation's last failed tool call (after the user
 * connected the provider it needed). 409 while a run is active, or when the latest run has no
 * failed tool call to retry.
 */
export async function retryLastToolCall(args: {
  principal: Principal;
  conversation: ConversationRow;
  correlationId: string;
}): Promise<RunRow> {
  const { conversation } = args;
  if (await getActiveRun(conversation.id))
    throw new AppError(
      "conflict",
      "The agent is still answering. Wait for it to finish or stop it first.",
    );
  if (!(await latestRunHasFailedToolCall(conversation.id)))
    throw new AppError("conflict", "There is no failed tool call to retry in this conversation.");
  return startRun({ ...args, text: RETRY_TOOL_CALL_TEXT, hidden: true });
}

async function latestRunHasFailedToolCall(conversationId: string): Promise<boolean> {
  const [latest] = await latestEventsOfType(conversationId, "run.started", { limit: 1 });
  if (!latest) return false;
  const failed = await latestEventsOfType(conversationId, "tool.call.failed", {
    runId: latest.runId,
    limit: 1,
  });
  return failed.length > 0;
}
