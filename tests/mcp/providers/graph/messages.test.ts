import { describe, expect, it } from "vitest";
import { outlookSendMail } from "@/mcp-server/catalog/tools/outlook-send-mail";
import { teamsPostMessage } from "@/mcp-server/catalog/tools/teams-post-message";
import { connect, ctx, setupMemoryDb, toolError } from "../../tools/helpers";
import {
  empty,
  entraUser,
  graphError,
  graphRequests,
  issuedTokens,
  json,
  onGraph,
  setupLiveGraph,
} from "./fake";

setupLiveGraph();
setupMemoryDb();

const TEAM = "3f1c7d2a-5b6e-4c8d-9a0b-1c2d3e4f5a6b";
const CHANNEL = "19:a1b2c3d4e5f6@thread.tacv2";

async function connected(name: string) {
  const p = entraUser(name);
  await connect(p, "graph");
  return p;
}

const mail = {
  to: ["priya.shah@example.com", "tom@example.org"],
  cc: ["sales@contoso.example"],
  bcc: ["archive@contoso.example"],
  subject: "Saturday test drive",
  body: "Hi Priya,\nSaturday 10:00 is confirmed.",
  importance: "high" as const,
};

describe("outlook_send_mail on Microsoft Graph", () => {
  it("posts_the_documented_sendmail_body_and_maps_202_to_accepted", async () => {
    const p = await connected("sender");
    onGraph("post", "/me/sendMail", empty(202));
    const before = Date.now();
    const out = await outlookSendMail.run(mail, ctx(p));

    expect(graphRequests).toHaveLength(1);
    const req = graphRequests[0]!;
    expect(req).toMatchObject({ method: "POST", path: "/v1.0/me/sendMail" });
    expect(req.headers.authorization).toBe(`Bearer ${issuedTokens.at(-1)}`);
    expect(req.headers["content-type"]).toBe("application/json");
    const sentId = (req.body as { message: { internetMessageId: string } }).message
      .internetMessageId;
    expect(req.body).toEqual({
      message: {
        subject: "Saturday test drive",
        body: { contentType: "Text", content: "Hi Priya,\nSaturday 10:00 is confirmed." },
        toRecipients: [
          { emailAddress: { address: "priya.shah@example.com" } },
          { emailAddress: { address: "tom@example.org" } },
        ],
        ccRecipients: [{ emailAddress: { address: "sales@contoso.example" } }],
        bccRecipients: [{ emailAddress: { address: "archive@contoso.example" } }],
        importance: "high",
        internetMessageId: sentId,
      },
      saveToSentItems: true,
    });
    // The sender's domain names the message (sendMail itself returns no id).
    expect(sentId).toMatch(/^<[0-9a-f]{32}@contoso\.example>$/);
    expect(out.status).toBe("accepted");
    expect(out.internetMessageId).toBe(sentId);
    expect(Date.parse(out.sentDateTime)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("html_bodies_are_sent_as_html_and_empty_cc_bcc_are_left_out", async () => {
    const p = await connected("html");
    onGraph("post", "/me/sendMail", empty(202));
    await outlookSendMail.run(
      { to: ["ana@example.com"], subject: "Offer", body: "<p>Hello</p>", bodyType: "html" },
      ctx(p),
    );
    const message = (graphRequests[0]!.body as { message: Record<string, unknown> }).message;
    expect(message.body).toEqual({ contentType: "HTML", content: "<p>Hello</p>" });
    expect(message).not.toHaveProperty("ccRecipients");
    expect(message).not.toHaveProperty("bccRecipients");
    expect(message.importance).toBe("normal");
  });

  it("graph_refusing_a_recipient_is_invalid_arguments_with_its_code", async () => {
    const p = await connected("refused");
    onGraph(
      "post",
      "/me/sendMail",
      graphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid."),
    );
    const err = await toolError(outlookSendMail, { ...mail, cc: [], bcc: [] }, ctx(p));
    expect(err.code).toBe("invalid_arguments");
    expect(err.message).toContain("ErrorInvalidRecipients: At least one recipient isn't valid.");
  });

  it("a_mailbox_the_user_may_not_send_from_is_forbidden", async () => {
    const p = await connected("forbidden");
    onGraph(
      "post",
      "/me/sendMail",
      graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
    );
    const err = await toolError(outlookSendMail, mail, ctx(p));
    expect(err.code).toBe("forbidden");
    expect(err.message).toContain("ErrorAccessDenied");
  });

  it("refuses_what_exchange_would_refuse_before_calling_graph", async () => {
    const p = await connected("invalid");
    const err = await toolError(
      outlookSendMail,
      { to: ["ana@example.com"], subject: "Two\r\nlines", body: "x" },
      ctx(p),
    );
    expect(err.code).toBe("invalid_arguments");
    expect(graphRequests).toHaveLength(0);
  });
});

describe("teams_post_message on Microsoft Graph", () => {
  it("posts_the_documented_body_to_the_channel_and_maps_the_chat_message", async () => {
    const p = await connected("poster");
    onGraph(
      "post",
      "/teams/:team/channels/:channel/messages",
      json(
        {
          "@odata.context":
            "https://graph.microsoft.com/v1.0/$metadata#teams('x')/channels('y')/messages/$entity",
          id: "1616990032035",
          replyToId: null,
          etag: "1616990032035",
          messageType: "message",
          createdDateTime: "2030-03-29T03:53:52.035Z",
          lastModifiedDateTime: "2030-03-29T03:53:52.035Z",
          subject: "Stand-up",
          webUrl: `https://teams.microsoft.com/l/message/${CHANNEL}/1616990032035?groupId=${TEAM}`,
          body: { contentType: "html", content: "<b>Stand-up</b> in 5" },
        },
        201,
      ),
    );
    const out = await teamsPostMessage.run(
      {
        teamId: TEAM,
        channelId: CHANNEL,
        content: "<b>Stand-up</b> in 5",
        contentType: "html",
        subject: "Stand-up",
      },
      ctx(p),
    );
    const req = graphRequests[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe(`/v1.0/teams/${TEAM}/channels/${CHANNEL}/messages`);
    expect(req.headers.authorization).toBe(`Bearer ${issuedTokens.at(-1)}`);
    expect(req.body).toEqual({
      body: { contentType: "html", content: "<b>Stand-up</b> in 5" },
      subject: "Stand-up",
    });
    expect(out).toEqual({
      id: "1616990032035",
      createdDateTime: "2030-03-29T03:53:52.035Z",
      webUrl: `https://teams.microsoft.com/l/message/${CHANNEL}/1616990032035?groupId=${TEAM}`,
    });
  });

  it("plain_text_is_the_default_and_a_missing_channel_is_not_found", async () => {
    const p = await connected("missing");
    onGraph(
      "post",
      "/teams/:team/channels/:channel/messages",
      graphError(404, "NotFound", "Channel not found."),
    );
    const err = await toolError(
      teamsPostMessage,
      { teamId: TEAM, channelId: CHANNEL, content: "Hello" },
      ctx(p),
    );
    expect(err.code).toBe("not_found");
    expect(err.message).toBe(`Channel ${CHANNEL} was not found in team ${TEAM}.`);
    expect(graphRequests[0]!.body).toEqual({ body: { contentType: "text", content: "Hello" } });
  });

  it("a_channel_the_user_cannot_post_in_is_forbidden", async () => {
    const p = await connected("outsider");
    onGraph(
      "post",
      "/teams/:team/channels/:channel/messages",
      graphError(403, "Forbidden", "User is not a member of the team."),
    );
    const err = await toolError(
      teamsPostMessage,
      { teamId: TEAM, channelId: CHANNEL, content: "Hello" },
      ctx(p),
    );
    expect(err.code).toBe("forbidden");
  });
});
