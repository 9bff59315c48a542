"use client";

import { ArrowLeft } from "lucide-react";
import Link from "next/link";
import { useCallback, useMemo } from "react";
import { useLoaded } from "@/components/ui/useLoaded";
import { createOpsClient, type AuditEntryDetail } from "./ops-client";
import { errorMessage, formatTime } from "./ui";
import { LoadState } from "@/components/ui/LoadState";

/** `/admin/audit/:id`: every field of one entry, and whether its hash and link check out. */
export function AuditEntry({
  id,
  getAccessToken,
}: {
  id: string;
  getAccessToken: () => Promise<string>;
}) {
  const api = useMemo(() => createOpsClient(getAccessToken), [getAccessToken]);
  const load = useCallback(() => api.entry(id), [api, id]);
  const { data: entry, error } = useLoaded(load, errorMessage);

  return (
    <div className="mx-auto w-full max-w-4xl px-4 py-6">
      <Link
        href="/admin/audit"
        className="inline-flex min-h-9 items-center gap-1.5 rounded-md px-2 text-sm font-medium hover:bg-muted"
      >
        <ArrowLeft aria-hidden className="size-4" />
        Audit log
      </Link>
      <h1 className="mt-2 text-xl font-semibold">Audit entry {id}</h1>
      <LoadState error={error} loaded={Boolean(entry)} label="Loading the entry" />
      {entry ? <EntryView entry={entry} /> : null}
    </div>
  );
}

function EntryView({ entry: e }: { entry: AuditEntryDetail }) {
  const good = e.check.contentMatchesHash && e.check.linkedToPrevious;
  const rows: [string, React.ReactNode][] = [
    ["Time", `${formatTime(e.at)} (${e.at})`],
    ["User", e.username],
    ["User id", e.userId],
    ["Caller kind", e.principalKind === "app" ? "Application" : "User"],
    ["Tool", e.tool],
    ["Risk", e.risk],
    ["Outcome", e.outcome],
    ["Latency", `${e.latencyMs} ms`],
    ["Correlation id", e.correlationId],
    ["Idempotency key", e.idempotencyKey ?? "none"],
    ["Arguments hash", e.argsHash],
    ["Previous hash", e.prevHash],
    ["Hash", e.hash],
  ];
  return (
    <>
      <p
        role="status"
        className={`mt-3 rounded-md px-3 py-2 text-sm font-medium ${good ? "bg-muted" : "bg-destructive/10 text-destructive"}`}
      >
        {e.check.contentMatchesHash
          ? "The content matches its hash."
          : "The content does not match its hash: this entry was changed."}{" "}
        {e.check.linkedToPrevious
          ? "It follows the entry before it."
          : "It does not follow the entry before it: an entry was removed or inserted."}
      </p>
      <dl className="mt-4 grid gap-x-4 gap-y-2 text-sm sm:grid-cols-[12rem_1fr]">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="font-medium">{k}</dt>
            <dd className="font-mono text-xs break-all sm:text-sm">{v}</dd>
          </div>
        ))}
      </dl>
      <p className="mt-4 text-xs text-muted-foreground">
        Arguments are never stored; their hash lets a copy of the arguments be matched to this call.
      </p>
    </>
  );
}
