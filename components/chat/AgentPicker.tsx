"use client";

import type { AgentInfo } from "@/lib/chat/api-client";

/** Chooses the agent a new conversation talks to. */
export function AgentPicker(props: {
  agents: AgentInfo[] | undefined;
  value: string | undefined;
  onChange: (name: string) => void;
  error?: string;
}) {
  const { agents } = props;
  if (props.error) return <p className="text-sm text-destructive">{props.error}</p>;
  if (!agents) return <p className="text-sm text-muted-foreground">Loading agents…</p>;
  if (agents.length === 0)
    return <p className="text-sm text-muted-foreground">No agents are available.</p>;
  const selected = agents.find((a) => a.name === props.value) ?? agents[0]!;
  return (
    <div className="flex flex-col items-center gap-2">
      <label htmlFor="agent-picker" className="text-sm font-medium text-muted-foreground">
        Agent
      </label>
      <select
        id="agent-picker"
        value={selected.name}
        onChange={(e) => props.onChange(e.target.value)}
        className="rounded-lg border bg-card px-3 py-2 text-sm"
      >
        {agents.map((a) => (
          <option key={a.name} value={a.name}>
            {a.name}
            {a.version ? ` (v${a.version})` : ""}
          </option>
        ))}
      </select>
      {selected.description ? (
        <p className="max-w-md text-center text-sm text-muted-foreground">{selected.description}</p>
      ) : null}
    </div>
  );
}
