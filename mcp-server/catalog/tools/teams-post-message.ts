import { z } from "zod";
import { graphProvider } from "@/mcp-server/providers/graph/port";
import {
  CHANNEL_ID_PATTERN,
  TEAM_ID_PATTERN,
  TEAMS_MAX_CONTENT,
  TEAMS_MAX_SUBJECT,
} from "@/mcp-server/providers/sandbox/teams";
import { annotations, defineTool } from "./define";

export const teamsPostMessage = defineTool({
  name: "teams_post_message",
  title: "Post a Teams channel message",
  description:
    "Post a message as the user in a Microsoft Teams channel. Needs the team id (a GUID) and channel id (19:…@thread.tacv2), both visible in the channel's link. Returns the message id and a link to it.",
  risk: "write",
  annotations: annotations.additive(true),
  provider: "graph",
  inputSchema: z.object({
    teamId: z
      .string()
      .regex(TEAM_ID_PATTERN)
      .describe("Team id (GUID), e.g. 3f1c7d2a-5b6e-4c8d-9a0b-1c2d3e4f5a6b."),
    channelId: z
      .string()
      .regex(CHANNEL_ID_PATTERN)
      .describe("Channel id, e.g. 19:a1b2c3d4e5@thread.tacv2."),
    content: z
      .string()
      .min(1)
      .max(TEAMS_MAX_CONTENT)
      .describe(`Message content, at most ${TEAMS_MAX_CONTENT} characters.`),
    contentType: z.enum(["text", "html"]).optional().describe("Content format (default text)."),
    subject: z
      .string()
      .max(TEAMS_MAX_SUBJECT)
      .optional()
      .describe("Optional subject line shown above the message."),
  }),
  outputSchema: z.object({ id: z.string(), createdDateTime: z.string(), webUrl: z.string() }),
  run: (input, ctx) =>
    graphProvider().postChannelMessage(ctx, {
      ...input,
      contentType: input.contentType ?? "text",
    }),
});
