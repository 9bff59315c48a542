import { expect } from "vitest";
import { getDb } from "@/lib/db/client";
import { OAUTH_CONNECTION } from "@/lib/local-foundry/connections/definitions";
import { createConsentRequest } from "@/lib/local-foundry/connections/oauth";
import { getConnection } from "@/lib/local-foundry/connections/store";
import { seedLocalAgents } from "@/lib/local-foundry/seed";
import { formTokenIn } from "../identity/idp-server";
import type { DemoUserName, Harness } from "./harness";
import { oidOf } from "./mcp-helpers";

export interface ConsentOutcome {
  /** The consent page's HTML. */
  page: string;
  /** Where Allow / Deny redirected the browser (the callback). */
  callbackUrl: string;
  callbackStatus: number;
  callbackHtml: string;
}

/**
 * Does what the user's browser does with a consent link, over HTTP: opens the local IdP's consent
 * page, answers it (Allow or Deny, posted from the page's origin), follows the redirect to the
 * service's callback and reads its page.
 */
export async function answerConsent(
  h: Harness,
  link: string,
  decision: "allow" | "deny",
): Promise<ConsentOutcome> {
  const res = await fetch(link);
  expect(res.status).toBe(200);
  const page = await res.text();
  const formToken = formTokenIn(page);
  expect(formToken).toBeTruthy();
  const posted = await fetch(`${h.url()}/local-idp/authorize/consent`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: h.url(),
      "sec-fetch-site": "same-origin",
    },
    body: new URLSearchParams({ form_token: formToken!, decision }),
  });
  expect(posted.status).toBe(303);
  const callbackUrl = posted.headers.get("location")!;
  const callback = await fetch(callbackUrl);
  return {
    page,
    callbackUrl,
    callbackStatus: callback.status,
    callbackHtml: await callback.text(),
  };
}

/**
 * Gives `user`'s consent to the `mcp-oauth` connection through the real flow (consent request →
 * consent page → Allow → callback → grant), without a response asking first. For tests about
 * tools that need the grant to be there.
 */
export async function grantConsent(h: Harness, user: DemoUserName): Promise<void> {
  const db = await getDb();
  await seedLocalAgents(db);
  const connection = await getConnection(db, OAUTH_CONNECTION);
  if (connection?.kind !== "oauth_passthrough") throw new Error("mcp-oauth is not seeded");
  const { link } = await createConsentRequest(db, {
    connection,
    userId: oidOf(user),
    serverLabel: "foundry_agent_chat",
    responseId: "resp_test_setup",
  });
  const outcome = await answerConsent(h, link, "allow");
  expect(outcome.callbackStatus).toBe(200);
}

export { grantConsentDirectly } from "../helpers/consent";
