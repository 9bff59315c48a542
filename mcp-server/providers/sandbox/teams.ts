import { getDb } from "@/lib/db/client";
import { sandboxOutbox } from "@/lib/db/schema";
import type { ProviderSession } from "../types";
import { assertValid, checkMaxLength, checkNotBlank } from "../validation";
import { assertSandboxSession } from "./session-issuer";

/** Teams refuses channel messages over about 28 KB; the sandbox counts characters. */
export const TEAMS_MAX_CONTENT = 28_000;
export const TEAMS_MAX_SUBJECT = 255;
export const TEAM_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const CHANNEL_ID_PATTERN = /^19:[A-Za-z0-9_-]{1,200}@thread\.(tacv2|skype)$/;

let lastId = 0;
/** Graph chat message ids are millisecond timestamps; keep them unique within this process. */
function messageId(): string {
  lastId = Math.max(lastId + 1, Date.now());
  return String(lastId);
}

export interface ChannelMessage {
  teamId: string;
  channelId: string;
  content: string;
  contentType: "text" | "html";
  subject?: string;
}

/** What Teams would refuse in this message; shared with the live adapter. */
export function channelMessageProblems(m: ChannelMessage): (string | undefined)[] {
  return [
    checkNotBlank(m.content, "content"),
    checkMaxLength(m.content, TEAMS_MAX_CONTENT, "content"),
    m.subject !== undefined ? checkMaxLength(m.subject, TEAMS_MAX_SUBJECT, "subject") : undefined,
  ];
}

export async function postChannelMessage(
  session: ProviderSession,
  user: { userId: string; address: string },
  m: ChannelMessage,
) {
  await assertSandboxSession(session, user.userId, "graph");
  assertValid(channelMessageProblems(m));
  const id = messageId();
  const webUrl = `https://teams.microsoft.com/l/message/${encodeURIComponent(m.channelId)}/${id}?groupId=${m.teamId}`;
  const db = await getDb();
  const [row] = await db
    .insert(sandboxOutbox)
    .values({
      id: `teams_${m.teamId}_${id}`,
      userId: user.userId,
      channel: "teams",
      from: user.address,
      to: [`${m.teamId}/${m.channelId}`],
      subject: m.subject,
      body: m.content,
      status: "posted",
      metadata: {
        teamId: m.teamId,
        channelId: m.channelId,
        contentType: m.contentType,
        messageId: id,
        webUrl,
      },
    })
    .returning();
  return { id, createdDateTime: row!.createdAt.toISOString(), webUrl };
}
