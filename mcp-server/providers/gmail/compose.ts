import type { gmail_v1 } from "@googleapis/gmail";
import { ToolError } from "@/mcp-server/catalog/types";
import type { ComposeArgs } from "../sandbox/gmail";
import { headerReader } from "./read";
import { MimeError, buildMessage, toRaw } from "./mime";

export interface SentMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  status: "sent";
}

export interface CreatedDraft {
  id: string;
  message: { id: string; threadId: string; labelIds: string[] };
}

/** users.messages.send with `raw` (and `threadId` for a reply). */
export async function sendMessage(
  api: gmail_v1.Gmail,
  args: ComposeArgs,
  canReadThread: boolean,
): Promise<SentMessage> {
  const raw = await rawMessage(api, args, canReadThread);
  const { data } = await api.users.messages.send({
    userId: "me",
    requestBody: { raw, ...(args.threadId ? { threadId: args.threadId } : {}) },
  });
  return {
    id: data.id ?? "",
    threadId: data.threadId ?? "",
    labelIds: data.labelIds ?? ["SENT"],
    status: "sent",
  };
}

/** users.drafts.create with `message.raw` (and `message.threadId` for a reply). */
export async function createDraft(
  api: gmail_v1.Gmail,
  args: ComposeArgs,
  canReadThread: boolean,
): Promise<CreatedDraft> {
  const raw = await rawMessage(api, args, canReadThread);
  const { data } = await api.users.drafts.create({
    userId: "me",
    requestBody: { message: { raw, ...(args.threadId ? { threadId: args.threadId } : {}) } },
  });
  return {
    id: data.id ?? "",
    message: {
      id: data.message?.id ?? "",
      threadId: data.message?.threadId ?? "",
      labelIds: data.message?.labelIds ?? ["DRAFT"],
    },
  };
}

async function rawMessage(
  api: gmail_v1.Gmail,
  args: ComposeArgs,
  canReadThread: boolean,
): Promise<string> {
  const reply = args.threadId && canReadThread ? await replyHeaders(api, args.threadId) : {};
  try {
    return toRaw(
      buildMessage({
        to: args.to,
        cc: args.cc,
        bcc: args.bcc,
        subject: args.subject,
        body: args.body,
        ...reply,
      }),
    );
  } catch (err) {
    if (err instanceof MimeError) throw new ToolError("invalid_arguments", err.message);
    throw err;
  }
}

/**
 * Gmail puts a message into a thread when `threadId` is given, the Subject matches and the
 * References / In-Reply-To headers name the thread (developers.google.com/workspace/gmail/api/
 * guides/sending#threads). They come from the thread's last message (users.threads.get,
 * `format=metadata`), which needs gmail.readonly; without it the reply carries threadId only.
 */
async function replyHeaders(
  api: gmail_v1.Gmail,
  threadId: string,
): Promise<{ inReplyTo?: string; references?: string[] }> {
  const { data } = await api.users.threads.get({
    userId: "me",
    id: threadId,
    format: "metadata",
    metadataHeaders: ["Message-ID", "References"],
  });
  const last = data.messages?.at(-1);
  const header = headerReader(last?.payload?.headers);
  const id = header("Message-ID")?.trim();
  if (!id || !/^<[^<>\s]+@[^<>\s]+>$/.test(id)) return {};
  const references = (header("References") ?? "").match(/<[^<>\s]+@[^<>\s]+>/g) ?? [];
  return { inReplyTo: id, references };
}
