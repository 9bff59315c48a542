import { z } from "zod";
import { requireAdmin as requireAnAdmin } from "@/lib/admin/authorize";
import { appendAudit, argumentHash } from "@/lib/audit";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";
import { APP_ROLES } from "@/mcp-server/policy";
import { KEY_NAME_PATTERN, KEY_NAME_RULE, type ApiKeyInfo } from "./store";

/**
 * The admin API over access keys (`/api/admin/keys`): request schemas, the Admin check, the
 * item shape (never the hash; the key itself only in the creation answer) and the audit records.
 */

const keyName = z.string().regex(KEY_NAME_PATTERN, KEY_NAME_RULE);

export const createKeySchema = z.discriminatedUnion("kind", [
  z.strictObject({
    name: keyName,
    kind: z.literal("app"),
    /** Default `Tools.Read`, as in the CLI. */
    roles: z
      .array(z.enum([APP_ROLES.read, APP_ROLES.write]))
      .max(2)
      .optional(),
  }),
  z.strictObject({
    name: keyName,
    kind: z.literal("user"),
    /** Who the key acts as: a user who signed in once, or a demo user of the local IdP. */
    username: z.string().trim().min(1).max(256),
  }),
]);
export type CreateKeyBody = z.infer<typeof createKeySchema>;

export const keyIdSchema = z.strictObject({ id: z.string().regex(/^key_[0-9a-f]{16}$/) });

/** Only a signed-in user with the Admin app role (an app token never qualifies). */
export function requireAdmin(p: Principal): void {
  requireAnAdmin(p, "Only administrators may manage MCP access keys.");
}

export interface ApiKeyItem {
  id: string;
  name: string;
  kind: "app" | "user";
  userId?: string;
  roles: string[];
  keyPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function toItem(k: ApiKeyInfo): ApiKeyItem {
  return {
    id: k.id,
    name: k.name,
    kind: k.kind,
    ...(k.kind === "user" && k.userId ? { userId: k.userId } : {}),
    roles: k.roles,
    keyPrefix: k.keyPrefix,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

export const AUDIT_TOOL = "mcp_access_key";

/**
 * One audit row for a key created or revoked (tool `mcp_access_key`, the key id as
 * `idempotencyKey`, argsHash of `{ name, kind, roles }`). The change has already happened, so a
 * failed append is logged rather than turned into an error the admin would retry.
 */
export async function auditKeyChange(opts: {
  principal: Principal;
  key: ApiKeyInfo;
  outcome: "key_created" | "key_revoked";
  correlationId: string;
  startedAt: number;
}): Promise<void> {
  const { principal, key } = opts;
  const entry = {
    at: new Date(),
    userId: principal.userId,
    username: principal.username,
    principalKind: principal.kind,
    tool: AUDIT_TOOL,
    risk: "privileged",
    argsHash: argumentHash({ name: key.name, kind: key.kind, roles: key.roles }),
    outcome: opts.outcome,
    latencyMs: Math.round(performance.now() - opts.startedAt),
    correlationId: opts.correlationId,
    idempotencyKey: key.id,
  };
  try {
    await appendAudit(entry);
    logger().info({ ...entry, at: undefined, keyName: key.name }, "mcp access key changed");
  } catch (err) {
    logger().error({ err, audit: entry }, "audit append failed; the change is only in this log");
  }
}
