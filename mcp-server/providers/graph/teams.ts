import { channelMessageProblems, type ChannelMessage } from "../sandbox/teams";
import { assertValid } from "../validation";
import { seg, type GraphApi } from "./client";

interface GraphChatMessage {
  id: string;
  createdDateTime: string;
  webUrl?: string | null;
}

/** POST /teams/{team-id}/channels/{channel-id}/messages → 201 with the chatMessage. */
export async function postChannelMessage(
  api: GraphApi,
  m: ChannelMessage,
): Promise<{ id: string; createdDateTime: string; webUrl: string }> {
  assertValid(channelMessageProblems(m));
  const msg = await api.post<GraphChatMessage>(
    `/teams/${seg(m.teamId)}/channels/${seg(m.channelId)}/messages`,
    {
      body: { contentType: m.contentType, content: m.content },
      ...(m.subject !== undefined ? { subject: m.subject } : {}),
    },
    { notFound: `Channel ${m.channelId} was not found in team ${m.teamId}.` },
  );
  return {
    id: msg.id,
    createdDateTime: new Date(msg.createdDateTime).toISOString(),
    // Graph returns the link; the same deep-link form stands in should it ever be missing.
    webUrl:
      msg.webUrl ??
      `https://teams.microsoft.com/l/message/${encodeURIComponent(m.channelId)}/${msg.id}?groupId=${m.teamId}`,
  };
}
