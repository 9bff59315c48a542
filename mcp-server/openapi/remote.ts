import type { OpenApiBackendConfig } from "@/lib/tool-backends";
import { ToolError, type ToolContext } from "@/mcp-server/catalog/types";
import { outboundAuth } from "@/mcp-server/providers/outbound-auth";
import { ProviderAuthError } from "@/mcp-server/providers/types";
import { networkReason } from "./document";
import type { Transport } from "./executor";
import type { OpenApiBackend } from "./tools";

/**
 * A configured OpenAPI backend reached over the network: `fetch` to its base URL, with the
 * headers of its configured auth (docs/TOOLS.md, "OpenAPI backends") — never the caller's token
 * and never a sandbox session.
 */
export function remoteBackend(
  config: OpenApiBackendConfig,
  baseUrl: string,
  fetchFn: typeof fetch = fetch,
): OpenApiBackend {
  const provider = `openapi:${config.id}`;
  const resilience = {
    ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
    ...(config.retries !== undefined ? { retries: config.retries } : {}),
  };
  return {
    provider,
    baseUrl,
    transport: httpTransport(provider, fetchFn),
    authorize: authorizer(provider, config),
    ...(Object.keys(resilience).length ? { resilience } : {}),
  };
}

function httpTransport(provider: string, fetchFn: typeof fetch): Transport {
  return async (req) => {
    try {
      return await fetchFn(req);
    } catch (err) {
      // The tool's budget ran out: the resilience layer reports that as a timeout.
      if (req.signal.aborted) throw err;
      throw new ToolError(
        "provider_error",
        `The ${provider} API could not be reached (${networkReason(err)}).`,
        { retriable: true, provider },
      );
    }
  };
}

/**
 * Runs a call with the backend's auth headers. A 401 on a token we can renew (client
 * credentials, On-Behalf-Of) renews it and calls once more; a second 401 is `session_expired`.
 * A 401 on a static API key cannot get better by retrying: the key is wrong (provider_error,
 * not retriable). 403 means the credentials work but lack a permission: `forbidden`.
 */
function authorizer(provider: string, config: OpenApiBackendConfig): OpenApiBackend["authorize"] {
  const auth = outboundAuth(provider, config.auth);
  const renewable = config.auth.type === "client_credentials" || config.auth.type === "obo";
  return async <T>(
    ctx: ToolContext,
    attempt: (headers: Record<string, string>) => Promise<T>,
  ): Promise<T> => {
    try {
      return await attempt(await auth.headers(ctx.principal));
    } catch (err) {
      if (!(err instanceof ProviderAuthError)) throw err;
      if (err.status === 403 || !renewable) throw refused(provider, config, err.status, false);
    }
    try {
      return await attempt(await auth.headers(ctx.principal, { renew: true }));
    } catch (err) {
      if (err instanceof ProviderAuthError) throw refused(provider, config, err.status, true);
      throw err;
    }
  };
}

function refused(
  provider: string,
  config: OpenApiBackendConfig,
  // Our executor raises ProviderAuthError for 401 and 403 only (a 404 is `not_found`).
  status: ProviderAuthError["status"],
  renewed: boolean,
): ToolError {
  if (status === 403)
    return new ToolError(
      "forbidden",
      `The ${provider} API refused this call (HTTP 403): the credentials it was given lack a permission it needs.`,
      { retriable: false, provider },
    );
  if (renewed)
    return new ToolError(
      "session_expired",
      `The ${provider} API rejected a freshly issued token too (HTTP 401); try again shortly.`,
      { retriable: true, provider },
    );
  return new ToolError(
    "provider_error",
    config.auth.type === "none"
      ? `The ${provider} API wants credentials (HTTP 401), but none are configured for it.`
      : `The ${provider} API rejected its configured API key (HTTP 401).`,
    { retriable: false, provider },
  );
}
