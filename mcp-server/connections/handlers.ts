import { z } from "zod";
import { getConfig } from "@/lib/config";
import { AppError } from "@/lib/errors";
import { bearerChallenge } from "@/lib/identity/challenge";
import { parseWith, readJson } from "@/lib/http/body";
import { json, noContent } from "@/lib/http/route";
import { authenticate, bearerToken } from "@/lib/identity/authenticate";
import { appOrigins } from "@/lib/identity/local-idp/redirect";
import { connectableProviders, type ConnectableProvider } from "@/mcp-server/providers/types";
import { connectUrl, verifyConnectToken } from "./connect-token";
import { bindingCookie, externalConnect } from "./external";
import { connectableProviderInfo } from "./providers";
import { getConnection, listConnections, recordConnection, removeConnection } from "./store";
import { listToolConsents, revokeToolConsent } from "@/lib/connections/consents";

/**
 * HTTP side of provider connections (mounted by app/api/connections/**). Handlers throw AppError
 * and are wrapped by lib/http/route for problem+json.
 */

const providerParam = z.object({ provider: z.enum(connectableProviders) });
const connectBody = z.object({ token: z.string().min(1).max(4096).optional() });

export function parseProvider(params: unknown): ConnectableProvider {
  const parsed = providerParam.safeParse(params);
  if (!parsed.success) throw new AppError("not_found", "No such provider.");
  return parsed.data.provider;
}

/**
 * A browser may only POST here from the app's own pages: cross-site requests are refused by
 * Sec-Fetch-Site and Origin. Non-browser clients send neither and must then present a bearer
 * token or the signed connect token, neither of which a third-party page can obtain.
 */
export function assertSameOrigin(req: Request): void {
  const site = req.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none")
    throw new AppError("forbidden", "Cross-site requests are not allowed here.");
  const origin = req.headers.get("origin");
  if (origin && !appOrigins(getConfig().appUrl).includes(origin))
    throw new AppError("forbidden", "Cross-origin requests are not allowed here.");
}

function connectionJson(c: { provider: string; accountLabel: string; connectedAt: Date }) {
  return {
    provider: c.provider,
    connected: true,
    accountLabel: c.accountLabel,
    connectedAt: c.connectedAt.toISOString(),
  };
}

/**
 * POST /api/connections/:provider `{ token? }` — records the connection for exactly one user: the
 * one the signed connect token names (consent page in a popup, no bearer), or the bearer's user.
 * When both are present they must name the same user. For a provider connected at the provider
 * (Gmail in live mode) nothing is recorded yet: the answer is `{ connected: false,
 * authorizationUrl }`, where the page sends the user, with a cookie binding the authorization to
 * this browser; the provider's callback records the connection.
 */
export async function postConnection(req: Request, params: unknown): Promise<Response> {
  const provider = parseProvider(params);
  assertSameOrigin(req);
  const body = await readJson(req, connectBody);
  const hasBearer = bearerToken(req.headers.get("authorization")) !== undefined;

  let userId: string;
  let label: string;
  const claims = body.token ? await verifyConnectToken(body.token, provider) : undefined;
  if (body.token && !claims)
    throw new AppError(
      "unauthenticated",
      "This connect link has expired or is not valid. Start again from the chat.",
      // Every 401 names how to authenticate (RFC 7235): a bearer token also connects.
      { headers: { "www-authenticate": bearerChallenge({ error: "invalid_token" }) } },
    );
  if (hasBearer || !claims) {
    const principal = await authenticate(req);
    if (claims && claims.userId !== principal.userId)
      throw new AppError("forbidden", "This connect link belongs to another user.");
    userId = principal.userId;
    label = principal.username;
  } else {
    userId = claims.userId;
    label = claims.username || claims.userId;
  }
  const external = externalConnect(provider);
  if (external) {
    const { authorizationUrl, binding } = await external.begin({ userId, username: label });
    return json({ provider, connected: false, authorizationUrl }, 200, {
      "set-cookie": bindingCookie(provider, binding, external.bindingTtlMs),
    });
  }
  const connection = await recordConnection(userId, provider, label);
  return json(connectionJson(connection));
}

/**
 * DELETE /api/connections/:provider — the bearer's own connection only. A provider connected at
 * the provider also forgets the sealed tokens and revokes the grant there (best-effort).
 */
export async function deleteConnection(req: Request, params: unknown): Promise<Response> {
  const provider = parseProvider(params);
  const principal = await authenticate(req);
  const external = externalConnect(provider);
  if (external) await external.disconnect(principal.userId);
  else await removeConnection(principal.userId, provider);
  return noContent();
}

/** GET /api/connections — the bearer's providers (connected ones, connect links for the rest) and tool consents. */
export async function getConnections(req: Request, correlationId?: string): Promise<Response> {
  const principal = await authenticate(req);
  const [mine, consents] = await Promise.all([
    listConnections(principal.userId).then((list) => new Map(list.map((c) => [c.provider, c]))),
    listToolConsents(principal, correlationId),
  ]);
  const providers = await Promise.all(
    connectableProviders.map(async (provider) => {
      const c = mine.get(provider);
      const displayName = connectableProviderInfo[provider].displayName;
      if (c) return { ...connectionJson(c), displayName, scopes: c.scopes };
      return {
        provider,
        displayName,
        connected: false,
        connectUrl: await connectUrl({
          userId: principal.userId,
          provider,
          username: principal.username,
        }),
      };
    }),
  );
  return json({ providers, consents: consents.items, consentsSupported: consents.supported });
}

const consentParam = z.object({ name: z.string().min(1).max(200) });

/** DELETE /api/connections/consents/:name — revokes the bearer's own grant at the agent service. */
export async function deleteConsent(req: Request, params: unknown): Promise<Response> {
  const principal = await authenticate(req);
  // parseWith refuses text the agent service cannot store (400) before it is sent upstream.
  const { name } = parseWith(consentParam, params);
  if (!(await revokeToolConsent(principal, name)))
    throw new AppError("not_found", "No such consent.");
  return noContent();
}

/**
 * What the connect page can show before it has read its token (the provider and its grants, and
 * `authority` when Connect continues at the provider, e.g. "Google").
 */
export type ConnectPageInfo =
  | { ok: false }
  | {
      ok: true;
      provider: ConnectableProvider;
      displayName: string;
      grants: string[];
      authority?: string;
    };

export function connectPageInfo(provider: string): ConnectPageInfo {
  const parsed = providerParam.safeParse({ provider });
  if (!parsed.success) return { ok: false };
  const info = connectableProviderInfo[parsed.data.provider];
  const external = externalConnect(parsed.data.provider);
  return {
    ok: true,
    provider: parsed.data.provider,
    displayName: info.displayName,
    grants: [...info.grants],
    ...(external ? { authority: external.authority } : {}),
  };
}

/**
 * POST /api/connections/:provider/preview `{ token }` — what the connect page shows once it has
 * read the token from its fragment: whom the link connects and whether that account is already
 * connected. Changes nothing; 401 for an invalid or expired link. POST so the token never
 * appears in a URL.
 */
export async function previewConnection(req: Request, params: unknown): Promise<Response> {
  const provider = parseProvider(params);
  assertSameOrigin(req);
  const { token } = await readJson(req, z.object({ token: z.string().min(1).max(4096) }));
  const view = await consentView(provider, token);
  if (!view.ok)
    throw new AppError(
      "unauthenticated",
      "This connect link has expired or is not valid. Start again from the chat.",
      // Every 401 names how to authenticate (RFC 7235): a bearer token also connects.
      { headers: { "www-authenticate": bearerChallenge({ error: "invalid_token" }) } },
    );
  return json(view);
}

/** What the consent page needs to render, or why it cannot. */
export type ConsentView =
  | { ok: false; reason: "unknown_provider" | "invalid_link" }
  | {
      ok: true;
      provider: ConnectableProvider;
      displayName: string;
      grants: string[];
      username: string;
      connectedAs?: string;
    };

export async function consentView(
  provider: string,
  token: string | undefined,
): Promise<ConsentView> {
  const parsed = providerParam.safeParse({ provider });
  if (!parsed.success) return { ok: false, reason: "unknown_provider" };
  const p = parsed.data.provider;
  const claims = token ? await verifyConnectToken(token, p) : undefined;
  if (!claims) return { ok: false, reason: "invalid_link" };
  const existing = await getConnection(claims.userId, p);
  const info = connectableProviderInfo[p];
  return {
    ok: true,
    provider: p,
    displayName: info.displayName,
    grants: [...info.grants],
    username: claims.username || claims.userId,
    ...(existing ? { connectedAs: existing.accountLabel } : {}),
  };
}
