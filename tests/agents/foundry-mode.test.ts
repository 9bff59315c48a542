import { createPipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "@/lib/agents/agent-service";
import { loopbackBearerPolicy } from "@/lib/agents/local-pipeline";
import { createProjectClient, projectClientOptions } from "@/lib/agents/project-client";
import { buildConfig } from "@/lib/config";
import { loadRecording } from "../helpers/recordings";

const ENDPOINT = "https://contoso.services.ai.azure.com/api/projects/demo";
const credential = {
  getToken: async () => ({ token: "foundry-token", expiresOnTimestamp: Date.now() + 3600_000 }),
};

const basic = loadRecording("conversation_flow").Entries;
const fileSearch = loadRecording("file_search").Entries.find((e) => Array.isArray(e.ResponseBody))!;
const openApi = loadRecording("openapi_tool").Entries.find((e) => Array.isArray(e.ResponseBody))!;
const sse = (body: unknown) =>
  new HttpResponse((body as string[]).join(""), {
    headers: { "content-type": "text/event-stream; charset=utf-8" },
  });

/** Foundry played back from the recordings: AgentService must consume real Foundry shapes unchanged. */
const seen: { path: string; auth: string | null; body: unknown }[] = [];
const foundry = setupServer(
  http.get(`${ENDPOINT}/agents`, ({ request }) => {
    seen.push({
      path: new URL(request.url).pathname + new URL(request.url).search,
      auth: request.headers.get("authorization"),
      body: null,
    });
    const version = basic[0]!.ResponseBody as { name: string };
    return HttpResponse.json({
      data: [
        { object: "agent", id: version.name, name: version.name, versions: { latest: version } },
      ],
      has_more: false,
      first_id: version.name,
      last_id: version.name,
    });
  }),
  http.post(`${ENDPOINT}/openai/v1/conversations`, () =>
    HttpResponse.json(basic[1]!.ResponseBody as object),
  ),
  http.post(`${ENDPOINT}/openai/v1/responses`, async ({ request }) => {
    const body = (await request.json()) as { input: string };
    seen.push({
      path: new URL(request.url).pathname,
      auth: request.headers.get("authorization"),
      body,
    });
    return sse(body.input === "weather" ? openApi.ResponseBody : fileSearch.ResponseBody);
  }),
);

describe("AgentService against Azure AI Foundry (recorded traffic)", () => {
  const agents = buildConfig({ FOUNDRY_PROJECT_ENDPOINT: ENDPOINT }).agents;
  let service: AgentService;
  beforeAll(() => {
    foundry.listen({ onUnhandledRequest: "error" });
    service = new AgentService(createProjectClient(agents, credential));
  });
  afterAll(() => foundry.close());

  it("uses the SDK's own pipeline for Foundry (https): no loopback pipeline, no insecure connections", () => {
    expect(agents.mode).toBe("foundry");
    expect(projectClientOptions(agents, credential)).toEqual({});
  });

  it("lists agents with the credential's bearer token", async () => {
    expect(await service.listAgents()).toEqual([{ name: "my-agent-basic", version: "10" }]);
    expect(seen.at(-1)).toMatchObject({
      path: "/api/projects/demo/agents?api-version=v1",
      auth: "Bearer foundry-token",
    });
  });

  it("streams a recorded Foundry response, sending agent_reference", async () => {
    const conversationId = await service.createConversation();
    expect(conversationId).toMatch(/^conv_/);
    const stream = await service.streamResponse({
      conversationId,
      agent: { name: "file-search-agent" },
      input: "price?",
    });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    expect(types).toHaveLength(32);
    expect(types.at(-1)).toBe("response.completed");
    expect(seen.at(-1)).toMatchObject({
      auth: "Bearer foundry-token",
      body: {
        conversation: conversationId,
        input: "price?",
        stream: true,
        agent_reference: { type: "agent_reference", name: "file-search-agent" },
      },
    });
  });

  it("throws on the recorded error frame after the events before it", async () => {
    const stream = await service.streamResponse({
      conversationId: "conv_x",
      agent: { name: "MyOpenApiAgent" },
      input: "weather",
    });
    const types: string[] = [];
    const consume = async () => {
      for await (const e of stream) types.push(e.type);
    };
    const failure = await consume().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure).toMatchObject({ code: "tool_user_error", type: "invalid_request_error" });
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
    ]);
  });
});

describe("the loopback pipeline (local agent service over http)", () => {
  it("is chosen only for the local service on plain http", () => {
    const local = buildConfig({ APP_URL: "http://127.0.0.1:4000" }).agents;
    const options = projectClientOptions(local, credential);
    expect(options.allowInsecureConnection).toBe(true);
    expect(options.pipeline?.getOrderedPolicies().map((p) => p.name)).toContain(
      "localFoundryBearerPolicy",
    );
    expect(
      projectClientOptions(buildConfig({ APP_URL: "https://chat.contoso.com" }).agents, credential),
    ).toEqual({});
  });

  it("adds the bearer token, and never sends it to another origin", async () => {
    const policy = loopbackBearerPolicy(
      credential,
      "https://ai.azure.com/.default",
      "http://127.0.0.1:4000",
    );
    const next = async (req: ReturnType<typeof createPipelineRequest>) =>
      ({ request: req, status: 200, headers: req.headers }) as PipelineResponse;
    const ok = await policy.sendRequest(
      createPipelineRequest({ url: "http://127.0.0.1:4000/local-foundry/agents" }),
      next,
    );
    expect(ok.request.headers.get("authorization")).toBe("Bearer foundry-token");
    await expect(
      policy.sendRequest(
        createPipelineRequest({ url: "http://evil.example/local-foundry/agents" }),
        next,
      ),
    ).rejects.toThrow(/Refusing/);
  });
});
