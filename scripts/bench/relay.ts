/**
 * Relay split (issue 11, target 1): the app's own share of a message's latency, in two parts,
 * timed inside one process with `performance.now()` through diagnostics channels:
 *
 * (a) `POST /api/conversations/:id/messages` received (node:http `http.server.request.start`) →
 *     the upstream Responses request actually sent (undici `undici:client:sendHeaders` of the
 *     RunDriver's `POST …/openai/responses`), on a conversation's first and second message;
 * (b) an upstream frame received by the RunDriver → the SSE client of
 *     `GET /api/conversations/:id/events` has the event it produced (the RunDriver's receive time
 *     comes from `fac:chat:events-appended`, published by the EventWriter per committed batch).
 *
 * Messages are sent one at a time, so each upstream request belongs to the message in flight.
 *
 *   npm run -s bench -- relay
 */
import diagnostics_channel from "node:diagnostics_channel";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import type { EventsAppendedMessage } from "@/lib/chat/relay-probe";
import { startTestApp } from "../../tests/helpers/app";
import { grantConsentDirectly } from "../../tests/helpers/consent";
import { fmt, median, percentile } from "./stats";

export const PROMPT = "Please give me a long answer";
const TARGET = { sendP50: 10, relayP50: 2, relayP95: 5 };

/** When each event's upstream frame was received, by `conversationId:seq` (from the probe). */
export class RelayClock {
  readonly receivedAt = new Map<string, number>();
  private readonly onAppended = (m: unknown) => {
    const { conversationId, seqs, receivedAt } = m as EventsAppendedMessage;
    for (let i = 0; i < seqs.length; i++) {
      if (receivedAt[i]) this.receivedAt.set(`${conversationId}:${seqs[i]}`, receivedAt[i]!);
    }
  };
  constructor() {
    diagnostics_channel.subscribe("fac:chat:events-appended", this.onAppended);
  }
  /** Relay latency of an event that arrived at `arrivedAt`, or undefined if not from upstream. */
  latency(conversationId: string, seq: number, arrivedAt: number): number | undefined {
    const key = `${conversationId}:${seq}`;
    const t = this.receivedAt.get(key);
    if (t === undefined) return undefined;
    this.receivedAt.delete(key);
    return arrivedAt - t;
  }
  close(): void {
    diagnostics_channel.unsubscribe("fac:chat:events-appended", this.onAppended);
  }
}

export interface SseEvent {
  seq: number;
  type: string;
  data: string;
  arrivedAt: number;
}

/** A client of the conversation's SSE stream that timestamps every event on arrival. */
export async function openEvents(baseUrl: string, token: string, conversationId: string) {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/api/conversations/${conversationId}/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  if (!res.ok) throw new Error(`events: ${res.status}`);
  const reader = res
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  return {
    /** Events up to and including the next run ending. */
    async untilRunEnds(onEvent: (e: SseEvent) => void): Promise<void> {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) throw new Error("event stream ended before the run did");
        const e = {
          seq: Number(value.id),
          type: value.event ?? "",
          data: value.data,
          arrivedAt: performance.now(),
        };
        onEvent(e);
        if (e.type.startsWith("run.") && e.type !== "run.started") return;
      }
    },
    close: () => controller.abort(),
  };
}

export async function createConversation(baseUrl: string, token: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
  });
  return ((await res.json()) as { id: string }).id;
}

export async function sendMessage(baseUrl: string, token: string, conversationId: string) {
  const res = await fetch(`${baseUrl}/api/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ text: PROMPT }),
  });
  if (res.status !== 202) throw new Error(`messages: ${res.status} ${await res.text()}`);
}

/** (a): the POST's arrival at the server and the upstream request's send, for one message at a time. */
class SendClock {
  private postAt = 0;
  private sentAt = 0;
  private readonly onRequest = (m: unknown) => {
    const { request } = m as { request: { method?: string; url?: string } };
    if (request.method === "POST" && /\/api\/conversations\/[^/]+\/messages$/.test(request.url!))
      this.postAt = performance.now();
  };
  private readonly onSend = (m: unknown) => {
    const { request } = m as { request: { method: string; path: string } };
    if (
      request.method === "POST" &&
      /\/openai\/(v1\/)?responses(\?|$)/.test(request.path) &&
      !this.sentAt
    )
      this.sentAt = performance.now();
  };
  constructor() {
    diagnostics_channel.subscribe("http.server.request.start", this.onRequest);
    diagnostics_channel.subscribe("undici:client:sendHeaders", this.onSend);
  }
  reset(): void {
    this.postAt = 0;
    this.sentAt = 0;
  }
  /** ms from the POST received to the upstream request sent (NaN if either was missed). */
  elapsed(): number {
    return this.postAt && this.sentAt ? this.sentAt - this.postAt : NaN;
  }
  close(): void {
    diagnostics_channel.unsubscribe("http.server.request.start", this.onRequest);
    diagnostics_channel.unsubscribe("undici:client:sendHeaders", this.onSend);
  }
}

export interface Quantiles {
  p50: number;
  p95: number;
  p99: number;
  n: number;
}
export function quantiles(values: number[]): Quantiles {
  const v = values.filter(Number.isFinite);
  return { p50: median(v), p95: percentile(v, 95), p99: percentile(v, 99), n: v.length };
}

export interface RelayBenchResult {
  conversations: number;
  pacingMs: number;
  database: string;
  sendFirst: Quantiles;
  sendSecond: Quantiles;
  relay: Quantiles;
}

export async function benchRelay(
  opts: { conversations?: number; pacingMs?: number; databaseUrl?: string } = {},
): Promise<RelayBenchResult> {
  const conversations = opts.conversations ?? 20;
  const pacingMs = opts.pacingMs ?? 10;
  const app = await startTestApp({
    LOCAL_MODEL_PACING_MS: String(pacingMs),
    LOG_LEVEL: "silent",
    CHAT_MESSAGES_PER_MINUTE: "100000",
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
  });
  const sends = new SendClock();
  const relay = new RelayClock();
  try {
    const token = await mintLocalAccessToken({ username: "alice" });
    await grantConsentDirectly("alice");
    const first: number[] = [];
    const second: number[] = [];
    const latencies: number[] = [];
    // Three warm-up conversations (JIT, first DB pages, key loading), then the measured ones.
    for (let i = 0; i < conversations + 3; i++) {
      const measured = i >= 3;
      const id = await createConversation(app.url, token);
      const events = await openEvents(app.url, token, id);
      try {
        for (const into of [first, second]) {
          sends.reset();
          await sendMessage(app.url, token, id);
          await events.untilRunEnds((e) => {
            const ms = relay.latency(id, e.seq, e.arrivedAt);
            if (measured && ms !== undefined) latencies.push(ms);
          });
          if (measured) into.push(sends.elapsed());
        }
      } finally {
        events.close();
      }
    }
    return {
      conversations,
      pacingMs,
      database: opts.databaseUrl ? "PostgreSQL" : "PGlite",
      sendFirst: quantiles(first),
      sendSecond: quantiles(second),
      relay: quantiles(latencies),
    };
  } finally {
    sends.close();
    relay.close();
    await app.close();
  }
}

const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

export function formatRelay(r: RelayBenchResult): string {
  const a = r.sendSecond.p50 <= TARGET.sendP50;
  const b = r.relay.p50 <= TARGET.relayP50 && r.relay.p95 <= TARGET.relayP95;
  const row = (name: string, q: Quantiles) =>
    `| ${name} | ${fmt(q.p50)} | ${fmt(q.p95)} | ${fmt(q.p99)} | ${q.n} |`;
  return [
    `\`npm run bench -- relay\` — ${r.database}, ${r.conversations} conversations × 2 messages, ~100-chunk answers, model pacing ${r.pacingMs} ms. ` +
      `Target (a) second message p50 ≤ ${TARGET.sendP50} ms: ${verdict(a)}; (b) p50 ≤ ${TARGET.relayP50} ms and p95 ≤ ${TARGET.relayP95} ms: ${verdict(b)}.`,
    "",
    "| relay segment | p50 (ms) | p95 (ms) | p99 (ms) | samples |",
    "|---|---|---|---|---|",
    row("(a) POST /messages received → upstream request sent, first message", r.sendFirst),
    row("(a) POST /messages received → upstream request sent, second message", r.sendSecond),
    row("(b) upstream frame received by the RunDriver → SSE client has the event", r.relay),
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchRelay({ conversations: Number(process.argv[2] ?? 20) }).then(
    (r) => {
      console.log(formatRelay(r));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
