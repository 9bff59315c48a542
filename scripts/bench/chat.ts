/**
 * Chat streaming overhead: time to first token and per-event cost seen by a client of
 * `GET /api/conversations/:id/events` (RunDriver → normalizer → event log → bus → SSE), against
 * reading the local agent service's stream directly through @azure/ai-projects. Both use the
 * scripted model with pacing off, so the numbers are our overhead, not the model's.
 *
 *   npm run -s bench -- chat
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import { forPrincipal } from "@/lib/agents/agent-service";
import { verifyAccessToken } from "@/lib/identity/verify";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { startTestApp } from "../../tests/helpers/app";
import { grantConsentDirectly } from "../../tests/helpers/consent";
import { fmt, median, percentile } from "./stats";

const PROMPT = "Please give me a long answer";

interface Sample {
  ttftMs: number;
  events: number;
  perEventMs: number;
}

export interface ChatBenchResult {
  iterations: number;
  direct: Summary;
  app: Summary;
}
interface Summary {
  ttftP50: number;
  ttftP95: number;
  perEventP50: number;
  perEventP95: number;
  eventsPerRun: number;
}

function summarize(samples: Sample[]): Summary {
  return {
    ttftP50: median(samples.map((s) => s.ttftMs)),
    ttftP95: percentile(
      samples.map((s) => s.ttftMs),
      95,
    ),
    perEventP50: median(samples.map((s) => s.perEventMs)),
    perEventP95: percentile(
      samples.map((s) => s.perEventMs),
      95,
    ),
    eventsPerRun: median(samples.map((s) => s.events)),
  };
}

async function directRun(token: string): Promise<Sample> {
  const principal = await verifyAccessToken(token, { audience: "api" });
  const service = forPrincipal(principal);
  const conversationId = await service.createConversation();
  const t0 = performance.now();
  const stream = await service.streamResponse({
    conversationId,
    agent: { name: "assistant" },
    input: PROMPT,
  });
  let first = 0;
  let events = 0;
  for await (const event of stream) {
    events++;
    if (!first && event.type === "response.output_text.delta") first = performance.now();
  }
  const end = performance.now();
  return { ttftMs: first - t0, events, perEventMs: (end - t0) / events };
}

async function appRun(baseUrl: string, token: string): Promise<Sample> {
  const auth = { authorization: `Bearer ${token}` };
  const created = await fetch(`${baseUrl}/api/conversations`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: "{}",
  });
  const { id } = (await created.json()) as { id: string };
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/api/conversations/${id}/events`, {
    headers: auth,
    signal: controller.signal,
  });
  const reader = res
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const t0 = performance.now();
  await fetch(`${baseUrl}/api/conversations/${id}/messages`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ text: PROMPT }),
  });
  let first = 0;
  let events = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    events++;
    if (!first && value.event === "text.delta") first = performance.now();
    if (
      value.event === "run.completed" ||
      value.event === "run.failed" ||
      value.event === "run.cancelled"
    )
      break;
  }
  const end = performance.now();
  controller.abort();
  return { ttftMs: first - t0, events, perEventMs: (end - t0) / events };
}

export async function benchChat(iterations = 30): Promise<ChatBenchResult> {
  const app = await startTestApp({
    LOCAL_MODEL_PACING_MS: "0",
    LOG_LEVEL: "silent",
    CHAT_MESSAGES_PER_MINUTE: "100000",
  });
  try {
    const token = await mintLocalAccessToken({ username: "alice" });
    await grantConsentDirectly("alice");
    // Warm up both paths (JIT, first DB pages, key loading).
    for (let i = 0; i < 3; i++) {
      await directRun(token);
      await appRun(app.url, token);
    }
    const direct: Sample[] = [];
    const viaApp: Sample[] = [];
    for (let i = 0; i < iterations; i++) {
      direct.push(await directRun(token));
      viaApp.push(await appRun(app.url, token));
    }
    return { iterations, direct: summarize(direct), app: summarize(viaApp) };
  } finally {
    await app.close();
  }
}

export function formatChat(r: ChatBenchResult): string {
  const row = (name: string, s: Summary) =>
    `| ${name} | ${fmt(s.ttftP50)} | ${fmt(s.ttftP95)} | ${fmt(s.perEventP50, 3)} | ${fmt(s.perEventP95, 3)} | ${s.eventsPerRun} |`;
  return [
    `Chat streaming, ${r.iterations} runs each of a ~100-chunk answer (scripted model, pacing off):`,
    "",
    "| path | TTFT p50 (ms) | TTFT p95 (ms) | per event p50 (ms) | per event p95 (ms) | events/run |",
    "|---|---|---|---|---|---|",
    row("local agent service stream, read directly (SDK)", r.direct),
    row("POST /messages → GET /api/conversations/:id/events (SSE)", r.app),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchChat(Number(process.argv[2] ?? 30)).then(
    (r) => console.log(formatChat(r)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
