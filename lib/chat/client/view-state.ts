/**
 * What the chat page shows: the conversation's events folded by the shared reducer, and the runs
 * the user stopped here. Stop takes effect on the screen at once; the server may still deliver a
 * little text of that run, and its end, afterwards — those are not shown (a reload shows the
 * server's record). Pure; no browser APIs.
 */
import { terminalEventTypes, type ChatEvent } from "../events";
import { emptyView, reduce, stopTurn, type ConversationView } from "../reducer";

export interface PageView {
  view: ConversationView;
  /** Runs the user stopped on this page. */
  stopped: ReadonlySet<string>;
}

export type PageAction =
  | { type: "reset" }
  | { type: "event"; event: ChatEvent }
  /** The user pressed Stop on `runId` at `at` (ISO time). */
  | { type: "stop"; runId: string; at: string };

export function emptyPageView(): PageView {
  return { view: emptyView(), stopped: new Set() };
}

export function reducePage(state: PageView, action: PageAction): PageView {
  switch (action.type) {
    case "reset":
      return emptyPageView();
    case "stop": {
      const view = stopTurn(state.view, action.runId, action.at);
      if (view === state.view) return state;
      return { view, stopped: new Set(state.stopped).add(action.runId) };
    }
    case "event": {
      const { event } = action;
      if (!state.stopped.has(event.runId)) return { ...state, view: reduce(state.view, event) };
      if (event.seq <= state.view.lastSeq) return state;
      return { ...state, view: { ...state.view, lastSeq: event.seq } };
    }
  }
}

/** Whether `event` ends its run on the server (completed, failed or cancelled). */
export function endsRun(event: ChatEvent): boolean {
  return terminalEventTypes.has(event.type);
}
