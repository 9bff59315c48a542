import type { ChatEvent, ChatEventDraft } from "@/lib/chat/events";

/** Stamps drafts the way the RunDriver does: seq, ids and a clock the test controls. */
export function stamper(
  options: { conversationId?: string; start?: number; stepMs?: number } = {},
) {
  let seq = 0;
  let now = options.start ?? Date.parse("2026-03-17T10:00:00.000Z");
  const step = options.stepMs ?? 100;
  return (runId: string, drafts: ChatEventDraft[]): ChatEvent[] =>
    drafts.map((d) => {
      seq += 1;
      now += step;
      return {
        ...d,
        seq,
        conversationId: options.conversationId ?? "conv_1",
        runId,
        at: new Date(now).toISOString(),
        correlationId: "corr_1",
      } as ChatEvent;
    });
}
