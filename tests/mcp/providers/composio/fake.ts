import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";

/**
 * An HTTP-level fake of Composio's API (REST v3.1, https://backend.composio.dev) as
 * `@composio/core` calls it: the API key in `x-api-key`, JSON bodies, the documented error object
 * `{ error: { message, status, code?, slug?, request_id, errors? } }`. msw intercepts the SDK's
 * real fetch; anything else is an unhandled request and fails the test.
 *
 *   GET  /api/v3.1/tools?tool_slugs=A,B&limit=…&toolkit_versions=latest   tool schemas
 *   POST /api/v3.1/tool_router/session                                    create a session
 *   POST /api/v3.1/tool_router/session/{id}/execute                        run a tool
 *   POST /api/v3.1/tool_router/session/{id}/link                           Connect Link
 */
export const BASE = "https://backend.composio.dev";
export const API_KEY = "ck_test_9f8e7d6c5b4a39281706";

export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  apiKey: string | null;
  contentType: string | null;
  body: Record<string, unknown> | undefined;
}

interface FakeSession {
  userId: string;
  toolkits: string[];
  tools: Record<string, string[]>;
}

type Route = "tools" | "create" | "execute" | "link";

/** A raw tool as `GET /api/v3.1/tools` lists it (snake case). */
export function rawTool(
  slug: string,
  toolkit: { slug: string; name: string },
  input: Record<string, unknown>,
  tags: string[] = [],
) {
  return {
    slug,
    name: slug
      .split("_")
      .slice(1)
      .map((w) => w[0] + w.slice(1).toLowerCase())
      .join(" "),
    description: `Composio's ${slug} tool, described at length for the model.`,
    input_parameters: input,
    output_parameters: { type: "object", properties: { data: { type: "object" } } },
    tags,
    toolkit: { ...toolkit, logo: "https://logos.composio.dev/x.png" },
    version: "20250909_00",
    available_versions: ["20250909_00"],
    is_deprecated: false,
    deprecated: {
      is_deprecated: false,
      available_versions: [],
      displayName: slug,
      version: "20250909_00",
      toolkit: { logo: "" },
    },
    no_auth: false,
    scopes: [],
    scope_requirements: null,
  };
}

const GITHUB = { slug: "github", name: "GitHub" };
const SLACK = { slug: "slack", name: "Slack" };

/** What Composio knows: a few tools, one of them with a schema that is not plain. */
export const CATALOG = [
  rawTool(
    "GITHUB_CREATE_AN_ISSUE",
    GITHUB,
    {
      type: "object",
      title: "CreateAnIssueRequest",
      properties: {
        owner: {
          type: "string",
          title: "Owner",
          description: "The account owner of the repository.",
        },
        repo: { type: "string", title: "Repo", description: "The name of the repository." },
        title: { type: "string", title: "Title", description: "The title of the issue." },
        body: {
          type: "string",
          title: "Body",
          description: "The contents of the issue.",
          default: null,
          nullable: true,
        },
        labels: { type: "array", items: { type: "string" }, title: "Labels" },
      },
      required: ["owner", "repo", "title"],
    },
    ["openWorldHint"],
  ),
  rawTool(
    "GITHUB_GET_A_REPOSITORY",
    GITHUB,
    {
      type: "object",
      properties: {
        owner: { type: "string", description: "The account owner of the repository." },
        repo: { type: "string", description: "The name of the repository." },
      },
      required: ["owner", "repo"],
    },
    ["readOnlyHint", "idempotentHint"],
  ),
  rawTool("GITHUB_UPDATE_A_PULL_REQUEST", GITHUB, {
    type: "object",
    properties: {
      owner: { type: "string", description: "The account owner." },
      state: { anyOf: [{ type: "string" }, { type: "null" }], description: "open or closed" },
    },
    required: ["owner"],
  }),
  rawTool(
    "GITHUB_DELETE_A_REPOSITORY",
    GITHUB,
    {
      type: "object",
      properties: { owner: { type: "string" }, repo: { type: "string" } },
      required: ["owner", "repo"],
    },
    ["destructiveHint"],
  ),
  rawTool("SLACK_SEND_MESSAGE", SLACK, {
    type: "object",
    properties: {
      channel: { type: "string", description: "Channel id or name." },
      text: { type: "string", description: "The message text." },
    },
    required: ["channel", "text"],
  }),
];

function errorBody(status: number, message: string, extra: Record<string, unknown> = {}) {
  return {
    error: {
      message,
      status,
      request_id: `req_${Math.random().toString(16).slice(2, 10)}`,
      ...extra,
    },
  };
}

export function composioError(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return HttpResponse.json(errorBody(status, message, extra), { status, headers });
}

export function createComposioFake() {
  const seen: Seen[] = [];
  const sessions = new Map<string, FakeSession>();
  /** `${userId}:${toolkit}` pairs with an ACTIVE connected account. */
  const connected = new Set<string>();
  const faults: { route: Route; answer: () => Response | Promise<Response> }[] = [];
  let sessionCount = 0;
  let linkCount = 0;
  /** What a tool execution answers (per slug); default echoes the arguments. */
  const results = new Map<
    string,
    (args: Record<string, unknown>) => { data: Record<string, unknown>; error: string | null }
  >();

  async function record(request: Request): Promise<Seen> {
    const url = new URL(request.url);
    const text = request.method === "GET" ? "" : await request.text();
    const s: Seen = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      apiKey: request.headers.get("x-api-key"),
      contentType: request.headers.get("content-type"),
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
    seen.push(s);
    return s;
  }

  function fault(route: Route) {
    const i = faults.findIndex((f) => f.route === route);
    return i < 0 ? undefined : faults.splice(i, 1)[0]!.answer();
  }

  const unauthorized = () =>
    composioError(401, "No valid API key provided", { code: 10401, slug: "Auth_InvalidApiKey" });

  const server = setupServer(
    http.get(`${BASE}/api/v3.1/tools`, async ({ request }) => {
      const s = await record(request);
      if (s.apiKey !== API_KEY) return unauthorized();
      const f = fault("tools");
      if (f) return f;
      const wanted = (s.query.get("tool_slugs") ?? "").split(",").filter(Boolean);
      const items = CATALOG.filter((t) => wanted.includes(t.slug));
      return HttpResponse.json({
        items,
        total_pages: 1,
        current_page: 1,
        total_items: items.length,
        next_cursor: null,
      });
    }),

    http.post(`${BASE}/api/v3.1/tool_router/session`, async ({ request }) => {
      const s = await record(request);
      if (s.apiKey !== API_KEY) return unauthorized();
      const f = fault("create");
      if (f) return f;
      const body = s.body as {
        user_id: string;
        toolkits?: { enable: string[] };
        tools?: Record<string, { enable: string[] }>;
      };
      sessionCount += 1;
      const id = `trs_fake${String(sessionCount).padStart(4, "0")}`;
      sessions.set(id, {
        userId: body.user_id,
        toolkits: body.toolkits?.enable ?? [],
        tools: Object.fromEntries(Object.entries(body.tools ?? {}).map(([k, v]) => [k, v.enable])),
      });
      return HttpResponse.json({
        session_id: id,
        mcp: { type: "http", url: `${BASE}/tool_router/${id}/mcp` },
        tool_router_tools: [],
        config: { user_id: body.user_id, execute: {}, preload: { tools: [] } },
        config_version: 1,
      });
    }),

    http.post(`${BASE}/api/v3.1/tool_router/session/:id/execute`, async ({ request, params }) => {
      const s = await record(request);
      if (s.apiKey !== API_KEY) return unauthorized();
      const f = fault("execute");
      if (f) return f;
      const session = sessions.get(String(params.id));
      if (!session)
        return composioError(404, "Tool router session not found", {
          slug: "ToolRouterV2_SessionNotFound",
        });
      const { tool_slug: slug, arguments: args } = s.body as {
        tool_slug: string;
        arguments: Record<string, unknown>;
      };
      const tool = CATALOG.find((t) => t.slug === slug);
      const toolkit = tool?.toolkit.slug ?? "";
      if (!tool || !session.tools[toolkit]?.includes(slug))
        return composioError(400, `Tool ${slug} is not enabled in this session`, {
          code: 10400,
          slug: "ToolRouterV2_ToolNotEnabled",
        });
      if (!connected.has(`${session.userId}:${toolkit}`))
        return composioError(400, `No active connection found for toolkit ${toolkit}`, {
          slug: "ToolRouterV2_NoActiveConnection",
          suggested_fix: "Connect the user to the toolkit first",
        });
      const missing = (tool.input_parameters.required as string[]).filter((r) => !(r in args));
      if (missing.length)
        return composioError(400, "Validation error while processing request", {
          code: 10400,
          slug: "HTTP_BadRequest",
          errors: missing.map((m) => `Error in payload.arguments.${m}: Required`),
        });
      const result = results.get(slug)?.(args) ?? { data: { ok: true, echo: args }, error: null };
      return HttpResponse.json({ ...result, log_id: `log_${seen.length}` });
    }),

    http.post(`${BASE}/api/v3.1/tool_router/session/:id/link`, async ({ request, params }) => {
      const s = await record(request);
      if (s.apiKey !== API_KEY) return unauthorized();
      const f = fault("link");
      if (f) return f;
      if (!sessions.has(String(params.id)))
        return composioError(404, "Tool router session not found", {
          slug: "ToolRouterV2_SessionNotFound",
        });
      linkCount += 1;
      return HttpResponse.json({
        connected_account_id: `ca_fake${linkCount}`,
        link_token: `lt_fake${linkCount}`,
        redirect_url: `https://connect.composio.dev/link/ln_fake${linkCount}`,
      });
    }),
  );

  return {
    server,
    /**
     * Any request the fake does not handle fails the test — except to loopback, where the test's
     * own app server (the /api/mcp harness) listens.
     */
    listen: () =>
      server.listen({
        onUnhandledRequest: (request, print) => {
          if (new URL(request.url).hostname !== "127.0.0.1") print.error();
        },
      }),
    seen,
    sessions,
    /** Gives `userId` an ACTIVE connected account for `toolkit` (what the Connect Link ends in). */
    connect: (userId: string, toolkit: string) => void connected.add(`${userId}:${toolkit}`),
    /** The next `times` requests to `route` get `answer` instead. */
    failNext(route: Route, answer: () => Response | Promise<Response>, times = 1) {
      for (let i = 0; i < times; i++) faults.push({ route, answer });
    },
    answerWith(
      slug: string,
      fn: (args: Record<string, unknown>) => {
        data: Record<string, unknown>;
        error: string | null;
      },
    ) {
      results.set(slug, fn);
    },
    /** Composio forgets a session (deleted, or gone for any reason): it then answers 404. */
    forget: (id: string) => void sessions.delete(id),
    requests: (path: RegExp | string) =>
      seen.filter((s) => (typeof path === "string" ? s.path === path : path.test(s.path))),
    reset() {
      seen.length = 0;
      faults.length = 0;
      results.clear();
    },
  };
}

export type ComposioFake = ReturnType<typeof createComposioFake>;

/** The environment that switches Composio on for a test. */
export const COMPOSIO_ENV = {
  COMPOSIO_API_KEY: API_KEY,
  COMPOSIO_TOOLKITS: "github,slack",
  COMPOSIO_TOOLS:
    "GITHUB_CREATE_AN_ISSUE,GITHUB_GET_A_REPOSITORY,GITHUB_UPDATE_A_PULL_REQUEST,GITHUB_NOT_AT_COMPOSIO,SLACK_SEND_MESSAGE",
  COMPOSIO_AUTH_CONFIGS: "github:ac_github01",
};
