import { describe, expect, it } from "vitest";
import { draft } from "@/lib/chat/events";
import { emptyPageView, reducePage, type PageView } from "@/lib/chat/client/view-state";
import type { TextBlock } from "@/lib/chat/reducer";
import { stamper } from "./helpers/events";

const started = (input: string) => draft("run.started", { agent: { name: "assistant" }, input });
const delta = (text: string) => draft("text.delta", { itemId: "msg_1", delta: text });

function fold(state: PageView, events: ReturnType<ReturnType<typeof stamper>>): PageView {
  return events.reduce((s, event) => reducePage(s, { type: "event", event }), state);
}

const textOf = (state: PageView, turn = 0) =>
  (state.view.turns[turn]!.blocks[0] as TextBlock | undefined)?.text;

describe("text_kept_arriving_after_stop (regression)", () => {
  it("shows the run as stopped at once and none of its later text or events", () => {
    const stamp = stamper();
    let state = fold(emptyPageView(), stamp("run_1", [started("Long, please"), delta("Part 1. ")]));
    state = reducePage(state, { type: "stop", runId: "run_1", at: "2026-03-17T10:00:01.000Z" });
    expect(state.view.turns[0]).toMatchObject({ status: "cancelled" });
    expect(state.view.turns[0]!.blocks[0]).toMatchObject({ done: true });

    const late = stamp("run_1", [
      delta("Part 2. "),
      draft("text.done", { itemId: "msg_1", text: "Part 1. Part 2. " }),
      draft("run.cancelled", { reason: "Stopped by the user." }),
    ]);
    state = fold(state, late);
    expect(textOf(state)).toBe("Part 1. ");
    expect(state.view.turns[0]).toMatchObject({ status: "cancelled" });
    expect(state.view.lastSeq).toBe(late.at(-1)!.seq);
  });

  it("shows the next run normally", () => {
    const stamp = stamper();
    let state = fold(emptyPageView(), stamp("run_1", [started("Long"), delta("a")]));
    state = reducePage(state, { type: "stop", runId: "run_1", at: "2026-03-17T10:00:01.000Z" });
    state = fold(state, stamp("run_1", [draft("run.cancelled", {})]));
    state = fold(
      state,
      stamp("run_2", [started("Next"), delta("Hello"), draft("run.completed", {})]),
    );
    expect(state.view.turns.map((t) => t.status)).toEqual(["cancelled", "completed"]);
    expect(textOf(state, 1)).toBe("Hello");
  });

  it("leaves a run that already ended as it was", () => {
    const stamp = stamper();
    const state = fold(
      emptyPageView(),
      stamp("run_1", [started("Hi"), delta("Hello"), draft("run.completed", {})]),
    );
    const after = reducePage(state, {
      type: "stop",
      runId: "run_1",
      at: "2026-03-17T10:00:05.000Z",
    });
    expect(after).toBe(state);
    expect(after.view.turns[0]).toMatchObject({ status: "completed" });
  });
});
