import { count, eq } from "drizzle-orm";
import type OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { getDb } from "@/lib/db/client";
import { sandboxOutbox } from "@/lib/db/schema";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { recordConnection } from "@/mcp-server/connections/store";
import type { ConnectableProvider } from "@/mcp-server/providers/types";
import type { DemoUserName } from "./harness";

export const assistant = { agent_reference: { type: "agent_reference", name: "assistant" } };

/** Env for tool tests: the approval ledger at /api/mcp is off, so the service is tested alone. */
export function toolTestEnv(): void {
  process.env.MCP_APPROVAL_LEDGER = "false";
  process.env.CONNECT_TOKEN_SECRET = "tests-connect-token-secret-0123456789abcdef";
}

export const oidOf = (user: DemoUserName) => findDemoUser(user)!.oid;

/** Connects a demo user's sandbox provider account, as the connect flow would. */
export async function connectProvider(user: DemoUserName, provider: ConnectableProvider) {
  await recordConnection(oidOf(user), provider, `${user}@contoso.example`);
}

export async function outboxCount(user: DemoUserName): Promise<number> {
  const db = await getDb();
  const [row] = await db
    .select({ n: count() })
    .from(sandboxOutbox)
    .where(eq(sandboxOutbox.userId, oidOf(user)));
  return row?.n ?? 0;
}

export async function streamEvents(
  openai: OpenAI,
  body: Record<string, unknown>,
): Promise<ResponseStreamEvent[]> {
  const stream = await openai.responses.create({ ...body, stream: true } as never, {
    body: assistant,
  });
  const events: ResponseStreamEvent[] = [];
  for await (const e of stream as unknown as AsyncIterable<ResponseStreamEvent>) events.push(e);
  return events;
}

/** Event types, with the item type appended to output_item events ("…added:mcp_call"). */
export function shape(events: ResponseStreamEvent[]): string[] {
  return events
    .filter((e) => e.type !== "response.output_text.delta")
    .map((e) =>
      "item" in e &&
      (e.type === "response.output_item.added" || e.type === "response.output_item.done")
        ? `${e.type}:${e.item.type}`
        : e.type,
    );
}

export const LISTING = [
  "response.output_item.added:mcp_list_tools",
  "response.mcp_list_tools.in_progress",
  "response.mcp_list_tools.completed",
  "response.output_item.done:mcp_list_tools",
];

export const MESSAGE = [
  "response.output_item.added:message",
  "response.content_part.added",
  "response.output_text.done",
  "response.content_part.done",
  "response.output_item.done:message",
];

export const CALL = [
  "response.output_item.added:mcp_call",
  "response.mcp_call.in_progress",
  "response.mcp_call_arguments.delta",
  "response.mcp_call_arguments.done",
];

type Done = Extract<ResponseStreamEvent, { type: "response.output_item.done" }>;
type Added = Extract<ResponseStreamEvent, { type: "response.output_item.added" }>;

export function doneItem(events: ResponseStreamEvent[], type: string): Record<string, unknown> {
  const e = events.find(
    (x): x is Done => x.type === "response.output_item.done" && x.item.type === type,
  );
  if (!e) throw new Error(`no output_item.done for ${type}`);
  return e.item as unknown as Record<string, unknown>;
}

export function addedItem(events: ResponseStreamEvent[], type: string): Record<string, unknown> {
  const e = events.find(
    (x): x is Added => x.type === "response.output_item.added" && x.item.type === type,
  );
  if (!e) throw new Error(`no output_item.added for ${type}`);
  return e.item as unknown as Record<string, unknown>;
}

export function finalText(events: ResponseStreamEvent[]): string {
  const done = events.filter((e) => e.type === "response.output_text.done");
  return done.map((e) => (e as { text: string }).text).join("\n");
}
