import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { builtinTools, getTool, loadCatalog } from "@/mcp-server/catalog";
import { setToolSources, toolSourceStatus } from "@/mcp-server/catalog/sources";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import { executeTool } from "@/mcp-server/execute";
import { DEALER_API_DOCUMENT } from "@/mcp-server/openapi/paths";
import { openApiBackendSources } from "@/mcp-server/openapi/source";
import { BREAKER_THRESHOLD, resetBreakers } from "@/mcp-server/resilience";
import { serve, type TestServer } from "../../../helpers/serve";
import { serveTls, type TlsFake } from "../../../helpers/tls";
import { principal } from "../../tools/helpers";
import { backend, CRM_DOCUMENT, CRM_OPERATIONS, fetchTrusting, loadTools } from "./helpers";

/**
 * Configured OpenAPI backends as tool sources, against real local servers: where the document
 * comes from (an https URL, a file), what fails a source (and only that source), and the
 * per-backend timeout, retries and circuit breaker.
 */

const contact = { id: "c1", name: "Ann Lee", email: "ann@example.com" };
const alice = principal("alice");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "openapi-backends-"));

/** What the plain-HTTP fake API saw, and how it answers (per test). */
const requests: { method: string; path: string; headers: Headers }[] = [];
let answer: (req: Request) => Response | Promise<Response> = () => Response.json(contact);
let fake: TestServer;
let tls: TlsFake;
const tlsRequests: string[] = [];

beforeAll(async () => {
  fake = await serve(async (req) => {
    const url = new URL(req.url);
    requests.push({ method: req.method, path: url.pathname + url.search, headers: req.headers });
    return answer(req);
  });
  const document = fs.readFileSync(CRM_DOCUMENT);
  tls = await serveTls((req, res) => {
    tlsRequests.push(`${req.method} ${req.url} ${req.headers.authorization ?? "-"}`);
    if (req.url === "/specs/crm.yaml") {
      res.writeHead(200, { "content-type": "application/yaml" });
      return res.end(document);
    }
    if (req.url === "/crm/v2/contacts/c1") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(contact));
    }
    res.writeHead(404).end();
  });
});
afterAll(async () => {
  await fake.close();
  await tls.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  requests.length = 0;
  tlsRequests.length = 0;
  answer = () => Response.json(contact);
  resetBreakers();
});
afterEach(() => setToolSources([]));

const run = (t: ToolDefinition, input: unknown) =>
  executeTool(t, input, { principal: alice, correlationId: "c".repeat(32), timeoutMs: 30_000 });
const codeOf = (e: Awaited<ReturnType<typeof run>>) =>
  e.result.isError
    ? (JSON.parse((e.result.content[0] as { text: string }).text) as { code: string })
    : undefined;

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

describe("where an OpenAPI backend's document comes from", () => {
  it("an_https_url_document_becomes_tools_calling_the_server_it_names_relative_to_itself", async () => {
    const tools = await loadTools([backend({ document: `${tls.url}/specs/crm.yaml` })], {
      fetch: fetchTrusting(tls.ca),
    });
    expect([...tools.keys()].sort()).toEqual([...CRM_OPERATIONS].sort());
    const out = await tools.get("openapi_crm_get_contact")!.run({ contactId: "c1" } as never, {
      principal: alice,
      correlationId: "c".repeat(32),
      signal: new AbortController().signal,
    });
    expect(out).toEqual(contact);
    // `servers: [{ url: /crm/v2 }]` resolved against the document's URL.
    expect(tlsRequests).toEqual(["GET /specs/crm.yaml -", "GET /crm/v2/contacts/c1 -"]);
  });

  it("an_https_document_whose_certificate_is_not_trusted_fails_its_source", async () => {
    const [source] = openApiBackendSources([backend({ document: `${tls.url}/specs/crm.yaml` })]);
    await expect(source!.load(AbortSignal.timeout(5_000))).rejects.toThrow(
      /specs\/crm\.yaml: the document URL could not be reached \([A-Z_]+\)/,
    );
  });

  it("a_file_document_calls_the_configured_base_url", async () => {
    const tools = await loadTools([backend({ baseUrl: `${fake.url}/crm/v2` })]);
    const result = await run(tools.get("openapi_crm_get_contact")!, { contactId: "c 1" });
    expect(result.result.structuredContent).toEqual(contact);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /crm/v2/contacts/c%201"]);
  });

  it("operations_limits_the_tools_to_the_listed_operation_ids", async () => {
    const tools = await loadTools([
      backend({ baseUrl: fake.url, operations: ["getContact", "deleteContact"] }),
    ]);
    expect([...tools.keys()]).toEqual(["openapi_crm_get_contact", "openapi_crm_delete_contact"]);
  });

  it("a_broken_or_unreachable_document_fails_only_its_own_source_with_a_clear_reason", async () => {
    const closed = await serve(() => new Response());
    const closedUrl = closed.url;
    await closed.close();
    const invalid = file(
      "invalid.yaml",
      "openapi: 3.0.3\ninfo: { title: T, version: '1' }\npaths:\n  /x:\n    get: { operationId: getX }\n",
    );
    const unsupported = file(
      "unsupported.yaml",
      [
        "openapi: 3.0.3",
        "info: { title: T, version: '1' }",
        "paths:",
        "  /upload:",
        "    post:",
        "      operationId: upload",
        "      requestBody: { content: { multipart/form-data: { schema: { type: object } } } }",
        "      responses: { '200': { description: ok } }",
      ].join("\n"),
    );
    setToolSources(
      openApiBackendSources(
        [
          backend({ id: "good", baseUrl: fake.url }),
          backend({ id: "invalid", document: invalid, baseUrl: fake.url }),
          backend({ id: "unsupported", document: unsupported, baseUrl: fake.url }),
          backend({ id: "missing", document: path.join(dir, "absent.yaml"), baseUrl: fake.url }),
          backend({ id: "down", document: `${closedUrl}/openapi.yaml` }),
          backend({ id: "notfound", document: `${tls.url}/specs/nope.yaml?sig=SECRET` }),
          backend({ id: "plain", document: "http://crm.fabrikam.test/openapi.yaml" }),
          backend({ id: "nobase" }),
          backend({ id: "unknownop", baseUrl: fake.url, operations: ["getContact", "sendFax"] }),
        ],
        { fetch: fetchTrusting(tls.ca) },
      ),
    );
    await loadCatalog();
    const status = Object.fromEntries(toolSourceStatus().map((s) => [s.id, s]));
    expect(status["openapi:good"]).toMatchObject({ state: "ready", tools: 8 });
    expect(getTool("openapi_good_get_contact")).toBeDefined();
    const reasons = Object.fromEntries(
      Object.entries(status)
        .filter(([, s]) => s.state === "failed")
        .map(([id, s]) => [id, s.error]),
    );
    expect(Object.keys(reasons).sort()).toEqual(
      [
        "openapi:invalid",
        "openapi:unsupported",
        "openapi:missing",
        "openapi:down",
        "openapi:notfound",
        "openapi:plain",
        "openapi:nobase",
        "openapi:unknownop",
      ].sort(),
    );
    expect(reasons["openapi:invalid"]).toMatch(/invalid\.yaml: .*responses/);
    expect(reasons["openapi:unsupported"]).toMatch(/POST \/upload: only application\/json/);
    expect(reasons["openapi:missing"]).toMatch(/absent\.yaml: .*ENOENT|absent\.yaml: .*open/i);
    expect(reasons["openapi:down"]).toMatch(/could not be reached \(ECONNREFUSED\)/);
    // The query of a document URL (a signed link) is not repeated.
    expect(reasons["openapi:notfound"]).toBe(
      `${tls.url}/specs/nope.yaml: the document URL answered HTTP 404`,
    );
    expect(reasons["openapi:plain"]).toMatch(/must be https/);
    expect(reasons["openapi:nobase"]).toMatch(/relative to a file; set baseUrl/);
    expect(reasons["openapi:unknownop"]).toMatch(/no operation sendFax/);
    for (const id of Object.keys(reasons)) expect(status[id]!.tools).toBe(0);
  });

  it("a_configured_dealer_backend_replaces_the_sandbox_dealer_tools", async () => {
    const sandbox = builtinTools.find((t) => t.name === "openapi_dealer_list_vehicles")!;
    setToolSources(
      openApiBackendSources([
        {
          id: "dealer",
          document: DEALER_API_DOCUMENT,
          baseUrl: `${fake.url}/v1`,
          auth: { type: "api_key", header: "X-API-Key", prefix: "", secret: "dealer-key" },
        },
      ]),
    );
    await loadCatalog();
    const real = getTool("openapi_dealer_list_vehicles")!;
    expect(real).not.toBe(sandbox);
    expect(real.provider).toBe("openapi:dealer");
    answer = () => Response.json({ items: [], total: 0 });
    const result = await run(real, { fuel: "electric" });
    expect(result.result.isError).toBeFalsy();
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v1/vehicles?fuel=electric",
    ]);
    expect(requests[0]!.headers.get("x-api-key")).toBe("dealer-key");
    expect(requests[0]!.headers.get("authorization")).toBeNull(); // no sandbox session

    setToolSources([]);
    await loadCatalog();
    expect(getTool("openapi_dealer_list_vehicles")).toBe(sandbox);
  });
});

describe("per-backend timeout, retries and circuit breaker", () => {
  it("a_slow_backend_times_out_at_its_own_timeout_not_the_server_wide_one", async () => {
    answer = () => new Promise((r) => setTimeout(() => r(Response.json(contact)), 3_000));
    const tools = await loadTools([backend({ baseUrl: fake.url, timeoutMs: 300, retries: 0 })]);
    const started = Date.now();
    const result = await run(tools.get("openapi_crm_get_contact")!, { contactId: "c1" });
    expect(codeOf(result)?.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("reads_are_retried_as_often_as_the_backend_allows_and_writes_never", async () => {
    answer = () => new Response("down", { status: 503 });
    const once = await loadTools([backend({ id: "once", baseUrl: fake.url, retries: 1 })]);
    expect(
      codeOf(await run(once.get("openapi_once_get_contact")!, { contactId: "c1" }))?.code,
    ).toBe("provider_error");
    expect(requests).toHaveLength(2);

    requests.length = 0;
    const never = await loadTools([backend({ id: "never", baseUrl: fake.url, retries: 0 })]);
    await run(never.get("openapi_never_get_contact")!, { contactId: "c1" });
    expect(requests).toHaveLength(1);

    requests.length = 0;
    await run(once.get("openapi_once_create_contact")!, {
      body: { name: "Ann", email: "ann@example.com" },
    });
    expect(requests).toHaveLength(1); // a POST is not safe to repeat
  });

  it("the_breaker_of_a_failing_backend_opens_without_pausing_another_backend", async () => {
    answer = (req) =>
      new URL(req.url).pathname.startsWith("/down/")
        ? new Response("down", { status: 503 })
        : Response.json(contact);
    const tools = await loadTools([
      backend({ id: "down", baseUrl: `${fake.url}/down`, retries: 0 }),
      backend({ id: "up", baseUrl: `${fake.url}/up`, retries: 0 }),
    ]);
    const down = tools.get("openapi_down_get_contact")!;
    const up = tools.get("openapi_up_get_contact")!;
    for (let i = 0; i < BREAKER_THRESHOLD; i++)
      expect(codeOf(await run(down, { contactId: "c1" }))?.code).toBe("provider_error");
    expect(requests).toHaveLength(BREAKER_THRESHOLD);

    const paused = await run(down, { contactId: "c1" });
    expect((paused.result.content[0] as { text: string }).text).toContain("paused");
    expect(paused.sentNothing).toBe(true);
    expect(requests).toHaveLength(BREAKER_THRESHOLD); // the open breaker sent nothing

    const ok = await run(up, { contactId: "c1" });
    expect(ok.result.structuredContent).toEqual(contact);
    expect(requests.at(-1)!.path).toBe("/up/contacts/c1");
  });
});
