import {
  context,
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { getConfig, type AppConfig } from "@/lib/config";

/**
 * OpenTelemetry tracing (docs/OBSERVABILITY.md). Off unless an exporter is configured: then the
 * API stays a no-op (no context manager, no propagator, non-recording spans), so the helpers below
 * cost next to nothing and the correlation id falls back to lib/http/correlation.ts.
 */

const SCOPE = "foundry-agent-chat";
const KEY = Symbol.for("foundry-agent-chat.tracing");
type Holder = { [KEY]?: TracerProvider };

export type TelemetryConfig = AppConfig["telemetry"];

/**
 * The span exporters the configuration asks for: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is
 * set, Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is; none means tracing stays off.
 * Building them sends nothing; each is loaded only when configured.
 */
export async function spanExportersFor(cfg: TelemetryConfig): Promise<SpanExporter[]> {
  const exporters: SpanExporter[] = [];
  if (cfg.otlpEndpoint) {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    exporters.push(new OTLPTraceExporter({ url: `${cfg.otlpEndpoint}/v1/traces` }));
  }
  if (cfg.appInsightsConnectionString) {
    const { AzureMonitorTraceExporter } = await import("@azure/monitor-opentelemetry-exporter");
    // Built against the 2.x SDK's types; the span shape it reads is the same in 3.x.
    const azure = new AzureMonitorTraceExporter({
      connectionString: cfg.appInsightsConnectionString,
    }) as unknown as SpanExporter;
    exporters.push(azure);
  }
  return exporters;
}

/** Registers the provider, the async context manager and the W3C propagator (once per process). */
function install(processors: SpanProcessor[], serviceName: string): TracerProvider {
  const g = globalThis as Holder;
  if (g[KEY]) return g[KEY];
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: processors,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  g[KEY] = provider;
  return provider;
}

/** At start-up: tracing on with the configured exporters, or left off. Returns whether it is on. */
export async function startTracing(cfg: TelemetryConfig = getConfig().telemetry): Promise<boolean> {
  if ((globalThis as Holder)[KEY]) return true;
  const exporters = await spanExportersFor(cfg);
  if (exporters.length === 0) return false;
  const provider = install(
    exporters.map((e) => new BatchSpanProcessor({ exporter: e })),
    cfg.serviceName,
  );
  // Buffered spans leave before the process does.
  process.once("beforeExit", () => void provider.shutdown().catch(() => undefined));
  return true;
}

/**
 * Tests: every finished span goes straight to `exporter` (e.g. an InMemorySpanExporter). Returns
 * a function that turns tracing off again.
 */
export function installSpanExporterForTests(exporter: SpanExporter): () => Promise<void> {
  const provider = install(
    [new SimpleSpanProcessor({ exporter })],
    getConfig().telemetry.serviceName,
  );
  return async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
    delete (globalThis as Holder)[KEY];
  };
}

export function tracer() {
  return trace.getTracer(SCOPE);
}

/**
 * Runs `fn` in a new active span, ended when `fn` settles; a thrown error marks it failed by its
 * type only (messages may carry personal data). `parent` defaults to the active context.
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes },
  fn: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return tracer().startActiveSpan(name, options, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      markFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

export function markFailed(span: Span, err?: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    ...(err instanceof Error ? { message: err.name } : {}),
  });
}

const headersGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * The parent of an incoming request's span: the active span when the framework already opened one
 * for this request (Next.js does when tracing is on), else the caller's `traceparent`.
 */
export function incomingContext(headers: Headers): Context {
  const active = context.active();
  const current = trace.getSpanContext(active);
  if (current && isSpanContextValid(current)) return active;
  return propagation.extract(active, headers, headersGetter);
}

/** The trace id of a span, when tracing is on (a no-op span has none). */
export function traceIdOf(span: Span): string | undefined {
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? sc.traceId : undefined;
}

/** `traceparent` (and `tracestate`) of the active span, for an outgoing request; none when off. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (trace.getActiveSpan()) propagation.inject(context.active(), carrier);
  return carrier;
}

/**
 * Serves a request inside a SERVER span whose parent is the caller's trace, with the method, path
 * and status. The span ends when `fn` answers, or with `untilBodyEnds` once the body has been
 * sent (where the streamed answer is the work itself). `fn` may rename it (`span.updateName`).
 */
export async function serveInSpan(
  req: Request,
  name: string,
  fn: (span: Span) => Promise<Response>,
  opts: { untilBodyEnds?: boolean } = {},
): Promise<Response> {
  const parent = incomingContext(req.headers);
  const span = tracer().startSpan(
    name,
    { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method } },
    parent,
  );
  if (span.isRecording()) span.setAttribute("url.path", new URL(req.url).pathname);
  let res: Response;
  try {
    res = await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    markFailed(span, err);
    span.end();
    throw err;
  }
  span.setAttribute("http.response.status_code", res.status);
  if (res.status >= 500) markFailed(span);
  if (opts.untilBodyEnds) return endWithBody(res, span);
  span.end();
  return res;
}

/** Ends `span` when `res`'s body is fully sent or abandoned (at once when there is no body). */
function endWithBody(res: Response, span: Span): Response {
  if (!res.body || !span.isRecording()) {
    span.end();
    return res;
  }
  let ended = false;
  const end = () => {
    if (!ended) span.end();
    ended = true;
  };
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        end();
        controller.error(err);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}
