import { readEvents } from "./event-log";
import { reduceAll, type Turn } from "./reducer";

export interface Message {
  role: "user" | "assistant";
  runId: string;
  text: string;
  at: string;
  status?: Turn["status"];
  error?: Turn["error"];
}

/** A conversation's messages, rebuilt from its event log with the same reducer the browser uses. */
export async function conversationView(
  conversationId: string,
): Promise<{ lastSeq: number; messages: Message[] }> {
  const view = reduceAll(await readEvents(conversationId, 0, 100_000));
  const messages = view.turns.flatMap((turn): Message[] => {
    const answer = turn.blocks.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n\n");
    return [
      ...(turn.userText !== undefined
        ? [{ role: "user" as const, runId: turn.runId, text: turn.userText, at: turn.startedAt }]
        : []),
      {
        role: "assistant" as const,
        runId: turn.runId,
        text: answer,
        at: turn.endedAt ?? turn.startedAt,
        status: turn.status,
        ...(turn.error ? { error: turn.error } : {}),
      },
    ];
  });
  return { lastSeq: view.lastSeq, messages };
}
