"use client";

import type { AgentInfo } from "@/lib/chat/api-client";
import { AgentPicker } from "./AgentPicker";

const SUGGESTIONS = ["Show me a markdown demo", "Give me a long answer", "Hello! What can you do?"];

/** A new conversation: choose the agent, or start from a suggestion. */
export function EmptyState(props: {
  agents: AgentInfo[] | undefined;
  agentError?: string;
  agent: string | undefined;
  onAgentChange: (name: string) => void;
  onSuggestion: (text: string) => void;
}) {
  return (
    <div className="flex h-full flex-col items-center justify-center gap-6 px-4 py-10 text-center">
      <div>
        <h2 className="text-2xl font-semibold">How can I help?</h2>
        <p className="mt-1 text-sm text-muted-foreground">
          Answers stream in as the agent writes them.
        </p>
      </div>
      <AgentPicker
        agents={props.agents}
        value={props.agent}
        onChange={props.onAgentChange}
        error={props.agentError}
      />
      <ul className="flex flex-wrap justify-center gap-2" aria-label="Suggestions">
        {SUGGESTIONS.map((s) => (
          <li key={s}>
            <button
              type="button"
              onClick={() => props.onSuggestion(s)}
              className="rounded-full border px-3 py-1.5 text-sm hover:bg-muted"
            >
              {s}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
