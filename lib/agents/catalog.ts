import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import type { Principal } from "@/lib/identity/principal";
import { forPrincipal, type AgentSummary } from "./agent-service";

const TTL_MS = 30_000;
const KEY = Symbol.for("foundry-agent-chat.agent-catalog");
type Cache = { at: number; items: AgentSummary[] };

/**
 * The agents users may pick. Listing is the same for every user of a project, so one short-lived
 * copy per process spares the agent service a call per page load.
 */
export function getAgentCatalog(principal: Principal) {
  const g = globalThis as { [KEY]?: Cache };
  async function list(): Promise<AgentSummary[]> {
    const cached = g[KEY];
    if (cached && Date.now() - cached.at < TTL_MS) return cached.items;
    let items: AgentSummary[];
    try {
      items = await forPrincipal(principal).listAgents();
    } catch (cause) {
      throw new AppError(
        "upstream_error",
        "The agent service is not answering right now. Please try again.",
        { cause },
      );
    }
    items.sort((a, b) => a.name.localeCompare(b.name));
    g[KEY] = { at: Date.now(), items };
    return items;
  }
  return {
    list,
    /** The named agent (default: the configured one); 400 when the service has no such agent. */
    async resolve(name?: string): Promise<AgentSummary> {
      const wanted = name ?? getConfig().agents.defaultAgent;
      const found = (await list()).find((a) => a.name === wanted);
      if (!found) {
        throw new AppError("invalid_request", `There is no agent named “${wanted}”.`, {
          extensions: { errors: [{ path: "agent", message: "Unknown agent." }] },
        });
      }
      return found;
    },
  };
}
