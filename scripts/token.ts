/**
 * Prints a local-IdP access token for a demo user, for curl and MCP clients:
 *   npm run -s token -- alice [--audience api|foundry] [--ttl 3600]
 * Reads the same .env files as `next dev`, so the token's issuer and key match the running app.
 */
import { fail, loadAppEnv, parseCli } from "./lib/cli";

const USAGE =
  "Usage: npm run -s token -- <alice|bob|carol|dana> [--audience api|foundry] [--ttl seconds]";

async function main(): Promise<void> {
  const { values, positionals } = parseCli(
    {
      audience: { type: "string", default: "api" },
      ttl: { type: "string" },
    },
    USAGE,
  );
  const [username, ...extra] = positionals;
  if (!username || extra.length > 0) fail(USAGE, 2);
  if (values.audience !== "api" && values.audience !== "foundry")
    fail(`--audience must be api or foundry.\n${USAGE}`, 2);
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl <= 0))
    fail(`--ttl must be a positive whole number of seconds.\n${USAGE}`, 2);

  loadAppEnv();
  // Imported after the environment is loaded: configuration is read on first use.
  const { getConfig } = await import("@/lib/config");
  const { mintLocalAccessToken } = await import("@/lib/identity/local-idp/tokens");
  const { findDemoUser, DEMO_USERS } = await import("@/lib/identity/local-idp/users");

  if (getConfig().identity.mode !== "local") {
    fail(
      "This app is configured for Entra ID (ENTRA_TENANT_ID is set); local tokens would be refused. Sign in through Entra instead.",
    );
  }
  if (!findDemoUser(username))
    fail(
      `Unknown demo user "${username}". Choose one of: ${DEMO_USERS.map((u) => u.username).join(", ")}.`,
    );
  const token = await mintLocalAccessToken({
    username,
    audience: values.audience,
    ttlSeconds: ttl,
  });
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
