/**
 * Fuzz suite: a few thousand generated requests over every route and method of the app (found on
 * disk under app/), the local agent service at /local-foundry, the local IdP, and JSON-RPC
 * garbage at /api/mcp. It asserts what no input may do: answer 5xx, throw, hang, or answer an
 * error in a shape the client cannot read; and that afterwards the server is ready and the
 * fuzzing users' conversations still take a message and answer it.
 *
 * Deterministic by default (fixed seed). Environment (tests only; the app reads lib/config.ts):
 *   FUZZ_SEED=<int>    another seed (a failure report prints the seed it ran with)
 *   FUZZ_SCALE=<num>   multiplies the number of requests (default 1: about 3,700 requests)
 *   FUZZ_VERBOSE=1     also prints how often each answer (status and start of body) came back
 * Reproduce a failure: `FUZZ_SEED=<seed> npx vitest run tests/fuzz`; each distinct failure is
 * printed with its method, path, headers and a body excerpt (see docs/TESTING.md).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "@/lib/config";
import { drainRuns } from "@/lib/chat/run-driver";
import { builtinTools } from "@/mcp-server/catalog";
import { startTestApp, type TestApp } from "../helpers/app";
import { grantConsentDirectly } from "../helpers/consent";
import { readSse } from "../helpers/sse";
import { describeFailures, runAll, type FuzzRequest, type Outcome } from "./harness";
import { apiRequest, foundryRequest, mcpRequest, type FuzzWorld } from "./requests";
import { discoverRoutes, type AppRoute } from "./router";
import { fuzzPrincipals } from "./setup";

const SEED = Number(process.env.FUZZ_SEED ?? 8_2024);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const count = (n: number) => Math.max(1, Math.round(n * SCALE));

let app: TestApp;
let routes: AppRoute[];
let world: FuzzWorld;
/** Conversations that must still work after the fuzzing: [owner, id]. */
const witnesses: ["alice" | "bob", string][] = [];
const tokens: Record<string, string> = {};

async function call(method: string, path: string, token: string, body?: unknown) {
  return fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Sends a message and reads the conversation's events until that run ends. */
async function converse(user: "alice" | "bob", id: string, text: string) {
  const sent = await call("POST", `/api/conversations/${id}/messages`, tokens[user]!, { text });
  if (sent.status !== 202) {
    return { status: sent.status, detail: (await sent.text()).slice(0, 300), ended: undefined };
  }
  const { runId } = (await sent.json()) as { runId: string };
  const { events } = await readSse(
    `${app.url}/api/conversations/${id}/events?after=0`,
    tokens[user]!,
    {
      until: (e) => e.runId === runId && /^run\.(completed|failed|cancelled)$/.test(e.type),
      timeoutMs: 20_000,
    },
  );
  const mine = events.filter((e) => e.runId === runId);
  return {
    status: 202,
    detail: "",
    ended: mine.at(-1)?.type,
    answer: mine.find((e) => e.type === "text.done")?.data as { text?: string } | undefined,
  };
}

beforeAll(async () => {
  app = await startTestApp({
    LOCAL_MODEL_PACING_MS: "0",
    // The fuzzer sends far more than a person would; limits answer 429 (fine) but would hide
    // the code behind them.
    CHAT_MESSAGES_PER_MINUTE: "100000",
    MCP_RATE_LIMIT_PER_MINUTE: "1000000",
    MCP_TOOL_TIMEOUT_MS: "3000",
    CONNECT_TOKEN_SECRET: "fuzz-connect-token-secret-0123456789abcdef",
  });
  await grantConsentDirectly("alice");
  await grantConsentDirectly("bob");
  const { mintLocalAccessToken } = await import("@/lib/identity/local-idp/tokens");
  for (const u of ["alice", "bob", "dana"]) tokens[u] = await mintLocalAccessToken({ username: u });

  const ids: string[] = [];
  const conversations = { alice: [] as string[], bob: [] as string[] };
  for (const user of ["alice", "alice", "bob", "bob", "alice", "bob"] as const) {
    const res = await call("POST", "/api/conversations", tokens[user]!, {});
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    ids.push(id);
    conversations[user].push(id);
    // The first four have history and must survive; the last two the fuzzer may delete.
    if (witnesses.length < 4) {
      const first = await converse(user, id, "hello");
      expect(first.ended).toBe("run.completed");
      witnesses.push([user, id]);
    }
  }

  const key = async (body: unknown) => {
    const res = await call("POST", "/api/admin/keys", tokens.dana!, body);
    expect(res.status).toBe(201);
    return ((await res.json()) as { key: string }).key;
  };
  const principals = await fuzzPrincipals({
    userKey: await key({ name: "fuzz-user-key", kind: "user", username: "alice" }),
    appKey: await key({ name: "fuzz-app-key", kind: "app", roles: ["Tools.Read", "Tools.Write"] }),
  });
  routes = await discoverRoutes();
  world = {
    routes: routes.filter(
      (r) => r.pattern !== "/api/mcp" && !r.pattern.startsWith("/local-foundry"),
    ),
    host: new URL(app.url).host,
    principals,
    conversations,
    tenantId: getConfig().identity.tenantId,
    toolNames: builtinTools.map((t) => t.name),
  };
}, 120_000);

afterAll(async () => app?.close());

/** Deterministic requests for a section; the witnesses are never deleted by their owner. */
function generate(arb: fc.Arbitrary<FuzzRequest>, n: number, salt: number): FuzzRequest[] {
  const protectedIds = witnesses.map(([, id]) => id);
  return fc
    .sample(arb, { seed: SEED + salt, numRuns: n })
    .filter((r) => !(r.method === "DELETE" && protectedIds.some((id) => r.path.includes(id))));
}

function isProblem(o: Outcome): boolean {
  if (!/^application\/problem\+json\b/.test(o.contentType)) return false;
  try {
    const p = JSON.parse(o.excerpt) as { status?: unknown; title?: unknown };
    return p.status === o.status && typeof p.title === "string";
  } catch {
    return false;
  }
}

function isFoundryError(o: Outcome): boolean {
  try {
    const e = (JSON.parse(o.excerpt) as { error?: { message?: unknown; type?: unknown } }).error;
    return typeof e?.message === "string" && typeof e.type === "string";
  } catch {
    return false;
  }
}

function isJsonRpcError(o: Outcome): boolean {
  try {
    const body = JSON.parse(o.excerpt) as unknown;
    const one = (m: unknown) =>
      typeof m === "object" &&
      m !== null &&
      (m as { jsonrpc?: unknown }).jsonrpc === "2.0" &&
      typeof (m as { error?: { code?: unknown } }).error?.code === "number";
    return Array.isArray(body) ? body.every(one) : one(body);
  } catch {
    return false;
  }
}

/**
 * JSON-RPC's 500: the server failed, whatever the HTTP status says. The MCP SDK labels its own
 * params validation report (a JSON list of issues) -32603 as well; that one is an answer, not a
 * crash, so it passes.
 */
function jsonRpcCrash(o: Outcome): boolean {
  try {
    const body = JSON.parse(o.excerpt) as unknown;
    return (Array.isArray(body) ? body : [body]).some(
      (m: { error?: { code?: unknown; message?: unknown } }) => {
        if (m?.error?.code !== -32603) return false;
        try {
          return !Array.isArray(JSON.parse(String(m.error.message)));
        } catch {
          return true;
        }
      },
    );
  } catch {
    return false;
  }
}

function isOAuthError(o: Outcome): boolean {
  try {
    return typeof (JSON.parse(o.excerpt) as { error?: unknown }).error === "string";
  } catch {
    return false;
  }
}

/** What no request may get: 5xx, a throw, a hang, or an error the client cannot read. */
function check(o: Outcome): string | undefined {
  if (o.status >= 500) return `${o.status} answer`;
  if (o.route === "/api/mcp" && jsonRpcCrash(o)) return "JSON-RPC internal error (-32603)";
  // Below 400 all is well; Next's router's own answers and HEAD (no body) have no shape to check.
  if (o.status < 400 || o.byRouter || o.req.method === "HEAD") return undefined;
  if (
    o.req.path.startsWith("/local-foundry/connections/callback") &&
    /^text\/html/.test(o.contentType)
  ) {
    return undefined; // where the browser lands after consent: a page
  }
  if (o.route.startsWith("/local-foundry")) {
    return isFoundryError(o) ? undefined : "error is not Foundry's { error: { message, type } }";
  }
  if (o.route === "/api/mcp") {
    return isProblem(o) || isJsonRpcError(o)
      ? undefined
      : "error is neither problem+json nor JSON-RPC";
  }
  if (o.route === "/local-idp/token" || o.route === "/local-idp/revoke") {
    return isProblem(o) || isOAuthError(o) ? undefined : "error is neither problem+json nor OAuth";
  }
  if (o.route.startsWith("/local-idp/authorize") && o.contentType.startsWith("text/html")) {
    return undefined; // the browser-facing sign-in error page
  }
  return isProblem(o) ? undefined : "error is not problem+json";
}

function report(section: string, outcomes: Outcome[]) {
  const failures = describeFailures(outcomes, SEED);
  const tally = (key: (o: Outcome) => string | number) =>
    JSON.stringify(
      Object.fromEntries(
        outcomes.reduce((m, o) => m.set(key(o), (m.get(key(o)) ?? 0) + 1), new Map()),
      ),
    );
  console.info(
    `[fuzz] ${section}: ${outcomes.length} requests, statuses ${tally((o) => o.status)}, ` +
      `${failures.length} distinct failures; not sendable by any client: ` +
      tally((o) => (o.route === "(unsendable)" ? o.excerpt.slice(0, 60) : "sent")),
  );
  if (process.env.FUZZ_VERBOSE)
    console.info(
      tally((o) => `${o.status} ${o.excerpt.slice(0, 90).replace(/"correlationId".*/, "")}`),
    );
  if (failures.length > 0) console.error(`[fuzz] ${section} failures:\n\n${failures.join("\n\n")}`);
  return failures;
}

describe("fuzz: no input crashes the server or wedges a conversation", () => {
  it("knows every route file (a route added later is fuzzed too)", () => {
    const patterns = routes.map((r) => r.pattern);
    for (const p of [
      "/api/conversations/:id/messages",
      "/api/mcp",
      "/local-foundry/*path",
      "/local-idp/token",
      "/local-idp/:tenant/discovery/v2.0/keys",
      "/.well-known/oauth-protected-resource/api/mcp",
    ]) {
      expect(patterns).toContain(p);
    }
    expect(routes.every((r) => r.methods.length > 0)).toBe(true);
  });

  it("every app route and method: no 5xx, errors are problem+json", async () => {
    const reqs = generate(apiRequest(world), count(2200), 1);
    const outcomes = await runAll(routes, app.url, reqs, check);
    expect(report("app routes", outcomes)).toEqual([]);
  }, 120_000);

  it("JSON-RPC garbage at /api/mcp: no 5xx, errors are JSON-RPC or problem+json", async () => {
    const reqs = generate(mcpRequest(world), count(800), 2);
    const outcomes = await runAll(routes, app.url, reqs, check);
    expect(report("/api/mcp", outcomes)).toEqual([]);
  }, 120_000);

  it("the local agent service: no 5xx, errors in Foundry's shape", async () => {
    const reqs = generate(foundryRequest(world), count(700), 3);
    const outcomes = await runAll(routes, app.url, reqs, check);
    expect(report("/local-foundry", outcomes)).toEqual([]);
  }, 120_000);

  it("afterwards the server is ready and every witness conversation still answers", async () => {
    await Promise.race([drainRuns(), new Promise((r) => setTimeout(r, 20_000))]);
    const ready = await fetch(`${app.url}/api/ready`);
    expect(ready.status).toBe(200);
    // The fuzzer may have revoked its users' consent to the tools connection: give it again.
    await grantConsentDirectly("alice");
    await grantConsentDirectly("bob");
    const results = [];
    for (const [user, id] of witnesses) {
      const r = await converse(user, id, "What is 2+2?");
      results.push({ user, id, status: r.status, ended: r.ended, detail: r.detail });
      const convo = await call("GET", `/api/conversations/${id}`, tokens[user]!);
      expect(convo.status).toBe(200);
    }
    expect(results).toEqual(
      witnesses.map(([user, id]) => ({
        user,
        id,
        status: 202,
        ended: "run.completed",
        detail: "",
      })),
    );
  }, 120_000);
});
