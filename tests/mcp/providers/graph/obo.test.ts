import { describe, expect, it } from "vitest";
import { outlookSendMail } from "@/mcp-server/catalog/tools/outlook-send-mail";
import { plannerGetTask } from "@/mcp-server/catalog/tools/planner-get-task";
import { teamsPostMessage } from "@/mcp-server/catalog/tools/teams-post-message";
import { connect, ctx, setupMemoryDb, toolError } from "../../tools/helpers";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  entraErrors,
  entraQueue,
  entraUser,
  graphRequests,
  issuedTokens,
  json,
  onGraph,
  TENANT,
  tokenRequests,
  setupLiveGraph,
  empty,
  graphError,
} from "./fake";

setupLiveGraph();
setupMemoryDb();

const TASK = "pqrSTU1234567890abcdefghijkl";
const task = {
  "@odata.etag": 'W/"JzEtVGFzayAgQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAWCc="',
  id: TASK,
  planId: "xqQg5FS2LkCp935s-FIFm2QAFkHM",
  title: "Call back Priya",
  percentComplete: 0,
  priority: 5,
  createdDateTime: "2030-01-01T09:00:00Z",
};
const details = { "@odata.etag": 'W/"details-1"', description: "" };

function answerTask() {
  onGraph("get", `/planner/tasks/${TASK}`, json(task));
  onGraph("get", `/planner/tasks/${TASK}/details`, json(details));
}

async function connectedUser(name: string) {
  const p = entraUser(name);
  await connect(p, "graph");
  return p;
}

const consentUrl = (redirect: string) =>
  `https://login.microsoftonline.com/${TENANT}/v2.0/adminconsent?` +
  new URLSearchParams({
    client_id: CLIENT_ID,
    scope:
      "https://graph.microsoft.com/Tasks.ReadWrite https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/ChannelMessage.Send",
    redirect_uri: redirect,
  }).toString();

describe("Graph On-Behalf-Of the signed-in user", () => {
  it("exchanges_the_users_token_with_the_documented_obo_request_and_sends_graph_the_result", async () => {
    const p = await connectedUser("alice");
    answerTask();
    await plannerGetTask.run({ taskId: TASK }, ctx(p));

    expect(tokenRequests).toHaveLength(1);
    const form = tokenRequests[0]!;
    expect(form.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
    expect(form.get("requested_token_use")).toBe("on_behalf_of");
    expect(form.get("assertion")).toBe(p.token);
    expect(form.get("client_id")).toBe(CLIENT_ID);
    expect(form.get("client_secret")).toBe(CLIENT_SECRET);
    const scopes = form.get("scope")!.split(" ");
    expect(scopes).toContain("https://graph.microsoft.com/Tasks.ReadWrite");
    expect(scopes.filter((s) => s.startsWith("https://graph"))).toEqual([
      "https://graph.microsoft.com/Tasks.ReadWrite",
    ]);

    const token = issuedTokens.at(-1)!;
    expect(graphRequests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${token}`,
      `Bearer ${token}`,
    ]);
  });

  it("each_tool_asks_only_for_the_permission_it_needs", async () => {
    const p = await connectedUser("bob");
    onGraph("post", "/me/sendMail", empty(202));
    await outlookSendMail.run({ to: ["ana@example.com"], subject: "Hi", body: "Hello" }, ctx(p));
    onGraph(
      "post",
      "/teams/:team/channels/:channel/messages",
      json(
        {
          id: "1700000000000",
          createdDateTime: "2030-01-01T10:00:00Z",
          webUrl: "https://teams.microsoft.com/l/message/x",
        },
        201,
      ),
    );
    await teamsPostMessage.run(
      {
        teamId: "3f1c7d2a-5b6e-4c8d-9a0b-1c2d3e4f5a6b",
        channelId: "19:a1b2c3d4e5f6@thread.tacv2",
        content: "Stand-up in 5",
      },
      ctx(p),
    );
    const graphScopes = tokenRequests.map((f) =>
      f
        .get("scope")!
        .split(" ")
        .filter((s) => s.startsWith("https://graph")),
    );
    expect(graphScopes).toEqual([
      ["https://graph.microsoft.com/Mail.Send"],
      ["https://graph.microsoft.com/ChannelMessage.Send"],
    ]);
  });

  it("a_second_call_uses_the_cached_obo_token_without_asking_entra_again", async () => {
    const p = await connectedUser("carol");
    answerTask();
    await plannerGetTask.run({ taskId: TASK }, ctx(p));
    await plannerGetTask.run({ taskId: TASK }, ctx(p));
    expect(tokenRequests).toHaveLength(1);
    expect(new Set(graphRequests.map((r) => r.headers.authorization)).size).toBe(1);
  });

  it("missing_consent_is_auth_required_with_entras_admin_consent_link_and_graph_is_not_called", async () => {
    const p = await connectedUser("dave");
    entraQueue.push(entraErrors.consentRequired);
    const err = await toolError(plannerGetTask, { taskId: TASK }, ctx(p));
    expect(err.code).toBe("auth_required");
    expect(err.details).toMatchObject({ provider: "graph", retriable: true });
    expect(err.details.connectUrl).toBe(consentUrl("https://chat.contoso.example/connections"));
    expect(err.message).toMatch(/AADSTS65001/);
    expect(err.message).toMatch(/consent/);
    expect(graphRequests).toHaveLength(0);
  });

  it("interaction_required_is_auth_required_too", async () => {
    const p = await connectedUser("erin");
    entraQueue.push(entraErrors.interactionRequired);
    const err = await toolError(plannerGetTask, { taskId: TASK }, ctx(p));
    expect(err.code).toBe("auth_required");
    expect(err.message).toMatch(/sign in again.*AADSTS50076|AADSTS50076.*sign in/s);
    expect(err.details.connectUrl).toMatch(/\/v2\.0\/adminconsent\?/);
  });

  it("an_assertion_entra_rejects_is_session_expired", async () => {
    const p = await connectedUser("frank");
    entraQueue.push(entraErrors.invalidAssertion);
    const err = await toolError(plannerGetTask, { taskId: TASK }, ctx(p));
    expect(err.code).toBe("session_expired");
    expect(err.message).toMatch(/AADSTS50013/);
    expect(err.details).toMatchObject({ provider: "graph", retriable: false });
    expect(graphRequests).toHaveLength(0);
  });

  it("entra_unavailable_is_a_retriable_provider_error", async () => {
    const p = await connectedUser("gina");
    // MSAL may retry a 5xx once itself; Entra stays down for both.
    entraQueue.push(entraErrors.unavailable, entraErrors.unavailable);
    const err = await toolError(plannerGetTask, { taskId: TASK }, ctx(p));
    expect(err.code).toBe("provider_error");
    expect(err.details).toMatchObject({ retriable: true, provider: "graph" });
    expect(graphRequests).toHaveLength(0);
  });

  it("a_401_from_graph_renews_the_token_once_and_the_call_succeeds", async () => {
    const p = await connectedUser("hank");
    onGraph(
      "get",
      `/planner/tasks/${TASK}`,
      graphError(
        401,
        "InvalidAuthenticationToken",
        "Access token has expired or is not yet valid.",
      ),
      json(task),
    );
    onGraph("get", `/planner/tasks/${TASK}/details`, json(details));
    const got = await plannerGetTask.run({ taskId: TASK }, ctx(p));
    expect(got.id).toBe(TASK);

    // Two exchanges: the second skipped MSAL's cache (same assertion, new token).
    expect(tokenRequests).toHaveLength(2);
    expect(tokenRequests[1]!.get("assertion")).toBe(p.token);
    const [first, second, third] = graphRequests;
    expect(first!.path).toBe(`/v1.0/planner/tasks/${TASK}`);
    expect(second!.path).toBe(`/v1.0/planner/tasks/${TASK}`);
    expect(first!.headers.authorization).not.toBe(second!.headers.authorization);
    expect(second!.headers.authorization).toBe(`Bearer ${issuedTokens.at(-1)}`);
    // The renewed token serves the rest of the call.
    expect(third!.headers.authorization).toBe(second!.headers.authorization);
  });

  it("a_second_401_is_session_expired_after_exactly_one_renewal", async () => {
    const p = await connectedUser("iris");
    onGraph(
      "get",
      `/planner/tasks/${TASK}`,
      graphError(401, "InvalidAuthenticationToken", "Access token validation failure."),
    );
    const err = await toolError(plannerGetTask, { taskId: TASK }, ctx(p));
    expect(err.code).toBe("session_expired");
    expect(err.details).toMatchObject({ retriable: true, provider: "graph" });
    expect(graphRequests).toHaveLength(2);
    expect(tokenRequests).toHaveLength(2);
  });

  it("without_the_users_token_the_call_continues_from_their_sealed_token_cache", async () => {
    const p = await connectedUser("jack");
    answerTask();
    await plannerGetTask.run({ taskId: TASK }, ctx(p)); // OBO; the result is sealed per user
    const viaKey = { ...p, token: "" }; // e.g. the user's MCP access key: no assertion
    await plannerGetTask.run({ taskId: TASK }, ctx(viaKey));
    expect(tokenRequests).toHaveLength(1); // the cached Graph token served
    expect(graphRequests.at(-1)!.headers.authorization).toBe(`Bearer ${issuedTokens.at(-1)}`);
  });

  it("without_the_users_token_and_nothing_stored_it_is_session_expired", async () => {
    const p = await connectedUser("kate");
    const err = await toolError(plannerGetTask, { taskId: TASK }, ctx({ ...p, token: "" }));
    expect(err.code).toBe("session_expired");
    expect(err.message).toMatch(/sign in again/);
    expect(tokenRequests).toHaveLength(0);
    expect(graphRequests).toHaveLength(0);
  });

  it("the_in_app_connection_is_still_required_and_an_apps_key_is_refused", async () => {
    const notConnected = entraUser("liam");
    const err = await toolError(plannerGetTask, { taskId: TASK }, ctx(notConnected));
    expect(err.code).toBe("auth_required");
    expect(err.details.connectUrl).toMatch(
      /^https:\/\/chat\.contoso\.example\/connect\/graph#token=/,
    );

    const app = { ...entraUser("app"), kind: "app" as const, token: "" };
    await connect(app, "graph");
    expect((await toolError(plannerGetTask, { taskId: TASK }, ctx(app))).code).toBe("forbidden");
    expect(tokenRequests).toHaveLength(0);
    expect(graphRequests).toHaveLength(0);
  });
});
