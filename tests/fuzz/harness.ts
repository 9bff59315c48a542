import { dispatch, type AppRoute } from "./router";

/** One generated request, kept as plain data so a failure can be printed and replayed. */
export interface FuzzRequest {
  method: string;
  /** Path and query, already percent-encoded as a client would send them. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** What the generator meant to exercise (printed with a failure). */
  note?: string;
}

export interface Outcome {
  req: FuzzRequest;
  route: string;
  /** Next's router answered (unknown path, unexported method): no route code ran. */
  byRouter: boolean;
  status: number;
  contentType: string;
  /** The start of the answer's body (streams are cut after their first chunk). */
  excerpt: string;
  /** Why the answer is a defect, or undefined when it is fine. */
  defect?: string;
}

/** A body longer than this is printed as its start and its length. */
const EXCERPT_CHARS = 300;
/** A request that has not answered by then is reported as hung (the server must answer). */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Runs the requests against the route handlers in-process, `concurrency` at a time, and returns
 * every outcome. Streams (SSE) are read for their first chunk and then dropped, like a closed tab.
 */
export async function runAll(
  routes: AppRoute[],
  base: string,
  reqs: FuzzRequest[],
  check: (o: Outcome) => string | undefined,
  concurrency = 8,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < reqs.length) {
      const req = reqs[next++]!;
      const o = await runOne(routes, base, req);
      o.defect ??= check(o);
      outcomes.push(o);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

async function runOne(routes: AppRoute[], base: string, fr: FuzzRequest): Promise<Outcome> {
  const controller = new AbortController();
  let request: Request;
  try {
    request = new Request(new URL(fr.path, base), {
      method: fr.method,
      headers: fr.headers,
      body:
        typeof fr.body === "string" || fr.body === undefined ? fr.body : new Uint8Array(fr.body),
      signal: controller.signal,
    });
  } catch (err) {
    // A request no HTTP client can send (e.g. a header with a control character) never reaches us.
    return {
      req: fr,
      route: "(unsendable)",
      byRouter: true,
      status: 0,
      contentType: "",
      excerpt: String(err),
    };
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), REQUEST_TIMEOUT_MS);
  });
  try {
    const answered = await Promise.race([dispatch(routes, request), timeout]);
    if (answered === "timeout") {
      return { ...blank(fr), defect: `no answer within ${REQUEST_TIMEOUT_MS} ms` };
    }
    const { res, route, byRouter } = answered;
    const contentType = res.headers.get("content-type") ?? "";
    const excerpt = await Promise.race([readExcerpt(res), timeout]);
    return {
      req: fr,
      route,
      byRouter,
      status: res.status,
      contentType,
      excerpt: excerpt === "timeout" ? "(body did not arrive)" : excerpt,
    };
  } catch (err) {
    return {
      ...blank(fr),
      defect:
        `handler threw (Next answers 500): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`.slice(
          0,
          400,
        ),
    };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

const blank = (req: FuzzRequest) => ({
  req,
  route: "?",
  byRouter: false,
  status: 0,
  contentType: "",
  excerpt: "",
});

/** The first chunk of the body (enough to check its shape), then the stream is released. */
async function readExcerpt(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    const stream = (res.headers.get("content-type") ?? "").includes("text/event-stream");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (stream || text.length > 64 * 1024) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text;
}

/** What is odd about a request's input, so failures of different causes are told apart. */
export function inputKind(req: FuzzRequest): string {
  const body =
    req.body === undefined
      ? ""
      : typeof req.body === "string"
        ? req.body
        : new TextDecoder().decode(req.body);
  const kinds: string[] = [];
  if (/\\u0000|\u0000/.test(body) || /%00/i.test(req.path)) kinds.push("NUL");
  if (
    /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i.test(
      body,
    ) ||
    /%ED%[AB]/i.test(req.path)
  ) {
    kinds.push("lone surrogate");
  }
  if (/[[{]{500}|(\{"a":){500}/.test(body)) kinds.push("deep nesting");
  if (body.length > 64 * 1024) kinds.push("huge body");
  return kinds.join("+") || "ordinary input";
}

/** A defect's identity: the same route, status, complaint and kind of input count as one. */
export function failureKey(o: Outcome): string {
  const reason = (o.defect ?? "").replace(/\d+/g, "N").slice(0, 120);
  return `${o.req.method} ${o.req.note ?? o.route} → ${o.status} ${reason} ${problemTitle(o)} [${inputKind(o.req)}]`;
}

function problemTitle(o: Outcome): string {
  try {
    const body = JSON.parse(o.excerpt) as { title?: string; error?: { message?: string } };
    return (body.title ?? body.error?.message ?? "").slice(0, 80);
  } catch {
    return "";
  }
}

/** One reproduction per distinct failure: method, path, headers (tokens shortened), body excerpt. */
export function describeFailures(outcomes: Outcome[], seed: number): string[] {
  const seen = new Map<string, { o: Outcome; count: number }>();
  for (const o of outcomes) {
    if (!o.defect) continue;
    const key = failureKey(o);
    const entry = seen.get(key);
    if (entry) entry.count++;
    else seen.set(key, { o, count: 1 });
  }
  return [...seen.values()].map(({ o, count }) =>
    [
      `${o.defect} on ${inputKind(o.req)} — ${count}× (FUZZ_SEED=${seed})`,
      `  ${o.req.method} ${printable(o.req.path, 200)}${o.req.note ? `   [${o.req.note}]` : ""}`,
      `  route ${o.route}; answered ${o.status} ${o.contentType}`,
      `  headers ${printable(JSON.stringify(shortenTokens(o.req.headers)), 300)}`,
      `  body ${bodyExcerpt(o.req.body)}`,
      `  answer ${printable(o.excerpt, EXCERPT_CHARS)}`,
    ].join("\n"),
  );
}

function shortenTokens(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [
      k,
      v.length > 60 ? `${v.slice(0, 40)}…(${v.length})` : v,
    ]),
  );
}

function bodyExcerpt(body: FuzzRequest["body"]): string {
  if (body === undefined) return "(none)";
  const text = typeof body === "string" ? body : new TextDecoder().decode(body);
  return `${printable(text, EXCERPT_CHARS)} (${text.length} chars)`;
}

/** Control characters and lone surrogates made visible, long text cut. */
function printable(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(
    /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
