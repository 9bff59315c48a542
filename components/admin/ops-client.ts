import { ApiError, createCaller } from "@/lib/chat/api-client";
import type { AuditItem } from "@/lib/admin/audit-store";
import type { Usage } from "@/lib/admin/usage";
import type { AdminToolEntry } from "@/mcp-server/admin-catalog";
import type { ToolSourceStatus } from "@/mcp-server/catalog/sources";

export type { AdminToolEntry, AuditItem, Usage };
/** A configured tool source as JSON (dates as ISO strings). */
export type ToolSourceView = Omit<ToolSourceStatus, "loadedAt"> & { loadedAt?: string };

export interface AuditFilters {
  user?: string;
  tool?: string;
  outcome?: string;
  /** ISO 8601 instants. */
  from?: string;
  to?: string;
}

export type AuditEntryDetail = AuditItem & {
  check: { contentMatchesHash: boolean; linkedToPrevious: boolean };
};

export type ChainVerdict =
  | { ok: true; checked: number; lastHash: string; verifiedAt: string }
  | {
      ok: false;
      checked: number;
      brokenAt: number;
      reason: string;
      lastHash: string;
      verifiedAt: string;
    };

/** A query string of the set values only (the API refuses empty ones). */
export function queryOf(values: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The admin operations API for the browser (bearer token; refusals as ApiError). */
export function createOpsClient(getAccessToken: () => Promise<string>, fetchImpl?: typeof fetch) {
  const call = createCaller(getAccessToken, fetchImpl, (status, problem) =>
    status === 403
      ? "Only administrators may see this."
      : status === 404
        ? "That audit entry does not exist."
        : status === 400
          ? (problem as { errors?: { message: string }[] }).errors?.[0]?.message
          : undefined,
  );
  return {
    tools: () => call<{ items: AdminToolEntry[]; sources: ToolSourceView[] }>("/api/admin/tools"),
    usage: (q: { from?: string; to?: string; bucket?: string }) =>
      call<Usage>(`/api/admin/usage${queryOf(q)}`),
    audit: (f: AuditFilters, cursor?: string) =>
      call<{ items: AuditItem[]; nextCursor: string | null }>(
        `/api/admin/audit${queryOf({ ...f, cursor })}`,
      ),
    entry: (id: string) => call<AuditEntryDetail>(`/api/admin/audit/${encodeURIComponent(id)}`),
    verify: () => call<ChainVerdict>("/api/admin/audit/verify", { method: "POST" }),
    /** Fetches the export with the bearer token and hands it to the browser as a download. */
    async download(format: "jsonl" | "csv", f: AuditFilters): Promise<string> {
      const res = await (fetchImpl ?? fetch)(
        `/api/admin/audit/export${queryOf({ format, ...f })}`,
        { headers: { authorization: `Bearer ${await getAccessToken()}` } },
      );
      if (!res.ok) throw new ApiError("The export failed. Please try again.", res.status);
      const name =
        /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ??
        `audit.${format}`;
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return name;
    },
  };
}

export type OpsClient = ReturnType<typeof createOpsClient>;
