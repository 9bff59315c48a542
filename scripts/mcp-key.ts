/**
 * Access keys for key-based connections (Foundry "Key-based" MCP connections send them in the
 * `x-api-key` header):
 *   npm run -s mcp-key -- create <name> [--as app|<username>] [--role <app role>]...
 *   npm run -s mcp-key -- list
 *   npm run -s mcp-key -- revoke <name>
 * `create` prints the key once on stdout; only its sha256 is stored. An app key (default) is its
 * own app principal with the given roles (default Tools.Read); `--as <username>` makes a key that
 * acts as that user (a user who has signed in once, or a demo user of the local IdP).
 * The embedded database (PGlite) can be opened by one process only: while the app runs, Admins
 * manage keys in the app at /admin/keys (the same store functions, audited).
 */
import { fail, loadAppEnv, parseCli } from "./lib/cli";

const USAGE = [
  "Usage:",
  "  npm run -s mcp-key -- create <name> [--as app|<username>] [--role <app role>]...",
  "  npm run -s mcp-key -- list",
  "  npm run -s mcp-key -- revoke <name>",
].join("\n");

async function main(): Promise<void> {
  const { values, positionals } = parseCli(
    {
      as: { type: "string", default: "app" },
      role: { type: "string", multiple: true },
    },
    USAGE,
  );
  const [command, name, ...extra] = positionals;
  const shapeOk =
    command === "list" ? !name : (command === "create" || command === "revoke") && Boolean(name);
  if (!shapeOk || extra.length > 0) fail(USAGE, 2);

  loadAppEnv();
  const { getConfig } = await import("@/lib/config");
  const { openDb, setDbHandle } = await import("@/lib/db/client");
  const config = getConfig();
  if (config.database.kind === "pglite" && (await appIsRunning(config.appUrl))) {
    fail(
      `The app at ${config.appUrl} is running on the embedded database, which one process may open at a time. ` +
        `Manage keys in the app instead: sign in as an Admin and open ${config.appUrl}/admin/keys ` +
        `(or stop the app first, or use DATABASE_URL).`,
    );
  }
  const handle = await openDb(
    config.database.kind === "pglite"
      ? { kind: "pglite", dir: config.database.dir }
      : config.database,
  );
  setDbHandle(Promise.resolve(handle));
  const { createApiKey, listApiKeys, revokeApiKey } = await import("@/mcp-server/keys/store");
  try {
    if (command === "create" && name)
      await create(name, values.as ?? "app", values.role, createApiKey);
    else if (command === "list" && !name) await list(listApiKeys);
    else if (command === "revoke" && name) {
      if (!(await revokeApiKey(name))) fail(`No key named "${name}".`);
      process.stderr.write(`Revoked ${name}.\n`);
    } else fail(USAGE, 2);
  } finally {
    setDbHandle(undefined);
    await handle.close();
  }
}

async function appIsRunning(appUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${appUrl}/api/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function create(
  name: string,
  as: string,
  roles: string[] | undefined,
  createApiKey: typeof import("@/mcp-server/keys/store").createApiKey,
) {
  const { KEY_NAME_PATTERN, KEY_NAME_RULE, resolveKeyUser } =
    await import("@/mcp-server/keys/store");
  if (!KEY_NAME_PATTERN.test(name)) fail(KEY_NAME_RULE, 2);
  const { APP_ROLES } = await import("@/mcp-server/policy");
  if (as === "app") {
    const { key, info } = await createApiKey({
      name,
      kind: "app",
      roles: roles ?? [APP_ROLES.read],
    });
    process.stderr.write(
      `Created app key ${info.name} (${info.id}) with roles: ${info.roles.join(", ") || "(none)"}.\n`,
    );
    process.stdout.write(`${key}\n`);
    return;
  }
  if (roles) fail("--role applies to app keys; a user key has the user's own roles.", 2);
  const user = await resolveKeyUser(as);
  if (!user) fail(`No user "${as}" has signed in yet.`);
  const { key, info } = await createApiKey({ name, kind: "user", userId: user.id });
  process.stderr.write(`Created key ${info.name} (${info.id}) acting as ${as}.\n`);
  process.stdout.write(`${key}\n`);
}

async function list(listApiKeys: typeof import("@/mcp-server/keys/store").listApiKeys) {
  const keys = await listApiKeys();
  if (keys.length === 0) return void process.stdout.write("No keys.\n");
  for (const k of keys) {
    const who = k.kind === "app" ? `app roles=${k.roles.join(",") || "-"}` : `user=${k.userId}`;
    const state = k.revokedAt
      ? `revoked ${k.revokedAt.toISOString()}`
      : `last used ${k.lastUsedAt?.toISOString() ?? "never"}`;
    process.stdout.write(`${k.name}\t${k.keyPrefix}…\t${who}\t${state}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => fail(err instanceof Error ? err.message : String(err)),
);
