import { execFileSync } from "node:child_process";
import { EventSourceParserStream } from "eventsource-parser/stream";

/**
 * Gives a demo user's consent to the default agent's tools connection through the real flow, over
 * HTTP (what the consent popup does): a message asks, the consent link opens the local IdP's
 * consent page, Allow is posted, the agent service's callback stores the grant, and the waiting
 * run continues. Specs that are not about consent start from users who have consented; the
 * consent spec uses dana, who has not.
 */
export async function consentAs(baseUrl: string, user: string, env: NodeJS.ProcessEnv) {
  const token = execFileSync("npx", ["tsx", "scripts/token.ts", user], {
    env,
    encoding: "utf8",
  }).trim();
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, "content-type": "application/json" };
  const created = await fetch(`${baseUrl}/api/conversations`, {
    method: "POST",
    headers: json,
    body: "{}",
  });
  const { id } = (await created.json()) as { id: string };
  await fetch(`${baseUrl}/api/conversations/${id}/messages`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ text: "Hello" }),
  });
  const consent = await waitFor(baseUrl, id, auth, "consent.requested");
  const { consentId, link } = consent.data as { consentId: string; link: string };
  const page = await (await fetch(link)).text();
  const formToken = /name="form_token" value="([^"]+)"/.exec(page)?.[1];
  if (!formToken) throw new Error(`no consent form for ${user}`);
  const posted = await fetch(`${baseUrl}/local-idp/authorize/consent`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: baseUrl,
      "sec-fetch-site": "same-origin",
    },
    body: new URLSearchParams({ form_token: formToken, decision: "allow" }),
  });
  const callback = await fetch(posted.headers.get("location")!);
  if (!callback.ok) throw new Error(`consent callback for ${user} answered ${callback.status}`);
  await fetch(`${baseUrl}/api/conversations/${id}/consents/${consentId}/continue`, {
    method: "POST",
    headers: json,
    body: "{}",
  });
  await waitFor(baseUrl, id, auth, "run.completed");
}

async function waitFor(
  baseUrl: string,
  id: string,
  auth: Record<string, string>,
  type: string,
): Promise<{ data: unknown }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 60_000);
  try {
    const res = await fetch(`${baseUrl}/api/conversations/${id}/events`, {
      headers: auth,
      signal: controller.signal,
    });
    const reader = res
      .body!.pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`stream ended before ${type}`);
      if (value.event === type) return JSON.parse(value.data) as { data: unknown };
      if (value.event === "run.failed") throw new Error(`run failed: ${value.data}`);
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
