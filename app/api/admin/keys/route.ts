import { AppError } from "@/lib/errors";
import { readJson } from "@/lib/http/body";
import { json, userRoute } from "@/lib/http/route";
import { APP_ROLES } from "@/mcp-server/policy";
import { auditKeyChange, createKeySchema, requireAdmin, toItem } from "@/mcp-server/keys/admin";
import {
  ApiKeyNameTakenError,
  createApiKey,
  listApiKeys,
  resolveKeyUser,
} from "@/mcp-server/keys/store";

export const dynamic = "force-dynamic";

/** Every MCP access key (revoked ones too), without hashes or keys. Admins only. */
export const GET = userRoute(async ({ principal }) => {
  requireAdmin(principal);
  const keys = await listApiKeys();
  return json({ items: keys.map(toItem) });
});

/** Creates a key; the answer is the only place the key ever appears (201, no-store). Admins only. */
export const POST = userRoute(async ({ req, correlationId, principal }) => {
  const startedAt = performance.now();
  const body = await readJson(req, createKeySchema);
  requireAdmin(principal);
  let created: Awaited<ReturnType<typeof createApiKey>>;
  try {
    if (body.kind === "app") {
      const roles = [...new Set(body.roles ?? [APP_ROLES.read])];
      created = await createApiKey({ name: body.name, kind: "app", roles });
    } else {
      const user = await resolveKeyUser(body.username);
      if (!user) {
        throw new AppError("invalid_request", "The request is not valid.", {
          extensions: {
            errors: [
              { path: "username", message: `No user "${body.username}" has signed in yet.` },
            ],
          },
        });
      }
      created = await createApiKey({ name: body.name, kind: "user", userId: user.id });
    }
  } catch (err) {
    if (err instanceof ApiKeyNameTakenError) throw new AppError("conflict", err.message);
    throw err;
  }
  await auditKeyChange({
    principal,
    key: created.info,
    outcome: "key_created",
    correlationId,
    startedAt,
  });
  return json({ ...toItem(created.info), key: created.key }, 201, {
    "cache-control": "no-store",
    pragma: "no-cache",
  });
});
