import { z } from "zod";

/** What `GET /api/auth/config` tells the browser. Public by design: ids and URLs, no secrets. */
export const publicAuthConfigSchema = z.object({
  mode: z.enum(["local", "entra"]),
  /** The SPA's client id (Entra app registration, or the local IdP's fixed SPA id). */
  clientId: z.string().min(1),
  /** Entra: `https://login.microsoftonline.com/{tenant}`; local: `{appUrl}/local-idp`. */
  authority: z.url(),
  /** Everything the sign-in asks for (OpenID scopes and the API scope). */
  scopes: z.array(z.string().min(1)),
  /** The delegated API scope access tokens are requested for, e.g. `api://…/access_as_user`. */
  apiScope: z.string().min(1),
});

export type PublicAuthConfig = z.infer<typeof publicAuthConfigSchema>;

export const AUTH_CONFIG_PATH = "/api/auth/config";

export async function fetchAuthConfig(fetchImpl: typeof fetch = fetch): Promise<PublicAuthConfig> {
  const res = await fetchImpl(AUTH_CONFIG_PATH, {
    headers: { accept: "application/json" },
    cache: "no-store",
  });
  if (!res.ok) throw new Error(`Could not load the sign-in configuration (HTTP ${res.status}).`);
  return publicAuthConfigSchema.parse(await res.json());
}
