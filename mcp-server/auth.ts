import { AppError } from "@/lib/errors";
import { bearerToken } from "@/lib/identity/authenticate";
import { bearerChallenge, type ChallengeParams } from "@/lib/identity/challenge";
import type { Principal } from "@/lib/identity/principal";
import { verifyAccessToken } from "@/lib/identity/verify";
import { API_KEY_HEADER, principalForApiKey } from "./keys/store";
import { requiredScope, resourceMetadataUrl } from "./resource-metadata";

/**
 * Who is calling /api/mcp: an access key (`x-api-key`, key-based Foundry connections) or a bearer
 * token for our API (Entra or the local IdP; delegated `scp` or app `roles`). Failures carry the
 * MCP challenge that points clients at our Protected Resource Metadata. The caller's token is
 * only verified here; nothing passes it on.
 */
export async function authenticateMcp(req: Request): Promise<Principal> {
  const key = req.headers.get(API_KEY_HEADER);
  if (key !== null) {
    const principal = key.trim() ? await principalForApiKey(key.trim()) : undefined;
    if (!principal)
      throw unauthenticated("The access key is not valid.", {
        error: "invalid_token",
        description: "The access key is not valid.",
      });
    return principal;
  }
  const header = req.headers.get("authorization");
  const token = bearerToken(header);
  if (!token) {
    if (header && /^\s*bearer\b/i.test(header)) {
      throw unauthenticated("The access token is not valid.", {
        error: "invalid_token",
        description: "The Authorization header is malformed.",
      });
    }
    throw unauthenticated("Sign in to use these tools.", {});
  }
  try {
    return await verifyAccessToken(token, { audience: "api" });
  } catch (err) {
    throw withMcpChallenge(err);
  }
}

/** Re-issues identity's errors with the MCP challenge (resource_metadata and scope). */
function withMcpChallenge(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  if (err.code === "unauthenticated") {
    const detail =
      typeof err.extensions?.detail === "string"
        ? err.extensions.detail
        : "The access token is not valid.";
    return unauthenticated(err.message, { error: "invalid_token", description: detail }, err);
  }
  if (err.code === "insufficient_scope") {
    return new AppError("insufficient_scope", err.message, {
      extensions: err.extensions,
      cause: err,
      headers: {
        ...err.headers,
        "www-authenticate": mcpChallenge({ error: "insufficient_scope", description: err.message }),
      },
    });
  }
  return err;
}

function unauthenticated(
  message: string,
  params: Pick<ChallengeParams, "error" | "description">,
  cause?: unknown,
): AppError {
  return new AppError("unauthenticated", message, {
    extensions: params.description ? { detail: params.description } : undefined,
    cause,
    headers: { "www-authenticate": mcpChallenge(params) },
  });
}

/** RFC 6750 challenge + RFC 9728 `resource_metadata` + the scope to ask for. */
export function mcpChallenge(params: Pick<ChallengeParams, "error" | "description">): string {
  return bearerChallenge({
    ...params,
    scope: requiredScope(),
    extra: { resource_metadata: resourceMetadataUrl() },
  });
}
