import { AIProjectClient, type AIProjectClientOptionalParams } from "@azure/ai-projects";
import type { TokenCredential } from "@azure/core-auth";
import { FOUNDRY_SCOPE, type AppConfig } from "@/lib/config";
import { createLoopbackPipeline } from "./local-pipeline";

type AgentsConfig = AppConfig["agents"];

/**
 * Client options per mode. Foundry (https) gets the SDK's default pipeline untouched; the local
 * service over plain http gets the loopback pipeline (see local-pipeline.ts). Nothing else differs.
 */
export function projectClientOptions(
  agents: AgentsConfig,
  credential: TokenCredential,
): AIProjectClientOptionalParams {
  if (agents.mode === "local" && new URL(agents.endpoint).protocol === "http:") {
    // The http client refuses plain http unless told; only this local endpoint ever is.
    return {
      pipeline: createLoopbackPipeline(credential, FOUNDRY_SCOPE, agents.endpoint),
      allowInsecureConnection: true,
    };
  }
  return {};
}

export function createProjectClient(
  agents: AgentsConfig,
  credential: TokenCredential,
): AIProjectClient {
  return new AIProjectClient(agents.endpoint, credential, projectClientOptions(agents, credential));
}
