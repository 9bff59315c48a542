import type { AIProjectClient, AgentDefinitionUnion } from "@azure/ai-projects";
import { isRestError } from "@azure/core-rest-pipeline";
import type { DesiredVersion } from "./definition";
import type { ExistingVersion } from "./compare";

/** Marks versions this tool created (shown in the portal; not compared). */
export const PROVISIONED_METADATA = { provisioned_by: "foundry-agent-chat" } as const;

/** The agent's latest version (GET /agents/{name}), or undefined when there is no such agent. */
export async function latestVersion(
  client: AIProjectClient,
  name: string,
): Promise<ExistingVersion | undefined> {
  try {
    const agent = await client.agents.get(name);
    const latest = agent.versions?.latest;
    return latest
      ? { version: latest.version, description: latest.description, definition: latest.definition }
      : undefined;
  } catch (err) {
    if (isRestError(err) && err.statusCode === 404) return undefined;
    throw err;
  }
}

/** POST /agents/{name}/versions: Foundry creates the agent with its first version when it is new. */
export async function createVersion(
  client: AIProjectClient,
  desired: DesiredVersion,
): Promise<ExistingVersion> {
  const created = await client.agents.createVersion(
    desired.name,
    desired.definition as unknown as AgentDefinitionUnion,
    { description: desired.description, metadata: { ...PROVISIONED_METADATA } },
  );
  return {
    version: created.version,
    description: created.description,
    definition: created.definition,
  };
}

/**
 * `project_connection_id` for Foundry: the connection's resource id (GET /connections/{name}),
 * as the SDK's samples use it; a value that already is a resource id is used as given.
 */
export async function resolveConnectionId(
  client: AIProjectClient,
  connection: string,
): Promise<string> {
  if (connection.startsWith("/subscriptions/")) return connection;
  try {
    return (await client.connections.get(connection)).id;
  } catch (err) {
    if (isRestError(err) && err.statusCode === 404) {
      throw new Error(
        `The Foundry project has no connection named "${connection}". Create it first (docs/PROVISIONING.md).`,
        { cause: err },
      );
    }
    throw err;
  }
}
