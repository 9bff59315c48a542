import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { AIProjectClient, type AIProjectClientOptionalParams } from "@azure/ai-projects";
import type { TokenCredential } from "@azure/core-auth";
import { isRestError } from "@azure/core-rest-pipeline";
import { DefaultAzureCredential } from "@azure/identity";
import { getConfig, type AppConfig } from "@/lib/config";
import { ROLES } from "@/lib/identity/principal";
import { DEMO_USERS, findDemoUser } from "@/lib/identity/local-idp/users";
import type { Policy } from "@/mcp-server/policy";
import { localCredential } from "../credentials";
import { projectClientOptions } from "../project-client";
import { diffVersion } from "./compare";
import { loadCatalog } from "@/mcp-server/catalog";
import { buildAgentVersion } from "./definition";
import { createVersion, latestVersion, resolveConnectionId } from "./project";
import { parseAgentSpec } from "./spec";

export const DEFAULT_AGENT_FILE = "deploy/agents/assistant.yaml";

export const USAGE = [
  "Usage:",
  "  npm run -s agents -- diff      [--file <agent.yaml>]... [--model <deployment>] [--connection <name>] [--as <admin>]",
  "  npm run -s agents -- provision [--file <agent.yaml>]... [--model <deployment>] [--connection <name>] [--as <admin>]",
  "",
  `Targets Azure AI Foundry when FOUNDRY_PROJECT_ENDPOINT is set (DefaultAzureCredential), else the`,
  `local agent service at <APP_URL>/local-foundry (as a local-IdP Admin). Default file: ${DEFAULT_AGENT_FILE}.`,
  "diff exits 0 when the latest version equals the generated one, 1 when it differs, 2 on error.",
  "provision creates a new version only when something changed; it exits 0, or 2 on error.",
].join("\n");

/** What the command writes to and what tests replace (a credential, TLS trust, another policy). */
export interface CommandDeps {
  out(text: string): void;
  err(text: string): void;
  credential?: TokenCredential;
  clientOptions?: AIProjectClientOptionalParams;
  policy?: Policy;
  cwd?: string;
}

/** `agents diff|provision`: returns the process exit code (0, 1 = diff found changes, 2 = error). */
export async function runAgentsCommand(argv: string[], deps: CommandDeps): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: "string", short: "f", multiple: true },
        model: { type: "string" },
        connection: { type: "string" },
        as: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    deps.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    deps.out(USAGE);
    return 0;
  }
  const [command, ...extra] = args.positionals;
  if ((command !== "diff" && command !== "provision") || extra.length > 0) {
    deps.err(USAGE);
    return 2;
  }
  try {
    const config = getConfig();
    // The definition lists every tool the policy offers, configured sources' tools included.
    await loadCatalog();
    const client = projectClient(config, args.values.as, deps);
    let changed = false;
    for (const file of args.values.file ?? [DEFAULT_AGENT_FILE]) {
      const spec = parseAgentSpec(
        readAgentFile(path.resolve(deps.cwd ?? process.cwd(), file)),
        file,
      );
      const connection = args.values.connection ?? spec.connection;
      const desired = buildAgentVersion(spec, {
        serverUrl: config.mcp.resourceUrl,
        serverLabel: config.mcp.serverLabel,
        model: args.values.model,
        policy: deps.policy,
        projectConnectionId:
          connection && config.agents.mode === "foundry"
            ? await resolveConnectionId(client, connection)
            : connection,
      });
      const current = await latestVersion(client, desired.name);
      const diff = diffVersion(current, desired);
      if (!diff.changed) {
        deps.out(`${desired.name}: up to date (version ${current!.version}).`);
        continue;
      }
      changed = true;
      deps.out(diff.text.trimEnd());
      if (command === "provision") {
        const created = await createVersion(client, desired);
        deps.out(`${desired.name}: created version ${created.version}.`);
      } else {
        deps.out(`${desired.name}: differs from the generated definition (run "provision").`);
      }
    }
    return command === "diff" && changed ? 1 : 0;
  } catch (err) {
    deps.err(describeError(err));
    return 2;
  }
}

function readAgentFile(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(
      `Cannot read the agent file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
}

function projectClient(config: AppConfig, as: string | undefined, deps: CommandDeps) {
  const credential = deps.credential ?? defaultCredential(config, as);
  return new AIProjectClient(config.agents.endpoint, credential, {
    ...projectClientOptions(config.agents, credential),
    ...deps.clientOptions,
  });
}

/** Foundry: DefaultAzureCredential. Local service: a local-IdP token of an Admin (creating agents needs the role). */
function defaultCredential(config: AppConfig, as: string | undefined): TokenCredential {
  if (config.agents.mode === "foundry") return new DefaultAzureCredential();
  if (config.identity.mode !== "local") {
    throw new Error(
      "The local agent service with Entra sign-in cannot be provisioned from the command line: " +
        "no local token can be minted. Set FOUNDRY_PROJECT_ENDPOINT, or use the local identity provider.",
    );
  }
  return localCredential(localAdmin(as).oid);
}

function localAdmin(as: string | undefined) {
  const user = as ? findDemoUser(as) : DEMO_USERS.find((u) => u.roles.includes(ROLES.admin));
  if (!user) throw new Error(`Unknown demo user "${as}".`);
  if (!user.roles.includes(ROLES.admin)) {
    throw new Error(
      `${user.username} does not have the ${ROLES.admin} role, which creating agents needs.`,
    );
  }
  return user;
}

function describeError(err: unknown): string {
  if (isRestError(err)) {
    return err.statusCode
      ? `The agent service refused the request (HTTP ${err.statusCode}): ${err.message}`
      : `Could not reach the agent service: ${err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}
