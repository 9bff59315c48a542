"use client";

import Link from "next/link";
import { useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import {
  createOpsClient,
  type AuditFilters,
  type AuditItem,
  type ChainVerdict,
} from "./ops-client";
import { button, errorMessage, formatTime, input, td, th } from "./ui";
import { LoadState } from "@/components/ui/LoadState";

const OUTCOMES = [
  "ok",
  "replayed",
  "approval_required",
  "forbidden",
  "invalid_arguments",
  "unknown_tool",
  "auth_required",
  "timeout",
  "provider_error",
  "conflict",
  "key_created",
  "key_revoked",
];

type Form = { user: string; tool: string; outcome: string; from: string; to: string };
const EMPTY: Form = { user: "", tool: "", outcome: "", from: "", to: "" };

function toFilters(f: Form): AuditFilters {
  const iso = (v: string) => (v ? new Date(v).toISOString() : undefined);
  return {
    user: f.user.trim() || undefined,
    tool: f.tool.trim() || undefined,
    outcome: f.outcome.trim() || undefined,
    from: iso(f.from),
    to: iso(f.to),
  };
}

/**
 * `/admin/audit`: the audit log, newest first, filtered by user, tool, outcome and time; a page
 * at a time; each entry's detail; verification of the whole hash chain; export of what the
 * filters select as JSON Lines or CSV.
 */
export function AuditLog({ getAccessToken }: { getAccessToken: () => Promise<string> }) {
  const api = useMemo(() => createOpsClient(getAccessToken), [getAccessToken]);
  const [form, setForm] = useState<Form>(EMPTY);
  const [filters, setFilters] = useState<AuditFilters>({});
  const [items, setItems] = useState<AuditItem[]>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [verdict, setVerdict] = useState<ChainVerdict>();
  const [verifying, setVerifying] = useState(false);
  const [notice, setNotice] = useState<string>();

  useEffect(() => {
    let live = true;
    api.audit(filters).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setNext(page.nextCursor);
        setError(undefined);
      },
      (err: unknown) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [api, filters]);

  const loadMore = useCallback(async () => {
    if (!next) return;
    setLoadingMore(true);
    try {
      const page = await api.audit(filters, next);
      setItems((old) => [...(old ?? []), ...page.items]);
      setNext(page.nextCursor);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoadingMore(false);
    }
  }, [api, filters, next]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (form.from && form.to && form.from >= form.to) {
      setError("The end must be after the start.");
      return;
    }
    setItems(undefined);
    setFilters(toFilters(form));
  };

  const verify = async () => {
    setVerifying(true);
    setVerdict(undefined);
    try {
      setVerdict(await api.verify());
    } catch (err) {
      setNotice(errorMessage(err));
    } finally {
      setVerifying(false);
    }
  };

  const download = async (format: "jsonl" | "csv") => {
    try {
      const name = await api.download(format, filters);
      setNotice(`Downloaded ${name}.`);
    } catch (err) {
      setNotice(errorMessage(err));
    }
  };

  const field = (name: keyof Form, label: string, type = "text", list?: string) => (
    <div>
      <label htmlFor={`audit-${name}`} className="text-sm font-medium">
        {label}
      </label>
      <input
        id={`audit-${name}`}
        type={type}
        list={list}
        value={form[name]}
        onChange={(e) => setForm((f) => ({ ...f, [name]: e.target.value }))}
        className={`${input} mt-1`}
      />
    </div>
  );

  return (
    <div className="mx-auto w-full max-w-6xl px-4 py-6">
      <h1 className="text-xl font-semibold">Audit log</h1>
      <p className="mt-1 text-sm text-muted-foreground">
        Every MCP tool call and access-key change, hash-chained: each entry holds the hash of the
        one before, so an entry changed, inserted or removed breaks the chain.
      </p>

      <section aria-labelledby="chain-heading" className="mt-4 rounded-lg border p-4">
        <h2 id="chain-heading" className="text-base font-semibold">
          Chain and export
        </h2>
        <div className="mt-2 flex flex-wrap gap-2">
          <button
            type="button"
            onClick={() => void verify()}
            disabled={verifying}
            className={`${button} bg-primary text-primary-foreground hover:bg-primary/90`}
          >
            Verify chain
          </button>
          <button
            type="button"
            onClick={() => void download("jsonl")}
            className={`${button} border hover:bg-muted`}
          >
            Export JSON Lines
          </button>
          <button
            type="button"
            onClick={() => void download("csv")}
            className={`${button} border hover:bg-muted`}
          >
            Export CSV
          </button>
        </div>
        <p className="mt-1 text-xs text-muted-foreground">
          The export holds the entries the filters below select, oldest first.
        </p>
        <div role="status" aria-live="polite" className="mt-2 text-sm">
          {verifying ? "Verifying…" : null}
          {verdict ? <VerdictText verdict={verdict} /> : null}
          {notice ? <p>{notice}</p> : null}
        </div>
      </section>

      <form
        onSubmit={apply}
        aria-label="Filter the audit log"
        className="mt-4 grid gap-3 sm:grid-cols-3 lg:grid-cols-6 lg:items-end"
      >
        {field("user", "User")}
        {field("tool", "Tool")}
        {field("outcome", "Outcome", "text", "audit-outcomes")}
        <datalist id="audit-outcomes">
          {OUTCOMES.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
        {field("from", "From", "datetime-local")}
        {field("to", "To", "datetime-local")}
        <div className="flex gap-2">
          <button
            type="submit"
            className={`${button} bg-primary text-primary-foreground hover:bg-primary/90`}
          >
            Apply filters
          </button>
          <button
            type="button"
            onClick={() => {
              setForm(EMPTY);
              setItems(undefined);
              setFilters({});
            }}
            className={`${button} border hover:bg-muted`}
          >
            Clear
          </button>
        </div>
      </form>

      <LoadState error={error} loaded={Boolean(items)} label="Loading the audit log" />
      {items && items.length === 0 ? (
        <p className="mt-4 text-sm text-muted-foreground">No entries match.</p>
      ) : null}
      {items && items.length > 0 ? <AuditTable items={items} /> : null}
      {next ? (
        <button
          type="button"
          onClick={() => void loadMore()}
          disabled={loadingMore}
          className={`${button} mt-3 border hover:bg-muted`}
        >
          Load more
        </button>
      ) : null}
    </div>
  );
}

function VerdictText({ verdict }: { verdict: ChainVerdict }) {
  if (verdict.ok)
    return (
      <p className="font-medium">
        Chain verified: {verdict.checked} {verdict.checked === 1 ? "entry" : "entries"} checked, no
        break. Last hash <code className="font-mono text-xs break-all">{verdict.lastHash}</code>
      </p>
    );
  return (
    <p className="font-medium text-destructive">
      Chain broken at entry{" "}
      <Link href={`/admin/audit/${verdict.brokenAt}`} className="underline">
        {verdict.brokenAt}
      </Link>
      : {verdict.reason}. {verdict.checked} entries before it checked good.
    </p>
  );
}

function AuditTable({ items }: { items: AuditItem[] }) {
  return (
    <div className="mt-4 overflow-x-auto rounded-lg border">
      <table className="w-full min-w-[48rem] text-sm">
        <caption className="sr-only">Audit entries, newest first</caption>
        <thead className="bg-muted/50 text-muted-foreground">
          <tr>
            <th scope="col" className={th}>
              Entry
            </th>
            <th scope="col" className={th}>
              Time
            </th>
            <th scope="col" className={th}>
              User
            </th>
            <th scope="col" className={th}>
              Tool
            </th>
            <th scope="col" className={th}>
              Risk
            </th>
            <th scope="col" className={th}>
              Outcome
            </th>
            <th scope="col" className={`${th} text-right`}>
              Latency
            </th>
          </tr>
        </thead>
        <tbody className="divide-y">
          {items.map((e) => (
            <tr key={e.id}>
              <th scope="row" className={`${td} text-left font-normal`}>
                <Link
                  href={`/admin/audit/${e.id}`}
                  aria-label={`Entry ${e.id}, details`}
                  className="inline-flex min-h-6 items-center font-medium underline underline-offset-2"
                >
                  {e.id}
                </Link>
              </th>
              <td className={`${td} whitespace-nowrap`}>{formatTime(e.at)}</td>
              <td className={`${td} break-all`}>{e.username}</td>
              <td className={`${td} font-mono text-xs break-all`}>{e.tool}</td>
              <td className={td}>{e.risk}</td>
              <td className={td}>{e.outcome}</td>
              <td className={`${td} text-right tabular-nums`}>{e.latencyMs} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
