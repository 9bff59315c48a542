import fc from "fast-check";
import {
  anyBody,
  bodyLike,
  contentType,
  deepJson,
  encodeSegment,
  headerText,
  hugeBody,
  jsonValue,
  method,
  nastyString,
  notJson,
  query,
  rawSegment,
  request,
  type Principals,
} from "./arbitraries";
import type { FuzzRequest } from "./harness";

/** What the fuzzer knows about the app before it starts: real ids to aim at. */
export interface FuzzWorld {
  /** Routes of app/api, app/local-idp etc. (from the route files) and the methods they export. */
  routes: { pattern: string; methods: string[] }[];
  /** The app's `host[:port]`, which a real client puts in `Host`. */
  host: string;
  principals: { api: Principals; foundry: Principals; mcp: Principals };
  /** Conversations of alice and bob (each user also tries the other's). */
  conversations: { alice: string[]; bob: string[] };
  tenantId: string;
  toolNames: string[];
}

const uuid = fc.uuid();
const segment = (known: fc.Arbitrary<string>, nasty = true) =>
  nasty
    ? fc.oneof(
        { arbitrary: known.map(encodeSegment), weight: 5 },
        { arbitrary: nastyString.map(encodeSegment), weight: 3 },
        { arbitrary: rawSegment, weight: 1 },
      )
    : known.map(encodeSegment);

function paramArb(name: string, w: FuzzWorld, nasty: boolean): fc.Arbitrary<string> {
  const segment_ = (known: fc.Arbitrary<string>) => segment(known, nasty);
  switch (name) {
    case "id":
      return segment_(
        fc.oneof(
          fc.constantFrom(...w.conversations.alice, ...w.conversations.bob),
          uuid,
          fc
            .string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 16, maxLength: 16 })
            .map((h) => `key_${h}`),
        ),
      );
    case "provider":
      return segment_(fc.constantFrom("gmail", "graph", "twilio", "tavily", "openapi:dealer"));
    case "tenant":
      return segment_(fc.constantFrom(w.tenantId, "common", "organizations"));
    case "name":
      return segment_(fc.constantFrom("foundry-agent-chat", "tools", "gmail"));
    default:
      return segment_(uuid);
  }
}

/** Fills a route pattern's `:param` and `*rest` segments. */
function pathFor(pattern: string, w: FuzzWorld, nasty = true): fc.Arbitrary<string> {
  const parts = pattern.split("/").map((p): fc.Arbitrary<string> =>
    p.startsWith(":")
      ? paramArb(p.slice(1), w, nasty)
      : p.startsWith("*")
        ? fc
            .array(segment(fc.constantFrom("agents", "openai", "v1", "responses")), {
              minLength: 1,
              maxLength: 4,
            })
            .map((s) => s.join("/"))
        : fc.constant(p),
  );
  return fc.tuple(...parts).map((s) => s.join("/"));
}

const messageText = fc.oneof(
  nastyString,
  fc.constantFrom("hello", "What is 2+2?", "Please give me a long answer", "markdown demo"),
);

/** Field names and plausible values of each route's JSON or form body. */
function shapedBody(pattern: string): fc.Arbitrary<string> {
  if (pattern.endsWith("/messages")) return bodyLike({ text: messageText });
  if (pattern === "/api/conversations") return bodyLike({ agent: nastyString, title: nastyString });
  if (pattern === "/api/conversations/:id") return bodyLike({ title: nastyString });
  if (pattern.endsWith("/decision"))
    return bodyLike({ approve: fc.boolean(), reason: nastyString });
  if (pattern === "/api/admin/keys") {
    return bodyLike({
      name: nastyString,
      kind: fc.constantFrom("app", "user"),
      roles: fc.array(fc.constantFrom("Tools.Read", "Tools.Write", "Admin")),
      username: fc.constantFrom("alice", "bob", "nobody"),
    });
  }
  if (pattern.startsWith("/local-idp/")) return formBody;
  return bodyLike({ token: nastyString, approve: fc.boolean(), text: nastyString });
}

/** Ordinary text with a NUL or a lone surrogate inside: what breaks storage and encoders. */
const tainted = fc
  .tuple(
    fc.string({ maxLength: 12 }),
    fc.oneof(
      fc.constant("\u0000"),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    ),
    fc.string({ maxLength: 12 }),
  )
  .map(([a, c, b]) => `x${a}${c}${b}`);

/** A value of the right JSON type most of the time, but nasty: NUL, lone surrogates, huge. */
const nastyValue = fc.oneof(
  { arbitrary: tainted, weight: 4 },
  { arbitrary: nastyString, weight: 4 },
  { arbitrary: jsonValue, weight: 1 },
);

/** Only the route's own fields (strict schemas refuse extras), each with a nasty value. */
function strictBody(pattern: string): fc.Arbitrary<string> {
  const fields: Record<string, fc.Arbitrary<unknown>> = pattern.endsWith("/messages")
    ? { text: nastyValue }
    : pattern === "/api/conversations"
      ? { agent: fc.constantFrom(undefined, "assistant"), title: nastyValue }
      : pattern === "/api/conversations/:id"
        ? { title: nastyValue }
        : pattern.endsWith("/decision")
          ? { approve: fc.boolean(), reason: nastyValue }
          : pattern === "/api/admin/keys"
            ? { name: nastyValue, kind: fc.constantFrom("app", "user"), username: nastyValue }
            : { token: nastyValue };
  return fc.record(fields, { requiredKeys: [] }).map((b) => JSON.stringify(b));
}

/** application/x-www-form-urlencoded bodies for the IdP's endpoints. */
const formBody: fc.Arbitrary<string> = fc
  .dictionary(
    fc.constantFrom(
      "grant_type",
      "code",
      "refresh_token",
      "client_id",
      "redirect_uri",
      "code_verifier",
      "scope",
      "token",
      "username",
      "state",
      "consent",
      "request",
      "x",
    ),
    fc.oneof(
      nastyString,
      fc.constantFrom("authorization_code", "refresh_token", "client_credentials", "alice"),
    ),
    { maxKeys: 6 },
  )
  .chain((fields) =>
    fc.oneof(
      fc.constant(new URLSearchParams(fields).toString()),
      fc.constant(`${new URLSearchParams(fields).toString()}&bad=%ED%A0%80&nul=%00&pct=%`),
    ),
  );

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    "last-event-id": headerText,
    accept: fc.constantFrom("*/*", "text/event-stream", "application/json", "text/html", ""),
    "x-correlation-id": headerText,
    origin: fc.constantFrom("http://127.0.0.1", "https://evil.example", "null", "garbage"),
    "sec-fetch-site": fc.constantFrom("same-origin", "cross-site", "none"),
    "if-none-match": headerText,
  },
  { requiredKeys: [] },
);

/** Mostly credentials that get past authentication (so the fuzz reaches the code behind it). */
function pick(p: Principals, valid: string[]): fc.Arbitrary<Record<string, string>> {
  const good = Object.entries(p).filter(([name]) => valid.includes(name));
  const bad = Object.entries(p).filter(([name]) => !valid.includes(name));
  return fc.oneof(
    { arbitrary: fc.constantFrom(...good.map(([, h]) => h)), weight: 2 },
    { arbitrary: fc.constantFrom(...bad.map(([, h]) => h)), weight: 1 },
  );
}

/** Any route of the app: half of the requests well-formed but for their values, half anything. */
export function apiRequest(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(wellFormedApiRequest(w), anyApiRequest(w));
}

/**
 * The right method, the caller's own ids, the right content type and the route's own fields,
 * with values that are nasty strings (NUL, lone surrogates, huge) or of the wrong type: the
 * input that gets past parsing and authorization to the code that stores and acts.
 */
function wellFormedApiRequest(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(
      fc.constantFrom(...w.routes),
      fc.constantFrom("alice", "bob") as fc.Arbitrary<"alice" | "bob">,
    )
    .chain(([{ pattern, methods }, user]) => {
      const own: FuzzWorld = { ...w, conversations: { alice: w.conversations[user], bob: [] } };
      const form = pattern.startsWith("/local-idp/");
      return fc
        .record({
          method: fc.constantFrom(...methods),
          path: pathFor(pattern, own, false),
          body: form ? formBody : strictBody(pattern),
        })
        .map((r) =>
          request({
            ...r,
            auth: w.principals.api[user]!,
            contentType: form ? "application/x-www-form-urlencoded" : "application/json",
            note: `${pattern} (well-formed)`,
          }),
        );
    });
}

/** Any route of the app (app/api, the IdP, metadata), any method, any input. */
function anyApiRequest(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...w.routes).chain(({ pattern, methods }) => {
    const form = pattern.startsWith("/local-idp/");
    return fc
      .record({
        // Mostly the methods the route serves, so the fuzz reaches the code behind them.
        method: fc.oneof(
          { arbitrary: fc.constantFrom(...methods), weight: 3 },
          { arbitrary: method, weight: 1 },
        ),
        path: pathFor(pattern, w),
        query,
        auth: pick(w.principals.api, ["alice", "bob", "carol", "dana"]),
        contentType: form
          ? fc.oneof(fc.constant("application/x-www-form-urlencoded"), contentType)
          : contentType,
        body: fc.option(anyBody(shapedBody(pattern)), { freq: 6 }),
        extraHeaders,
      })
      .map((r) =>
        request({
          ...r,
          path: r.path + r.query,
          body: r.body ?? undefined,
          note: pattern,
        }),
      );
  });
}

/** The JSON-RPC methods an MCP client sends, and some it should not. */
const rpcMethod = fc.oneof(
  { arbitrary: fc.constant("tools/call"), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      "initialize",
      "tools/list",
      "tools/call",
      "ping",
      "notifications/initialized",
      "notifications/cancelled",
      "resources/list",
      "prompts/list",
      "logging/setLevel",
      "completion/complete",
    ),
    weight: 5,
  },
  { arbitrary: nastyString, weight: 1 },
  { arbitrary: jsonValue, weight: 1 },
);

const rpcId = fc.oneof(
  { arbitrary: fc.integer(), weight: 6 },
  {
    arbitrary: fc.constantFrom(1e308, -0, 2 ** 63, null, "1", true, "x".repeat(10_000)),
    weight: 1,
  },
  { arbitrary: nastyString, weight: 2 },
  { arbitrary: jsonValue, weight: 1 },
);

function toolArguments(w: FuzzWorld): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      arbitrary: fc.dictionary(
        fc.constantFrom(
          "to",
          "body",
          "query",
          "subject",
          "taskId",
          "planId",
          "title",
          "vehicleId",
          "provider",
          "max_results",
          "idempotency_key",
          ...w.toolNames.slice(0, 3),
        ),
        jsonValue,
        { maxKeys: 5 },
      ),
      weight: 6,
    },
    { arbitrary: jsonValue, weight: 2 },
  );
}

function rpcMessage(w: FuzzWorld): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record(
      {
        jsonrpc: fc.oneof(
          { arbitrary: fc.constant("2.0"), weight: 12 },
          { arbitrary: fc.constantFrom("1.0", "2", 2, null, ""), weight: 1 },
        ),
        id: rpcId,
        method: rpcMethod,
        params: jsonValue,
      },
      { requiredKeys: ["jsonrpc", "id", "method"] },
    )
    .chain((m) => {
      if (m.method === "tools/call") {
        return fc
          .record({
            name: fc.oneof(fc.constantFrom(...w.toolNames), nastyString),
            arguments: toolArguments(w),
            _meta: fc.option(jsonValue, { freq: 4 }),
          })
          .map((params) => ({ ...m, params }));
      }
      if (m.method === "initialize") {
        return fc
          .record({
            protocolVersion: fc.oneof(
              fc.constantFrom("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "1999-01-01"),
              nastyString,
            ),
            capabilities: jsonValue,
            clientInfo: fc.oneof(fc.constant({ name: "fuzz", version: "1" }), jsonValue),
          })
          .map((params) => ({ ...m, params }));
      }
      return fc.constant(m);
    });
}

/** A body for /api/mcp: one message, a batch, or garbage; deep, huge, or cut short. */
function mcpBody(w: FuzzWorld): fc.Arbitrary<string | Uint8Array> {
  const one = rpcMessage(w);
  return fc.oneof(
    { arbitrary: one.map((m) => JSON.stringify(m)), weight: 10 },
    { arbitrary: fc.array(one, { maxLength: 5 }).map((b) => JSON.stringify(b)), weight: 2 },
    { arbitrary: jsonValue.map((v) => JSON.stringify(v) ?? "null"), weight: 2 },
    { arbitrary: notJson, weight: 1 },
    {
      arbitrary: deepJson.map(
        (d) =>
          `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"tavily_search","arguments":{"query":${d}}}}`,
      ),
      weight: 1,
    },
    { arbitrary: deepJson, weight: 1 },
    { arbitrary: hugeBody(1024 * 1024 + 10), weight: 1 },
  );
}

/** JSON-RPC garbage (and some valid traffic) at /api/mcp with every kind of credential. */
export function mcpRequest(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof(
        { arbitrary: fc.constant("POST"), weight: 12 },
        { arbitrary: method, weight: 1 },
      ),
      auth: pick(w.principals.mcp, [
        "alice",
        "bob",
        "carol",
        "dana",
        "appWrite",
        "userKey",
        "appKey",
      ]),
      contentType,
      body: mcpBody(w),
      headers: fc
        .record({
          accept: fc.oneof(
            { arbitrary: fc.constant("application/json, text/event-stream"), weight: 10 },
            {
              arbitrary: fc.constantFrom(
                "application/json",
                "text/event-stream",
                "*/*",
                "text/html",
                "",
              ),
              weight: 1,
            },
          ),
          host: fc.oneof(
            { arbitrary: fc.constant(w.host), weight: 15 },
            {
              arbitrary: fc.constantFrom("localhost", "evil.example", "[::1]:99999", ""),
              weight: 1,
            },
          ),
          "mcp-protocol-version": fc.option(
            fc.oneof(
              { arbitrary: fc.constantFrom("2025-11-25", "2025-06-18", "2025-03-26"), weight: 4 },
              { arbitrary: fc.oneof(fc.constant("0000-00-00"), headerText), weight: 1 },
            ),
            { freq: 3 },
          ),
          "mcp-session-id": fc.option(fc.oneof(headerText, uuid), { freq: 5 }),
          origin: fc.option(
            fc.oneof(
              { arbitrary: fc.constant(`http://${w.host}`), weight: 3 },
              { arbitrary: fc.constantFrom("https://evil.example", "null"), weight: 1 },
            ),
            { freq: 3 },
          ),
          "last-event-id": fc.option(headerText, { freq: 8 }),
        })
        .map(
          (h) =>
            Object.fromEntries(Object.entries(h).filter(([, v]) => v !== null)) as Record<
              string,
              string
            >,
        ),
      query: fc.oneof(fc.constant(""), query),
    })
    .map((r) =>
      request({
        method: r.method,
        path: `/api/mcp${r.query}`,
        auth: r.auth,
        contentType: r.contentType,
        body: r.body,
        extraHeaders: r.headers,
        note: "mcp",
      }),
    );
}

/** The local agent service's routes, from lib/local-foundry/routes/*. */
export const FOUNDRY_ROUTES: [string, string][] = [
  ["GET", "/agents"],
  ["POST", "/agents"],
  ["GET", "/agents/:name"],
  ["DELETE", "/agents/:name"],
  ["POST", "/agents/:name/versions"],
  ["GET", "/agents/:name/versions"],
  ["GET", "/agents/:name/versions/:version"],
  ["DELETE", "/agents/:name/versions/:version"],
  ["GET", "/connections"],
  ["DELETE", "/connections/:name/grant"],
  ["GET", "/connections/callback"],
  ["POST", "/openai/v1/conversations"],
  ["GET", "/openai/v1/conversations/:id"],
  ["DELETE", "/openai/v1/conversations/:id"],
  ["GET", "/openai/v1/conversations/:id/items"],
  ["POST", "/openai/v1/conversations/:id/items"],
  ["GET", "/openai/v1/conversations/:id/items/:itemId"],
  ["POST", "/openai/v1/responses"],
  ["GET", "/openai/v1/responses/:id"],
  ["DELETE", "/openai/v1/responses/:id"],
  ["POST", "/openai/v1/responses/:id/cancel"],
];

const foundryParam: Record<string, fc.Arbitrary<string>> = {
  // Not "assistant": an admin replacing the agent every conversation uses is not bad input.
  name: fc.constantFrom("fuzz-agent", "x", "a-b"),
  version: fc.constantFrom("1", "2", "0", "-1", "latest"),
  id: fc.oneof(
    fc.constantFrom("conv_0", "resp_0"),
    uuid.map((u) => `conv_${u.replace(/-/g, "")}`),
  ),
  itemId: fc.constantFrom("msg_0", "item_1"),
};

const content = fc.oneof(
  nastyString,
  fc.array(
    fc.record({ type: fc.constantFrom("input_text", "output_text", "x"), text: nastyString }),
    { maxLength: 3 },
  ),
);

function foundryBody(pattern: string): fc.Arbitrary<string> {
  if (pattern.startsWith("/agents")) {
    return bodyLike({
      name: nastyString,
      description: nastyString,
      definition: fc.record(
        {
          kind: fc.constantFrom("prompt", "workflow", "hosted"),
          model: fc.constantFrom("scripted", "gpt-4o"),
          instructions: nastyString,
          tools: fc.array(jsonValue, { maxLength: 3 }),
        },
        { requiredKeys: [] },
      ),
    });
  }
  if (pattern.includes("/items")) {
    return bodyLike({
      items: fc.array(
        fc.record(
          {
            type: fc.constantFrom("message", "function_call_output", "mcp_approval_response"),
            role: fc.constantFrom("user", "assistant", "system", "developer"),
            content,
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
    });
  }
  return bodyLike({
    input: fc.oneof(content, fc.array(jsonValue, { maxLength: 2 })),
    agent: fc.record({
      name: fc.constantFrom("assistant", "nope"),
      type: fc.constant("agent_reference"),
    }),
    conversation: fc.oneof(fc.constantFrom("conv_0"), nastyString),
    stream: fc.boolean(),
    previous_response_id: nastyString,
    tool_choice: jsonValue,
    items: fc.array(jsonValue, { maxLength: 2 }),
  });
}

/** The local agent service at /local-foundry: a third well-formed but for the values. */
export function foundryRequest(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { arbitrary: wellFormedFoundryRequest(w), weight: 1 },
    { arbitrary: anyFoundryRequest(w), weight: 2 },
  );
}

function wellFormedFoundryRequest(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const agent = { name: "assistant", type: "agent_reference" };
  const message = nastyValue.map((content) => ({ type: "message", role: "user", content }));
  return fc
    .tuple(
      fc.oneof(
        fc.record({ input: nastyValue }).map((b) => ["/openai/v1/responses", { ...b, agent }]),
        fc
          .record({ items: fc.array(message, { minLength: 1, maxLength: 2 }) })
          .map((b) => ["/openai/v1/conversations", b]),
        fc
          .record({
            name: nastyValue,
            definition: fc.constant({ kind: "prompt", model: "scripted" }),
          })
          .map((b) => ["/agents", b]),
      ),
      fc.constantFrom("aliceFoundry", "bobFoundry", "danaFoundry"),
    )
    .map(([[path, body], who]) =>
      request({
        method: "POST",
        path: `/local-foundry${path as string}`,
        auth: w.principals.foundry[who]!,
        contentType: "application/json",
        body: JSON.stringify(body),
        note: `local-foundry POST ${path as string} (well-formed)`,
      }),
    );
}

function anyFoundryRequest(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...FOUNDRY_ROUTES).chain(([verb, pattern]) => {
    const path = fc
      .tuple(
        ...pattern
          .split("/")
          .map((p) => (p.startsWith(":") ? segment(foundryParam[p.slice(1)]!) : fc.constant(p))),
      )
      .map((s) => s.join("/"));
    return fc
      .record({
        method: fc.oneof(
          { arbitrary: fc.constant(verb), weight: 3 },
          { arbitrary: method, weight: 1 },
        ),
        path: fc.oneof(
          { arbitrary: path, weight: 8 },
          {
            arbitrary: fc
              .array(segment(nastyString), { minLength: 1, maxLength: 3 })
              .map((s) => `/${s.join("/")}`),
            weight: 1,
          },
        ),
        query,
        auth: pick(w.principals.foundry, ["aliceFoundry", "bobFoundry", "danaFoundry"]),
        contentType,
        body: fc.option(anyBody(foundryBody(pattern)), { freq: 6 }),
        extraHeaders,
      })
      .map((r) =>
        request({
          ...r,
          path: `/local-foundry${r.path}${r.query}`,
          body: r.body ?? undefined,
          note: `local-foundry ${pattern}`,
        }),
      );
  });
}
