import { z } from "zod";
import { getConfig } from "@/lib/config";

/** Request shapes of the chat HTTP API (DESIGN §9). */
export const conversationIdSchema = z.object({ id: z.uuid({ message: "Not a conversation id." }) });

/** `message`: the first message, sent in the same request (no empty conversation is left behind). */
export function createConversationSchema() {
  return z
    .object({
      agent: z.string().trim().min(1).max(128).optional(),
      title: z.string().trim().min(1).max(200).optional(),
      message: messageText().optional(),
    })
    .strict();
}

export const renameConversationSchema = z
  .object({ title: z.string().trim().min(1).max(200) })
  .strict();

const messageText = () =>
  z.string().trim().min(1, "Type a message first.").max(getConfig().limits.maxMessageChars);

export function sendMessageSchema() {
  return z.object({ text: messageText() }).strict();
}

/**
 * Stop names the run the user saw: a Stop that reaches the server late must not end the next
 * message's run. Without a body (older clients) it stops whatever runs.
 */
export const cancelRunSchema = z
  .object({ runId: z.string().regex(/^run_[0-9a-f]{1,64}$/, "Not a run id.") })
  .strict();

/** `Last-Event-ID` header wins over `?after=`; both are non-negative integers. */
export const resumeSchema = z.object({
  after: z
    .string()
    .regex(/^\d{1,15}$/, "Must be a non-negative integer.")
    .transform(Number)
    .optional(),
});
