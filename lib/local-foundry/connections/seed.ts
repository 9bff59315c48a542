import { setTimeout as sleep } from "node:timers/promises";
import { getConfig } from "@/lib/config";
import type { Db } from "@/lib/db/client";
import {
  connectionClientSecret,
  createConnectionClientSecret,
} from "@/lib/identity/local-idp/clients";
import { getSealed, putSealed } from "@/lib/secrets/store";
import { createApiKey, principalForApiKey } from "@/mcp-server/keys/store";
import { APP_ROLES } from "@/mcp-server/policy";
import { randomBytes } from "node:crypto";
import { connectionDefinitions, KEY_CONNECTION, OAUTH_CONNECTION } from "./definitions";
import { claimCredentialLease, releaseCredentialLease, upsertConnection } from "./store";

/** Where the `mcp-key` connection's access key is kept (sealed); restarts reuse it. */
export const KEY_SECRET_NAME = `local-foundry:connection:${KEY_CONNECTION}:api-key`;

/** The `mcp-key` connection's access key, or undefined before the seed created it. */
export const keyConnectionSecret = (): Promise<string | undefined> => getSealed(KEY_SECRET_NAME);

/**
 * Provisions the project connections: rows from configuration (updated when APP_URL moves), the
 * OAuth connection's confidential client secret at the local IdP, and the key connection's MCP
 * access key (an app key with Tools.Read only). Idempotent and safe when several processes start
 * at once: each secret is created by the one process holding the connection's lease, and only
 * when it does not exist (or no longer works).
 */
export async function seedConnections(db: Db): Promise<void> {
  const local = getConfig().identity.mode === "local";
  for (const def of connectionDefinitions()) {
    // The OAuth connection's authorization server is the local IdP: absent with Entra sign-in.
    if (def.name === OAUTH_CONNECTION && !local) continue;
    await upsertConnection(db, def);
  }
  if (local)
    await ensureCredential(
      db,
      OAUTH_CONNECTION,
      async () => (await connectionClientSecret()) !== undefined,
      async () => void (await createConnectionClientSecret()),
    );
  await ensureCredential(db, KEY_CONNECTION, keyWorks, async () => {
    const { key } = await createApiKey({
      name: `local-foundry-${KEY_CONNECTION}-${randomBytes(4).toString("hex")}`,
      kind: "app",
      roles: [APP_ROLES.read],
    });
    await putSealed(KEY_SECRET_NAME, key);
  });
}

async function keyWorks(): Promise<boolean> {
  const key = await keyConnectionSecret();
  return key !== undefined && (await principalForApiKey(key)) !== undefined;
}

const LEASE_WAIT_MS = 15_000;

async function ensureCredential(
  db: Db,
  name: string,
  ready: () => Promise<boolean>,
  create: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + LEASE_WAIT_MS;
  while (!(await ready())) {
    if (await claimCredentialLease(db, name)) {
      try {
        if (!(await ready())) await create();
      } finally {
        await releaseCredentialLease(db, name);
      }
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for another process to provision connection ${name}.`);
    await sleep(100);
  }
}
