import type { TokenCredential } from "@azure/core-auth";
import {
  createPipelineFromOptions,
  type Pipeline,
  type PipelinePolicy,
} from "@azure/core-rest-pipeline";

/**
 * The Azure SDK's bearerTokenAuthenticationPolicy refuses plain-http URLs, and the local agent
 * service is served over http on this machine. AIProjectClient hands `options.pipeline` to
 * @azure-rest/core-client's getClient, which then uses it instead of its default pipeline; so
 * for the local endpoint (only) we build the default policies plus this small bearer policy.
 * The OpenAI client from getOpenAIClient() takes a token provider and works over http as is.
 */
export function loopbackBearerPolicy(
  credential: TokenCredential,
  scope: string,
  origin: string,
): PipelinePolicy {
  return {
    name: "localFoundryBearerPolicy",
    async sendRequest(request, next) {
      // The local token must never travel anywhere but to the local service (e.g. via a next link).
      if (new URL(request.url).origin !== origin) {
        throw new Error(
          `Refusing to send the local agent-service token to ${new URL(request.url).origin}.`,
        );
      }
      const token = await credential.getToken(scope, { abortSignal: request.abortSignal });
      if (!token) throw new Error("The credential returned no token for the local agent service.");
      request.headers.set("Authorization", `Bearer ${token.token}`);
      return next(request);
    },
  };
}

export function createLoopbackPipeline(
  credential: TokenCredential,
  scope: string,
  endpoint: string,
): Pipeline {
  const pipeline = createPipelineFromOptions({});
  pipeline.addPolicy(loopbackBearerPolicy(credential, scope, new URL(endpoint).origin));
  return pipeline;
}
