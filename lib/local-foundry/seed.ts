import { getConfig } from "@/lib/config";
import { getDb, type Db } from "@/lib/db/client";
import { createAgentIfAbsent, type NewAgentVersion } from "./store/agents";

/** A second agent, so that the agent picker has a choice out of the box. */
export const EXAMPLE_AGENT_NAME = "concise-assistant";

export function seedAgents(): { name: string; version: NewAgentVersion }[] {
  const cfg = getConfig();
  return [
    {
      name: cfg.agents.defaultAgent,
      version: {
        description: "General assistant (local agent service)",
        definition: {
          kind: "prompt",
          model: cfg.localModel.name,
          instructions:
            "You are a helpful assistant. Answer clearly, use Markdown where it helps, and say when you are unsure.",
        },
        metadata: { seeded: "true" },
      },
    },
    {
      name: EXAMPLE_AGENT_NAME,
      version: {
        description: "Answers in one or two sentences (local agent service)",
        definition: {
          kind: "prompt",
          model: cfg.localModel.name,
          instructions: "You are a concise assistant. Answer in at most two sentences.",
        },
        metadata: { seeded: "true" },
      },
    },
  ];
}

/**
 * Creates the default agent (and the example agent) unless they exist. Idempotent, and safe when
 * several processes start at once: version 1 is inserted with ON CONFLICT DO NOTHING.
 */
export async function seedLocalAgents(db?: Db): Promise<void> {
  const target = db ?? (await getDb());
  for (const a of seedAgents()) await createAgentIfAbsent(target, a.name, a.version);
}
