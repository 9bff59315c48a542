"use client";

import { useCallback, useMemo, useState } from "react";
import { useLoaded } from "@/components/ui/useLoaded";
import { createOpsClient, type AdminToolEntry, type ToolSourceView } from "./ops-client";
import { errorMessage, input } from "./ui";
import { LoadState } from "@/components/ui/LoadState";

const RISK_STYLE: Record<string, string> = {
  read: "bg-muted text-foreground",
  write: "bg-warning text-warning-foreground",
  privileged: "bg-destructive/10 text-destructive",
};

/**
 * `/admin/tools`: every tool in the catalog with its risk, approval rule, who may call it, its
 * annotations and schemas, and where in the policy (mcp-server/policy.ts) that comes from.
 */
export function ToolCatalog({ getAccessToken }: { getAccessToken: () => Promise<string> }) {
  const api = useMemo(() => createOpsClient(getAccessToken), [getAccessToken]);
  const load = useCallback(() => api.tools(), [api]);
  const { data, error } = useLoaded(load, errorMessage);
  const tools = data?.items;
  const [filter, setFilter] = useState("");

  const shown = (tools ?? []).filter((t) =>
    `${t.name} ${t.title} ${t.provider} ${t.risk}`.toLowerCase().includes(filter.toLowerCase()),
  );

  return (
    <div className="mx-auto w-full max-w-6xl px-4 py-6">
      <h1 className="text-xl font-semibold">Tool catalog</h1>
      <p className="mt-1 text-sm text-muted-foreground">
        Every tool of the MCP server. Risk, approval and who may call come from the policy in{" "}
        <code className="font-mono">mcp-server/policy.ts</code>: the <em>allow</em> entry that
        offers the tool, the rule of its risk, and any overrides.
      </p>
      <div className="mt-4 max-w-sm">
        <label htmlFor="tool-filter" className="text-sm font-medium">
          Filter tools
        </label>
        <input
          id="tool-filter"
          type="search"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          className={`${input} mt-1`}
        />
      </div>
      <LoadState error={error} loaded={Boolean(tools)} label="Loading tools" />
      {tools ? (
        <p role="status" className="mt-3 text-sm text-muted-foreground">
          {shown.length} of {tools.length} tools
        </p>
      ) : null}
      {data && data.sources.length > 0 ? <ToolSources sources={data.sources} /> : null}
      <ul className="mt-2 space-y-3">
        {shown.map((t) => (
          <li key={t.name}>
            <ToolCard tool={t} />
          </li>
        ))}
      </ul>
    </div>
  );
}

function callers(t: AdminToolEntry): string {
  const users =
    t.callers.users === "any"
      ? "every signed-in user"
      : `users with ${t.callers.users.join(" or ")}`;
  const apps = t.callers.apps.length > 0 ? `apps with ${t.callers.apps.join(" or ")}` : "no app";
  return `${users}; ${apps}`;
}

function approval(t: AdminToolEntry): string {
  if (t.approval === "never") return "No approval";
  return t.approverRoles.length > 0
    ? `Always, by a person with ${t.approverRoles.join(" or ")}`
    : "Always, by the requester";
}

function ToolCard({ tool: t }: { tool: AdminToolEntry }) {
  const headingId = `tool-${t.name}`;
  const hints = Object.entries(t.annotations)
    .filter(([, v]) => v)
    .map(([k]) => k.replace(/Hint$/, ""));
  return (
    <article aria-labelledby={headingId} className="rounded-lg border p-4">
      <div className="flex flex-wrap items-baseline gap-2">
        <h2 id={headingId} className="font-mono text-sm font-semibold break-all">
          {t.name}
        </h2>
        <span
          className={`rounded-full px-2 py-0.5 text-xs font-medium ${RISK_STYLE[t.risk] ?? ""}`}
        >
          Risk: {t.risk}
        </span>
        {t.offered ? null : (
          <span className="rounded-full bg-muted px-2 py-0.5 text-xs font-medium">Not offered</span>
        )}
      </div>
      <p className="mt-1 text-sm">
        <span className="font-medium">{t.title}</span> · {t.provider}
        {t.openapi ? ` · ${t.openapi.method?.toUpperCase() ?? ""} ${t.openapi.path ?? ""}` : null}
      </p>
      <p className="mt-1 text-sm text-muted-foreground">{t.description}</p>
      <dl className="mt-3 grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[10rem_1fr]">
        <dt className="font-medium">Approval</dt>
        <dd>{approval(t)}</dd>
        <dt className="font-medium">May call</dt>
        <dd>{callers(t)}</dd>
        <dt className="font-medium">Annotations</dt>
        <dd>{hints.length > 0 ? hints.join(", ") : "none"}</dd>
        <dt className="font-medium">From the policy</dt>
        <dd>
          {t.source.allowedBy ? (
            <>
              offered by <code className="font-mono">allow: {t.source.allowedBy}</code>
            </>
          ) : (
            "no allow entry matches"
          )}
          ; declared <code className="font-mono">{t.source.declaredRisk}</code>, rule{" "}
          <code className="font-mono">{t.source.riskRule}</code>
          {t.source.overrides.length > 0 ? (
            <ul className="mt-1 list-disc pl-5">
              {t.source.overrides.map((o, i) => (
                <li key={i}>
                  override{o.match ? ` ${o.match}` : ""}
                  {o.openapiMethods ? ` (${o.openapiMethods.join(", ")})` : ""}
                  {o.risk ? `, raises the risk to ${o.risk}` : ""}: {o.why}
                </li>
              ))}
            </ul>
          ) : null}
        </dd>
      </dl>
      <details className="mt-3">
        <summary className="min-h-9 cursor-pointer py-2 text-sm font-medium">Input schema</summary>
        <pre
          tabIndex={0}
          role="region"
          aria-label={`Input schema of ${t.name}`}
          className="mt-1 max-h-80 overflow-auto rounded-md bg-muted p-3 font-mono text-xs"
        >
          {JSON.stringify(t.inputSchema, null, 2)}
        </pre>
      </details>
      {t.outputSchema ? (
        <details>
          <summary className="min-h-9 cursor-pointer py-2 text-sm font-medium">
            Output schema
          </summary>
          <pre
            tabIndex={0}
            role="region"
            aria-label={`Output schema of ${t.name}`}
            className="mt-1 max-h-80 overflow-auto rounded-md bg-muted p-3 font-mono text-xs"
          >
            {JSON.stringify(t.outputSchema, null, 2)}
          </pre>
        </details>
      ) : null}
    </article>
  );
}

const SOURCE_STATE: Record<ToolSourceView["state"], string> = {
  ready: "Ready",
  loading: "Loading",
  failed: "Failed",
};

/** Configured sources of tools (docs/TOOLS.md): whether each answered, and why not. */
function ToolSources({ sources }: { sources: ToolSourceView[] }) {
  return (
    <section aria-labelledby="tool-sources" className="mt-4">
      <h2 id="tool-sources" className="text-base font-semibold">
        Tool sources
      </h2>
      <div className="mt-2 overflow-x-auto">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Configured tool sources and their state</caption>
          <thead>
            <tr className="border-b border-border">
              <th scope="col" className="py-1 pr-4 font-medium">
                Source
              </th>
              <th scope="col" className="py-1 pr-4 font-medium">
                State
              </th>
              <th scope="col" className="py-1 pr-4 font-medium">
                Tools
              </th>
              <th scope="col" className="py-1 pr-4 font-medium">
                Listed at
              </th>
              <th scope="col" className="py-1 font-medium">
                Last problem
              </th>
            </tr>
          </thead>
          <tbody>
            {sources.map((s) => (
              <tr key={s.id} className="border-b border-border/60">
                <th scope="row" className="py-1 pr-4 font-mono font-normal">
                  {s.id}
                </th>
                <td className={`py-1 pr-4 ${s.state === "failed" ? "text-destructive" : ""}`}>
                  {SOURCE_STATE[s.state]}
                </td>
                <td className="py-1 pr-4">{s.tools}</td>
                <td className="py-1 pr-4">
                  {s.loadedAt ? new Date(s.loadedAt).toLocaleString() : "—"}
                </td>
                <td className="py-1">{s.error ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
