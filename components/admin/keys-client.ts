import { createCaller } from "@/lib/chat/api-client";

/** One MCP access key as `GET /api/admin/keys` lists it (never the key or its hash). */
export interface AccessKeyItem {
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

export type AppKeyRole = "Tools.Read" | "Tools.Write";
export const APP_KEY_ROLES: readonly AppKeyRole[] = ["Tools.Read", "Tools.Write"];

export type CreateAccessKey =
  | { name: string; kind: "app"; roles: AppKeyRole[] }
  | { name: string; kind: "user"; username: string };

/** The admin keys API for the browser (bearer token, problem+json refusals as ApiError). */
export function createKeysClient(getAccessToken: () => Promise<string>, fetchImpl?: typeof fetch) {
  const call = createCaller(getAccessToken, fetchImpl, (status, problem) =>
    status === 403
      ? "Only administrators may manage MCP access keys."
      : status === 404
        ? "That key no longer exists."
        : status === 400
          ? (problem as { errors?: { message: string }[] }).errors?.[0]?.message
          : undefined,
  );
  return {
    list: () => call<{ items: AccessKeyItem[] }>("/api/admin/keys").then((r) => r.items),
    create: (body: CreateAccessKey) =>
      call<AccessKeyItem & { key: string }>("/api/admin/keys", { method: "POST", json: body }),
    revoke: (id: string) =>
      call<void>(`/api/admin/keys/${encodeURIComponent(id)}`, { method: "DELETE" }),
  };
}
