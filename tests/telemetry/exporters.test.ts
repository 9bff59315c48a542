import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { AzureMonitorTraceExporter } from "@azure/monitor-opentelemetry-exporter";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { SimpleSpanProcessor, TracerProvider, type SpanExporter } from "@opentelemetry/sdk-trace";
import { http as mock, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildConfig } from "@/lib/config";
import { trace } from "@opentelemetry/api";
import { spanExportersFor, startTracing, tracer } from "@/lib/telemetry/tracing";

/** A loopback receiver that records what exporters POST (stands in for a collector). */
interface Received {
  path: string;
  contentType: string;
  body: string;
}
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  // The Azure Monitor exporter's own usage reporting would call Microsoft: not from a test.
  vi.stubEnv("APPLICATION_INSIGHTS_NO_STATSBEAT", "true");
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let raw = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
      received.push({
        path: req.url ?? "",
        contentType: String(req.headers["content-type"] ?? ""),
        body: raw.toString("utf8"),
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((resolve) => receiver?.close(resolve));
});

const exporters: SpanExporter[] = [];
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  received.length = 0;
});

async function exportersFor(env: Record<string, string>) {
  const list = await spanExportersFor(buildConfig(env).telemetry);
  exporters.push(...list);
  return list;
}

/** Sends one finished span through `exporter`, outside the app's global tracing. */
async function exportOneSpan(exporter: SpanExporter, name: string): Promise<string> {
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const span = provider.getTracer("test").startSpan(name);
  span.end();
  await provider.forceFlush();
  return span.spanContext().traceId;
}

const CONNECTION_STRING = (endpoint: string) =>
  `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=${endpoint}/`;

describe("trace exporter selection", () => {
  it("no exporter configured: tracing stays off (no-op spans, nothing registered)", async () => {
    expect(await exportersFor({})).toEqual([]);
    expect(await startTracing(buildConfig({}).telemetry)).toBe(false);
    const span = tracer().startSpan("nothing");
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it("OTEL_EXPORTER_OTLP_ENDPOINT selects the OTLP/HTTP exporter, which posts to <endpoint>/v1/traces", async () => {
    const [otlp, ...rest] = await exportersFor({ OTEL_EXPORTER_OTLP_ENDPOINT: `${receiverUrl}/` });
    expect(rest).toEqual([]);
    expect(otlp).toBeInstanceOf(OTLPTraceExporter);
    const traceId = await exportOneSpan(otlp!, "otlp-check");
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ path: "/v1/traces" });
    expect(received[0]!.body).toContain("otlp-check");
    expect(received[0]!.body).toContain(traceId);
  });

  it("APPLICATIONINSIGHTS_CONNECTION_STRING selects the Azure Monitor exporter, which sends to its ingestion endpoint", async () => {
    // The exporter only speaks https: its ingestion endpoint is intercepted instead of served.
    const ingestion = "https://ingestion.example.test";
    const tracked: string[] = [];
    const intercept = setupServer(
      mock.post(`${ingestion}/v2.1/track`, async ({ request }) => {
        const raw = Buffer.from(await request.arrayBuffer());
        const gzipped = request.headers.get("content-encoding") === "gzip";
        tracked.push((gzipped ? gunzipSync(raw) : raw).toString("utf8"));
        return HttpResponse.json({ itemsReceived: 1, itemsAccepted: 1, errors: [] });
      }),
    );
    intercept.listen({ onUnhandledRequest: "error" });
    try {
      const [azure, ...rest] = await exportersFor({
        APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING(ingestion),
      });
      expect(rest).toEqual([]);
      expect(azure).toBeInstanceOf(AzureMonitorTraceExporter);
      const traceId = await exportOneSpan(azure!, "azure-check");
      expect(tracked.join("\n")).toContain("azure-check");
      expect(tracked.join("\n")).toContain(traceId);
    } finally {
      intercept.close();
    }
  });

  it("both configured: both exporters", async () => {
    const list = await exportersFor({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
      APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING(receiverUrl),
    });
    expect(list.map((e) => e.constructor)).toEqual([OTLPTraceExporter, AzureMonitorTraceExporter]);
  });

  it("names the variable when a telemetry setting is invalid", () => {
    expect(() => buildConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(() => buildConfig({ METRICS_SCRAPE_TOKEN: "short" })).toThrow(/METRICS_SCRAPE_TOKEN/);
    expect(buildConfig({}).telemetry).toMatchObject({ serviceName: "foundry-agent-chat" });
  });
});
