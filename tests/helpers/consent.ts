import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db/client";
import { CONNECTION_CLIENT_ID } from "@/lib/identity/local-idp/clients";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { findDemoUser } from "@/lib/identity/local-idp/users";
import { OAUTH_CONNECTION } from "@/lib/local-foundry/connections/definitions";
import { putGrant } from "@/lib/local-foundry/connections/store";
import { seedLocalAgents } from "@/lib/local-foundry/seed";

export type DemoUserName = "alice" | "bob" | "carol" | "dana";

const oidOf = (user: DemoUserName) => findDemoUser(user)!.oid;

/**
 * Stores a grant for `user` directly (no HTTP): a one-hour delegated API token issued to the
 * connection client, no refresh token (when it expires the grant is dropped and consent is asked
 * again). For suites that run the default agent through the app (tests/api, tests/agents) and are
 * not about consent; needs only the app's database and local identity.
 */
export async function grantConsentDirectly(user: DemoUserName): Promise<void> {
  const db = await getDb();
  await seedLocalAgents(db);
  await putGrant(db, {
    connectionName: OAUTH_CONNECTION,
    userId: oidOf(user),
    scopes: `${getConfig().identity.apiAppIdUri}/access_as_user offline_access`,
    tokens: {
      access_token: await mintLocalAccessToken({
        username: user,
        audience: "api",
        azp: CONNECTION_CLIENT_ID,
      }),
      refresh_token: null,
    },
    expiresIn: 3600,
  });
}
