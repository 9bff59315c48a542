import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startTestApp, type TestApp } from "../helpers/app";
import { grantConsentDirectly } from "../helpers/consent";
import { isTerminal, readSse } from "../helpers/sse";

/**
 * Regression (security review): a message, title, rename or /local-foundry body or path with
 * U+0000 or an unpaired surrogate reached the database, which refused it: 500, and after a bad
 * message every later message to that conversation was a 409 with nothing running. Such text is
 * now refused at the door (400) and changes nothing.
 */

let app: TestApp;
let alice: string;
let aliceFoundry: string;

beforeAll(async () => {
  app = await startTestApp();
  await grantConsentDirectly("alice");
  alice = await mintLocalAccessToken({ username: "alice" });
  aliceFoundry = await mintLocalAccessToken({ username: "alice", audience: "foundry" });
});
afterAll(async () => app?.close());

const NUL = "a\u0000b";
const LONE_HIGH = "a\ud800b";
const LONE_LOW = "\udc00";

function call(path: string, token: string, method = "GET", body?: unknown) {
  return fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    // JSON.stringify escapes NUL and lone surrogates (\u0000, \ud800): valid JSON, bad text.
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function newConversation(): Promise<string> {
  const res = await call("/api/conversations", alice, "POST", {});
  return ((await res.json()) as { id: string }).id;
}

async function expect400(res: Response) {
  expect(res.status).toBe(400);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const problem = (await res.json()) as { errors: { message: string }[] };
  expect(problem.errors[0]!.message).toMatch(/cannot be stored/);
}

describe("text the database cannot store", () => {
  it.each([NUL, LONE_HIGH, LONE_LOW])(
    "nul_or_lone_surrogate_in_message_gives_400_and_conversation_stays_usable (%j)",
    async (bad) => {
      const id = await newConversation();
      await expect400(
        await call(`/api/conversations/${id}/messages`, alice, "POST", { text: bad }),
      );
      const ok = await call(`/api/conversations/${id}/messages`, alice, "POST", { text: "hello" });
      expect(ok.status).toBe(202);
      const { events } = await readSse(`${app.url}/api/conversations/${id}/events`, alice, {
        until: isTerminal,
      });
      expect(events.at(-1)?.type).toBe("run.completed");
      const convo = (await (await call(`/api/conversations/${id}`, alice)).json()) as {
        messages: { role: string; text: string }[];
      };
      expect(convo.messages.filter((m) => m.role === "user").map((m) => m.text)).toEqual(["hello"]);
    },
  );

  it.each([NUL, LONE_HIGH])(
    "nul_or_lone_surrogate_in_title_or_rename_gives_400 (%j)",
    async (bad) => {
      await expect400(await call("/api/conversations", alice, "POST", { title: bad }));
      await expect400(await call("/api/conversations", alice, "POST", { agent: bad }));
      const id = await newConversation();
      await expect400(await call(`/api/conversations/${id}`, alice, "PATCH", { title: bad }));
      const convo = (await (await call(`/api/conversations/${id}`, alice)).json()) as {
        title: string;
      };
      expect(convo.title).toBe("New conversation");
    },
  );

  it("nul_in_a_key_gives_400", async () => {
    await expect400(await call("/api/conversations", alice, "POST", { [NUL]: "x" }));
  });

  it("nul_in_a_query_gives_400", async () => {
    await expect400(await call(`/api/approvals?scope=${encodeURIComponent(NUL)}`, alice));
  });

  it.each([
    ["POST", "/openai/v1/conversations", { metadata: { note: NUL } }],
    ["POST", "/openai/v1/conversations", { metadata: { [LONE_HIGH]: "x" } }],
    [
      "POST",
      "/openai/v1/responses",
      { input: NUL, agent_reference: { type: "agent_reference", name: "assistant" } },
    ],
    [
      "POST",
      "/openai/v1/responses",
      { input: LONE_LOW, agent_reference: { type: "agent_reference", name: "assistant" } },
    ],
  ] as const)(
    "nul_or_lone_surrogate_in_local_foundry_body_gives_400: %s %s",
    async (method, path, body) => {
      const res = await call(`/local-foundry${path}`, aliceFoundry, method, body);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { type: string; message: string } };
      expect(error.type).toBe("invalid_request_error");
      expect(error.message).toMatch(/cannot be stored/);
    },
  );

  it.each([
    "/openai/v1/conversations/conv%00x",
    "/openai/v1/conversations/conv_1/items?after=%00",
    "/agents/assistant%00",
    "/openai/v1/responses/resp%00",
  ])("nul_in_local_foundry_path_or_query_gives_400: %s", async (path) => {
    const res = await call(`/local-foundry${path}`, aliceFoundry);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { type: string } };
    expect(error.type).toBe("invalid_request_error");
  });

  /** Regression (fuzz suite): the text check itself recursed, so a body nested ~20,000 levels
   * deep overflowed the stack and the local agent service answered 500. */
  const deep = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

  it("deeply_nested_local_foundry_body_gives_400_not_500", async () => {
    const res = await fetch(`${app.url}/local-foundry/openai/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${aliceFoundry}`, "content-type": "application/json" },
      body: `{"input":${deep(20_000)}}`,
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { type: string; message: string } };
    expect(error.type).toBe("invalid_request_error");
    expect(error.message).toMatch(/levels deep/);
  });

  it("deeply_nested_app_body_gives_400_and_changes_nothing", async () => {
    const id = await newConversation();
    const res = await fetch(`${app.url}/api/conversations/${id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
      body: `{"text":"hi","extra":${deep(20_000)}}`,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await res.json()) as { errors: { message: string }[] };
    expect(problem.errors[0]!.message).toMatch(/levels deep/);
    const conv = await call(`/api/conversations/${id}`, alice);
    expect(((await conv.json()) as { lastSeq: number }).lastSeq).toBe(0);
  });

  /** Regression (fuzz suite, seed 82024): the name went upstream to the agent service, whose 400
   * came back as a 502. */
  it("nul_in_a_consent_name_gives_400_not_502", async () => {
    const res = await call("/api/connections/consents/tools%00x", alice, "DELETE");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});
