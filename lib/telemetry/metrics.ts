import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The app's Prometheus metrics (docs/OBSERVABILITY.md), served at /api/metrics. Labels are
 * bounded by construction: route templates, statuses, tool names from the catalog, outcome and
 * state enums — never user ids, conversation ids or tool arguments.
 */
function create() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  return {
    registry,
    httpRequests: new Counter({
      name: "fac_http_requests_total",
      help: "HTTP requests answered by the app's API routes.",
      labelNames: ["method", "route", "status"] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: "fac_http_request_duration_seconds",
      help: "Time to answer an API request (until the response starts; a stream's lifetime is not counted).",
      labelNames: ["method", "route", "status"] as const,
      buckets: seconds,
      registers,
    }),
    runsStarted: new Counter({
      name: "fac_chat_runs_started_total",
      help: "Agent runs started (messages sent, and continuations after a decision or sign-in).",
      registers,
    }),
    runsEnded: new Counter({
      name: "fac_chat_runs_ended_total",
      help: "Agent runs that stopped being driven, by the status they reached.",
      labelNames: ["status"] as const,
      registers,
    }),
    runDuration: new Histogram({
      name: "fac_chat_run_duration_seconds",
      help: "Time this process drove a run, by the status it reached.",
      labelNames: ["status"] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    runsActive: new Gauge({
      name: "fac_chat_runs_active",
      help: "Runs this process is driving now.",
      registers,
    }),
    eventsRelayed: new Counter({
      name: "fac_chat_events_relayed_total",
      help: "Chat events the RunDriver wrote to conversation logs, by event type.",
      labelNames: ["type"] as const,
      registers,
    }),
    sseConnections: new Gauge({
      name: "fac_sse_connections",
      help: "Open server-sent event streams on this process, by stream.",
      labelNames: ["stream"] as const,
      registers,
    }),
    sseHubs: new Gauge({
      name: "fac_sse_fanout_hubs",
      help: "Fan-out hubs on this process: one per channel (conversation, approvals feed) with open streams.",
      labelNames: ["stream"] as const,
      registers,
    }),
    sseHeartbeatTimers: new Gauge({
      name: "fac_sse_heartbeat_timers",
      help: "Keep-alive timers of this process's event streams (one shared by all open streams, 0 when none).",
      registers,
    }),
    busSubscriptions: new Gauge({
      name: "fac_bus_subscriptions",
      help: "Handlers subscribed to this process's bus, by channel kind (conversation, approvals, run-control).",
      labelNames: ["channel"] as const,
      registers,
    }),
    toolCalls: new Counter({
      name: "fac_mcp_tool_calls_total",
      help: "MCP tools/call requests, by tool (catalog names; anything else is 'unknown') and outcome.",
      labelNames: ["tool", "outcome"] as const,
      registers,
    }),
    toolDuration: new Histogram({
      name: "fac_mcp_tool_call_duration_seconds",
      help: "Time to answer an MCP tools/call, by tool and outcome.",
      labelNames: ["tool", "outcome"] as const,
      buckets: seconds,
      registers,
    }),
    approvals: new Counter({
      name: "fac_approvals_total",
      help: "Approval requests entering a state (requested, approved, rejected, expired).",
      labelNames: ["state"] as const,
      registers,
    }),
    approvalDecision: new Histogram({
      name: "fac_approval_decision_seconds",
      help: "Time from an approval request to its decision, by decision.",
      labelNames: ["decision"] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14_400, 86_400],
      registers,
    }),
    rateLimited: new Counter({
      name: "fac_rate_limit_refusals_total",
      help: "Requests refused by a rate limit, by limit.",
      labelNames: ["limit"] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof create>;

const KEY = Symbol.for("foundry-agent-chat.metrics");
type Holder = { [KEY]?: Metrics };

/** The process-wide metrics (one set even when Next evaluates this module more than once). */
export function metrics(): Metrics {
  const g = globalThis as Holder;
  g[KEY] ??= create();
  return g[KEY];
}

/** Rate limits whose refusals are counted. */
export type LimitName = "chat_messages" | "mcp_calls" | "sse_streams";

export function countRateLimited(limit: LimitName): void {
  metrics().rateLimited.inc({ limit });
}

/**
 * A route's path with its dynamic segments named (`/api/conversations/:id/events`): the label
 * stays bounded however many conversations there are. Params come from the router, so only the
 * app's own route shapes appear.
 */
export function routeTemplate(
  pathname: string,
  params: Record<string, string | string[] | undefined>,
): string {
  const segments = pathname.split("/");
  for (const [name, value] of Object.entries(params)) {
    const parts = value === undefined ? [] : Array.isArray(value) ? value : [value];
    if (parts.length === 0) continue;
    const at = lastRun(segments, parts);
    if (at >= 0) segments.splice(at, parts.length, `:${name}`);
  }
  return segments.join("/") || "/";
}

/** Where `parts` (decoded values) last appear contiguously in `segments` (still encoded). */
function lastRun(segments: string[], parts: string[]): number {
  for (let i = segments.length - parts.length; i >= 0; i--) {
    if (parts.every((part, j) => decoded(segments[i + j]!) === part)) return i;
  }
  return -1;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** One answered API request: its count and time, under its route template. */
export function recordHttpRequest(args: {
  method: string;
  route: string;
  status: number;
  startedAt: number;
}): void {
  const labels = { method: args.method, route: args.route, status: String(args.status) };
  const m = metrics();
  m.httpRequests.inc(labels);
  m.httpDuration.observe(labels, (performance.now() - args.startedAt) / 1000);
}

/** Counts a run this process starts driving; the returned function records how it ended (once). */
export function countRun(): (status: string) => void {
  const m = metrics();
  m.runsStarted.inc();
  m.runsActive.inc();
  const startedAt = performance.now();
  let ended = false;
  return (status) => {
    if (ended) return;
    ended = true;
    m.runsActive.dec();
    m.runsEnded.inc({ status });
    m.runDuration.observe({ status }, (performance.now() - startedAt) / 1000);
  };
}

/** Chat events the RunDriver hands to the event log, by type (a closed set). */
export function countRelayed(events: readonly { type: string }[]): void {
  const counter = metrics().eventsRelayed;
  for (const e of events) counter.inc({ type: e.type });
}

/** One MCP tools/call answered: `tool` is a catalog name or "unknown", `outcome` a closed set. */
export function countToolCall(tool: string, outcome: string, startedAt: number): void {
  const m = metrics();
  m.toolCalls.inc({ tool, outcome });
  m.toolDuration.observe({ tool, outcome }, (performance.now() - startedAt) / 1000);
}

/** An approval request entered `state` (requested, approved, rejected, expired). */
export function countApproval(state: string): void {
  metrics().approvals.inc({ state });
}

/** A person decided a request `seconds` after it was made. */
export function observeApprovalDecision(decision: "approved" | "rejected", seconds: number): void {
  metrics().approvalDecision.observe({ decision }, seconds);
}
