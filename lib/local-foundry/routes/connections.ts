import { notFound } from "../errors";
import { json } from "../http";
import type { LfContext, LfRoute } from "../router";
import { revokeRefreshToken } from "../connections/oauth";
import { deleteGrant, getConnection, getGrant, listConnections } from "../connections/store";
import { logger } from "@/lib/log";

/**
 * Local-service extensions (Foundry manages connections and consent itself): the project's
 * connections without secrets, with the caller's own grant; and revoking that grant.
 */
export const connectionRoutes: LfRoute[] = [
  { method: "GET", pattern: "/connections", handle: list },
  { method: "DELETE", pattern: "/connections/:name/grant", handle: revoke },
];

async function list({ db, principal }: LfContext): Promise<Response> {
  const connections = await listConnections(db);
  const data = await Promise.all(
    connections.map(async (c) => {
      const base = {
        object: "connection",
        name: c.name,
        kind: c.kind,
        display_name: c.displayName,
        target: c.target,
      };
      if (c.kind === "key") return { ...base, header_name: c.config.headerName };
      const grant = await getGrant(db, c.name, principal.userId);
      return {
        ...base,
        authorization_url: c.config.authorizeUrl,
        scopes: c.config.scopes,
        grant: grant
          ? {
              status: "connected",
              connected_at: Math.floor(grant.connectedAt.getTime() / 1000),
              scopes: grant.scopes.split(/\s+/).filter(Boolean),
            }
          : { status: "not_connected" },
      };
    }),
  );
  return json({ object: "list", data });
}

async function revoke({ db, params, principal }: LfContext): Promise<Response> {
  const connection = await getConnection(db, params.name!);
  if (!connection || connection.kind !== "oauth_passthrough")
    throw notFound(`OAuth connection '${params.name}'`);
  const grant = await getGrant(db, connection.name, principal.userId);
  const deleted = await deleteGrant(db, connection.name, principal.userId);
  let revoked = false;
  if (grant?.tokens.refresh_token) {
    revoked = await revokeRefreshToken(connection.config, grant.tokens.refresh_token).catch(
      (err: unknown) => {
        logger().warn({ err, connection: connection.name }, "refresh token revocation failed");
        return false;
      },
    );
  }
  return json({
    object: "connection.grant.deleted",
    name: connection.name,
    deleted,
    refresh_token_revoked: revoked,
  });
}
