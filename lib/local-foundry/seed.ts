import { getConfig } from "@/lib/config";
import { getDb, type Db } from "@/lib/db/client";
import { catalogTools } from "@/mcp-server/catalog";
import { foundryMcpTool } from "@/mcp-server/foundry-tool";
import { KEY_CONNECTION, OAUTH_CONNECTION } from "./connections/definitions";
import { seedConnections } from "./connections/seed";
import { effectiveRisk } from "@/mcp-server/policy";
import {
  createAgentIfAbsent,
  getLatestAgentVersion,
  insertVersionIfAbsent,
  type NewAgentVersion,
} from "./store/agents";

/** A second agent, so that the agent picker has a choice out of the box. */
export const EXAMPLE_AGENT_NAME = "concise-assistant";

/** The example agent only reads: web search and the dealer API's read operations, never asking. */
const readOnlyTools = () =>
  catalogTools().filter(
    (t) =>
      (t.name === "tavily_search" || t.name.startsWith("openapi_dealer_")) &&
      effectiveRisk(t) === "read",
  );

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
            "You are a helpful assistant. Answer clearly, use Markdown where it helps, and say when you are unsure. " +
            "You can use the tools of the MCP server: send SMS and WhatsApp messages, search the web, " +
            "manage Planner tasks, send and read e-mail, and the dealer's vehicles, enquiries, bookings and payments. " +
            "Calls that change something wait for the user's approval; quote what a tool returned, and explain errors plainly.",
          // Generated from the MCP server's policy, exactly as a Foundry agent is provisioned; the
          // calls are made as the user, through the OAuth identity-passthrough connection.
          tools: [foundryMcpTool({ projectConnectionId: OAUTH_CONNECTION })],
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
          instructions:
            "You are a concise assistant. Answer in at most two sentences. " +
            "You may search the web and look up the dealer's vehicles, enquiries and bookings.",
          // The app key of the `mcp-key` connection (Tools.Read): the server sees the app.
          tools: [
            {
              ...foundryMcpTool({ tools: readOnlyTools(), projectConnectionId: KEY_CONNECTION }),
              require_approval: "never",
            },
          ],
        },
        metadata: { seeded: "true" },
      },
    },
  ];
}

/**
 * Creates the default agent (and the example agent) unless they exist, and adds a new version
 * when the latest one was seeded (metadata seeded=true) but differs from what the seed creates
 * now (e.g. databases from before agents had tools). An agent whose latest version someone else
 * made is left alone. Idempotent, and safe when several processes start at once: each version is
 * inserted with ON CONFLICT DO NOTHING on (name, version).
 */
export async function seedLocalAgents(db?: Db): Promise<void> {
  const target = db ?? (await getDb());
  // The project connections first: the agents reference them.
  await seedConnections(target);
  for (const a of seedAgents()) {
    if (await createAgentIfAbsent(target, a.name, a.version)) continue;
    const latest = await getLatestAgentVersion(target, a.name);
    if (!latest || latest.metadata?.seeded !== "true") continue;
    const same =
      canonical(latest.definition) === canonical(a.version.definition) &&
      (latest.description ?? null) === (a.version.description ?? null);
    if (!same) await insertVersionIfAbsent(target, a.name, latest.version + 1, a.version);
  }
}

/** JSON with sorted keys: jsonb does not keep key order, so compare content, not text. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}
