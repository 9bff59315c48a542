/**
 * Approval round trip: from the moment an approval decision is posted to the moment the
 * requester's open event stream receives (a) the `approval.decided` event and (b) the continued
 * run's first event (the agent service was asked again, with the decision, and answered).
 * Scripted model with pacing off, the embedded defaults, loopback only.
 *
 *   npm run -s bench -- approvals
 */
import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { recordConnection } from "@/mcp-server/connections/store";
import { startTestApp } from "../../tests/helpers/app";
import { grantConsentDirectly } from "../../tests/helpers/consent";
import { fmt, median, percentile } from "./stats";

interface Sample {
  decidedMs: number;
  continuedMs: number;
}

export interface ApprovalBenchResult {
  iterations: number;
  decidedP50: number;
  decidedP95: number;
  continuedP50: number;
  continuedP95: number;
}

async function oneRound(baseUrl: string, token: string, i: number): Promise<Sample> {
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, "content-type": "application/json" };
  const created = await fetch(`${baseUrl}/api/conversations`, {
    method: "POST",
    headers: json,
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
  const next = async (): Promise<EventSourceMessage> => {
    const { done, value } = await reader.read();
    if (done)
      throw new Error(`stream ended (HTTP ${res.status}): ${await res.text().catch(() => "")}`);
    return value;
  };
  await fetch(`${baseUrl}/api/conversations/${id}/messages`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ text: `Create a task called Bench task ${i}` }),
  });
  let approvalId: string | undefined;
  while (!approvalId) {
    const m = await next();
    if (m.event === "approval.requested")
      approvalId = (JSON.parse(m.data) as { data: { approvalId: string } }).data.approvalId;
    if (m.event?.startsWith("run.") && m.event !== "run.started")
      throw new Error(`run ended: ${m.data}`);
  }
  const t0 = performance.now();
  const decision = fetch(`${baseUrl}/api/approvals/${approvalId}/decision`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ approve: true }),
  });
  let decidedMs = 0;
  let continuedMs = 0;
  while (!continuedMs) {
    const m = await next();
    if (m.event === "approval.decided") decidedMs = performance.now() - t0;
    else if (decidedMs) continuedMs = performance.now() - t0;
  }
  await decision;
  for (;;) {
    const m = await next();
    if (m.event === "run.completed" || m.event === "run.failed" || m.event === "run.cancelled")
      break;
  }
  controller.abort();
  return { decidedMs, continuedMs };
}

export async function benchApprovals(iterations = 30): Promise<ApprovalBenchResult> {
  const app = await startTestApp({
    LOCAL_MODEL_PACING_MS: "0",
    LOG_LEVEL: "silent",
    CHAT_MESSAGES_PER_MINUTE: "100000",
    MCP_RATE_LIMIT_PER_MINUTE: "100000",
  });
  try {
    const alice = findDemoUser("alice")!;
    await recordConnection(alice.oid, "graph", alice.preferredUsername);
    await grantConsentDirectly("alice");
    const token = await mintLocalAccessToken({ username: "alice" });
    for (let i = 0; i < 3; i++) await oneRound(app.url, token, -i - 1);
    const samples: Sample[] = [];
    for (let i = 0; i < iterations; i++) samples.push(await oneRound(app.url, token, i));
    const decided = samples.map((s) => s.decidedMs);
    const continued = samples.map((s) => s.continuedMs);
    return {
      iterations,
      decidedP50: median(decided),
      decidedP95: percentile(decided, 95),
      continuedP50: median(continued),
      continuedP95: percentile(continued, 95),
    };
  } finally {
    await app.close();
  }
}

export function formatApprovals(r: ApprovalBenchResult): string {
  return [
    `Approval decision → requester's open stream, ${r.iterations} rounds (write tool, scripted model, pacing off):`,
    "",
    "| measured from POST /api/approvals/:id/decision to … | p50 (ms) | p95 (ms) |",
    "|---|---|---|",
    `| the \`approval.decided\` event | ${fmt(r.decidedP50)} | ${fmt(r.decidedP95)} |`,
    `| the continued run's first event | ${fmt(r.continuedP50)} | ${fmt(r.continuedP95)} |`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchApprovals(Number(process.argv[2] ?? 30)).then(
    (r) => console.log(formatApprovals(r)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
