import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { drainRuns } from "@/lib/chat/run-driver";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { installSpanExporterForTests } from "@/lib/telemetry/tracing";
import { startTestApp, type TestApp } from "../helpers/app";
import { grantConsentDirectly } from "../helpers/consent";
import { isTerminal, readSse } from "../helpers/sse";

const exporter = new InMemorySpanExporter();
let uninstall: () => Promise<void>;
let app: TestApp;
let alice: string;

beforeAll(async () => {
  uninstall = installSpanExporterForTests(exporter);
  app = await startTestApp();
  await grantConsentDirectly("alice");
  alice = await mintLocalAccessToken({ username: "alice" });
});
afterAll(async () => {
  await app?.close();
  await uninstall?.();
});
beforeEach(() => exporter.reset());

/** Sends the first message of a new conversation and waits until its run is over. */
async function ask(text: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/api/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${alice}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ message: text }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const { events } = await readSse(`${app.url}/api/conversations/${id}/events`, alice, {
    until: isTerminal,
  });
  await drainRuns();
  return { res, events };
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

function one(spans: ReadableSpan[], predicate: (s: ReadableSpan) => boolean, what: string) {
  const found = spans.filter(predicate);
  expect(found, what).toHaveLength(1);
  return found[0]!;
}

describe("one message, one trace", () => {
  it("browser request → route → RunDriver → agent service → /api/mcp tools/call → provider share the trace id, which is the correlation id", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const { res, events } = await ask("Search the web for electric SUVs", {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    expect(events.at(-1)?.type).toBe("run.completed");
    expect(res.headers.get("x-correlation-id")).toBe(traceId);

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const route = one(spans, (s) => s.name === "POST /api/conversations", "the route span");
    expect(route.kind).toBe(SpanKind.SERVER);
    expect(parentOf(route)).toBe("00f067aa0ba902b7");
    expect(route.attributes["http.response.status_code"]).toBe(201);

    const run = one(spans, (s) => s.name === "chat.run", "the RunDriver span");
    expect(parentOf(run)).toBe(idOf(route));
    expect(run.attributes["fac.run.status"]).toBe("completed");

    const agentService = one(
      spans,
      (s) => s.name === "POST /local-foundry/openai/v1/responses",
      "the local agent service span",
    );
    expect(agentService.kind).toBe(SpanKind.SERVER);
    expect(parentOf(agentService)).toBe(idOf(run));

    const mcpClient = one(spans, (s) => s.name === "mcp tools/call", "the MCP client span");
    expect(mcpClient.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(mcpClient)).toBe(idOf(agentService));

    const toolCall = one(
      spans,
      (s) => s.name === "tools/call tavily_search",
      "the tools/call span",
    );
    expect(toolCall.attributes["fac.tool.outcome"]).toBe("ok");
    const mcpRoute = one(spans, (s) => idOf(s) === parentOf(toolCall), "the /api/mcp span");
    expect(mcpRoute.name).toBe("POST /api/mcp");
    expect(parentOf(mcpRoute)).toBe(idOf(mcpClient));

    const provider = one(spans, (s) => s.name === "provider tavily", "the provider call span");
    expect(provider.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(provider)).toBe(idOf(toolCall));

    // Spans carry ids and names, never the message, the tool's arguments or a token.
    const attributes = JSON.stringify(spans.map((s) => s.attributes));
    expect(attributes).not.toMatch(/electric SUVs/i);
    expect(attributes).not.toContain(alice);
  });

  it("a request without traceparent starts a trace whose id is its correlation id", async () => {
    const { res } = await ask("What is the capital of France?");
    const correlationId = res.headers.get("x-correlation-id");
    expect(correlationId).toMatch(/^[0-9a-f]{32}$/);
    const spans = exporter.getFinishedSpans();
    const route = one(spans, (s) => s.name === "POST /api/conversations", "the route span");
    expect(route.spanContext().traceId).toBe(correlationId);
    expect(parentOf(route)).toBeUndefined();
    const run = one(spans, (s) => s.name === "chat.run", "the RunDriver span");
    expect(run.spanContext().traceId).toBe(correlationId);
  });

  it("an invalid traceparent is ignored: a new trace, still equal to the correlation id", async () => {
    const res = await fetch(`${app.url}/api/health`, {
      headers: { traceparent: `00-${"0".repeat(32)}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(200);
    const correlationId = res.headers.get("x-correlation-id");
    expect(correlationId).toMatch(/^[0-9a-f]{32}$/);
    expect(correlationId).not.toBe("0".repeat(32));
    const route = one(
      exporter.getFinishedSpans(),
      (s) => s.name === "GET /api/health",
      "the route span",
    );
    expect(route.spanContext().traceId).toBe(correlationId);
  });
});
