import { AppError } from "@/lib/errors";
import { parseWith } from "@/lib/http/body";
import { noContent, userRoute } from "@/lib/http/route";
import { auditKeyChange, keyIdSchema, requireAdmin } from "@/mcp-server/keys/admin";
import { revokeApiKeyById } from "@/mcp-server/keys/store";

export const dynamic = "force-dynamic";

/**
 * Revokes a key (Admins only): 204, also when it was revoked already (nothing changes then, and
 * nothing is audited again); 404 when no key has this id.
 */
export const DELETE = userRoute<{ id: string }>(async ({ params, correlationId, principal }) => {
  const startedAt = performance.now();
  const { id } = parseWith(keyIdSchema, params);
  requireAdmin(principal);
  const result = await revokeApiKeyById(id);
  if (!result) throw new AppError("not_found", "No access key has this id.");
  if (result.revoked) {
    await auditKeyChange({
      principal,
      key: result.info,
      outcome: "key_revoked",
      correlationId,
      startedAt,
    });
  }
  return noContent();
});
