import { randomBytes } from "node:crypto";
import { getDb } from "@/lib/db/client";
import { sandboxOutbox } from "@/lib/db/schema";
import type { ProviderSession } from "../types";
import { assertValid, checkEmail, checkHeaderValue, checkMaxLength } from "../validation";
import { assertSandboxSession } from "./session-issuer";

/** Exchange Online: subject at most 255 characters, 500 recipients per message. */
export const OUTLOOK_MAX_SUBJECT = 255;
export const OUTLOOK_MAX_RECIPIENTS = 500;
export const OUTLOOK_MAX_BODY = 100_000;

export interface OutlookMail {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  body: string;
  bodyType: "text" | "html";
  importance: "low" | "normal" | "high";
}

/** What Exchange would refuse in this message; shared with the live adapter. */
export function outlookMailProblems(m: OutlookMail): (string | undefined)[] {
  const all = [...m.to, ...m.cc, ...m.bcc];
  return [
    ...m.to.map((a, i) => checkEmail(a, `to[${i}]`)),
    ...m.cc.map((a, i) => checkEmail(a, `cc[${i}]`)),
    ...m.bcc.map((a, i) => checkEmail(a, `bcc[${i}]`)),
    m.to.length === 0 ? "to needs at least one recipient." : undefined,
    all.length > OUTLOOK_MAX_RECIPIENTS
      ? `At most ${OUTLOOK_MAX_RECIPIENTS} recipients in total.`
      : undefined,
    checkHeaderValue(m.subject, "subject"),
    checkMaxLength(m.subject, OUTLOOK_MAX_SUBJECT, "subject"),
    checkMaxLength(m.body, OUTLOOK_MAX_BODY, "body"),
  ];
}

export async function sendOutlookMail(
  session: ProviderSession,
  user: { userId: string; address: string },
  m: OutlookMail,
) {
  await assertSandboxSession(session, user.userId, "graph");
  assertValid(outlookMailProblems(m));
  // Graph's sendMail answers 202 with no body; the internet message id is what a recipient sees.
  const id = `<${randomBytes(12).toString("hex")}@sandbox.outlook.example>`;
  const db = await getDb();
  const [row] = await db
    .insert(sandboxOutbox)
    .values({
      id,
      userId: user.userId,
      channel: "outlook",
      from: user.address,
      to: [...m.to, ...m.cc, ...m.bcc],
      subject: m.subject,
      body: m.body,
      status: "accepted",
      metadata: { cc: m.cc, bcc: m.bcc, bodyType: m.bodyType, importance: m.importance },
    })
    .returning();
  return {
    status: "accepted" as const,
    internetMessageId: id,
    sentDateTime: row!.createdAt.toISOString(),
  };
}
