import { randomBytes } from "node:crypto";
import { outlookMailProblems, type OutlookMail } from "../sandbox/outlook";
import { assertValid, checkEmail } from "../validation";
import type { GraphApi } from "./client";

const recipients = (addresses: string[]) =>
  addresses.map((address) => ({ emailAddress: { address } }));

/**
 * An RFC 5322 Message-ID for the message. Graph's sendMail answers 202 with no body, so the
 * adapter names the message itself (`internetMessageId` is writable while a message is a draft,
 * which a sendMail message is); it is what recipients and Sent Items show.
 */
function messageId(username: string): string {
  const at = username.lastIndexOf("@");
  const domain =
    at > 0 && checkEmail(username, "username") === undefined
      ? username.slice(at + 1).toLowerCase()
      : "foundry-agent-chat.invalid";
  return `<${randomBytes(16).toString("hex")}@${domain}>`;
}

/** POST /me/sendMail (JSON message, a copy kept in Sent Items) → 202 Accepted. */
export async function sendMail(
  api: GraphApi,
  username: string,
  m: OutlookMail,
): Promise<{ status: "accepted"; internetMessageId: string; sentDateTime: string }> {
  assertValid(outlookMailProblems(m));
  const internetMessageId = messageId(username);
  await api.post("/me/sendMail", {
    message: {
      subject: m.subject,
      body: { contentType: m.bodyType === "html" ? "HTML" : "Text", content: m.body },
      toRecipients: recipients(m.to),
      ...(m.cc.length > 0 ? { ccRecipients: recipients(m.cc) } : {}),
      ...(m.bcc.length > 0 ? { bccRecipients: recipients(m.bcc) } : {}),
      importance: m.importance,
      internetMessageId,
    },
    saveToSentItems: true,
  });
  return { status: "accepted", internetMessageId, sentDateTime: new Date().toISOString() };
}
