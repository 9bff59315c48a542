"use client";

import { useCallback, useMemo, useState, type FormEvent } from "react";
import { Spinner } from "@/components/ui/Spinner";
import { useLoaded } from "@/components/ui/useLoaded";
import { BarChartFigure, COLORS } from "./Chart";
import { createOpsClient, type Usage } from "./ops-client";
import { button, errorMessage, input } from "./ui";

const PRESETS = [
  { id: "1h", label: "Last hour", ms: 3_600_000 },
  { id: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { id: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
] as const;

type Query = { from?: string; to?: string; bucket?: string };

function presetQuery(ms: number): Query {
  const to = new Date();
  return { from: new Date(to.getTime() - ms).toISOString(), to: to.toISOString() };
}

/** `datetime-local` value (local time, no zone) → ISO instant; undefined when empty or invalid. */
function localToIso(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function bucketLabel(bucket: Usage["period"]["bucket"]) {
  return (v: unknown) => {
    const d = new Date(String(v));
    if (Number.isNaN(d.getTime())) return String(v);
    return bucket === "day"
      ? d.toLocaleDateString(undefined, { dateStyle: "medium" })
      : d.toLocaleString(undefined, {
          month: "short",
          day: "numeric",
          hour: "2-digit",
          minute: "2-digit",
        });
  };
}

const ms = (v: number | null) => (v === null ? "–" : `${v} ms`);

/**
 * `/admin/usage`: MCP tool calls over a chosen period — over time, per tool (with latency
 * percentiles), per user and per outcome — and calls the rate limit refused.
 */
export function UsageDashboard({ getAccessToken }: { getAccessToken: () => Promise<string> }) {
  const api = useMemo(() => createOpsClient(getAccessToken), [getAccessToken]);
  const [preset, setPreset] = useState<string>("24h");
  const [query, setQuery] = useState<Query>(() => presetQuery(PRESETS[1].ms));
  const [custom, setCustom] = useState({ from: "", to: "" });
  const [formError, setFormError] = useState<string>();

  const load = useCallback(() => api.usage(query), [api, query]);
  const { data: usage, error } = useLoaded(load, errorMessage);

  const choosePreset = (id: string) => {
    setPreset(id);
    const p = PRESETS.find((x) => x.id === id);
    if (p) setQuery(presetQuery(p.ms));
  };

  // A preset moves with the clock; a custom range is loaded again as it is.
  const refresh = () => (preset === "custom" ? setQuery((q) => ({ ...q })) : choosePreset(preset));

  const applyCustom = (e: FormEvent) => {
    e.preventDefault();
    const from = localToIso(custom.from);
    const to = localToIso(custom.to);
    if (!from || !to) {
      setFormError("Enter both a start and an end.");
      return;
    }
    if (from >= to) {
      setFormError("The end must be after the start.");
      return;
    }
    setFormError(undefined);
    setPreset("custom");
    setQuery({ from, to });
  };

  return (
    <div className="mx-auto w-full max-w-6xl px-4 py-6">
      <h1 className="text-xl font-semibold">Usage</h1>
      <p className="mt-1 text-sm text-muted-foreground">
        MCP tool calls from the audit log, and calls the rate limit refused (counted per caller and
        minute; refusals are not audited).
      </p>

      <div className="mt-4 flex flex-wrap items-end gap-4">
        <div>
          <label htmlFor="usage-period" className="text-sm font-medium">
            Period
          </label>
          <select
            id="usage-period"
            value={preset}
            onChange={(e) => choosePreset(e.target.value)}
            className={`${input} mt-1 w-48`}
          >
            {PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
            <option value="custom" disabled={preset !== "custom"}>
              Custom range
            </option>
          </select>
        </div>
        <button type="button" className={`${button} border hover:bg-muted`} onClick={refresh}>
          Refresh
        </button>
        <form
          onSubmit={applyCustom}
          className="flex flex-wrap items-end gap-2"
          aria-label="Custom range"
        >
          <div>
            <label htmlFor="usage-from" className="text-sm font-medium">
              From
            </label>
            <input
              id="usage-from"
              type="datetime-local"
              value={custom.from}
              onChange={(e) => setCustom((c) => ({ ...c, from: e.target.value }))}
              className={`${input} mt-1`}
            />
          </div>
          <div>
            <label htmlFor="usage-to" className="text-sm font-medium">
              To
            </label>
            <input
              id="usage-to"
              type="datetime-local"
              value={custom.to}
              onChange={(e) => setCustom((c) => ({ ...c, to: e.target.value }))}
              className={`${input} mt-1`}
            />
          </div>
          <button type="submit" className={`${button} border hover:bg-muted`}>
            Apply range
          </button>
        </form>
      </div>
      <p role="alert" className="mt-2 text-sm text-destructive">
        {formError ?? error ?? ""}
      </p>

      {!usage && !error ? (
        <div className="mt-6 flex justify-center">
          <Spinner label="Loading usage" />
        </div>
      ) : null}
      {usage ? <UsageView usage={usage} /> : null}
    </div>
  );
}

function UsageView({ usage }: { usage: Usage }) {
  const t = usage.totals;
  const stat = (label: string, value: string | number) => (
    <div className="rounded-lg border px-3 py-2">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums">{value}</dd>
    </div>
  );
  return (
    <div className="mt-2 space-y-4">
      <section aria-labelledby="usage-totals">
        <h2 id="usage-totals" className="sr-only">
          Totals
        </h2>
        <p className="text-sm text-muted-foreground">
          {new Date(usage.period.from).toLocaleString()} –{" "}
          {new Date(usage.period.to).toLocaleString()}, per {usage.period.bucket}
        </p>
        <dl className="mt-2 grid grid-cols-2 gap-2 sm:grid-cols-4 lg:grid-cols-7">
          {stat("Calls", t.calls)}
          {stat("Succeeded", t.ok)}
          {stat("Failed or refused", t.failed)}
          {stat("Rate-limited", t.rateLimited)}
          {stat("Latency p50", ms(t.p50))}
          {stat("Latency p95", ms(t.p95))}
          {stat("Latency p99", ms(t.p99))}
        </dl>
      </section>
      <BarChartFigure
        title="Calls over time"
        description="Succeeded, failed (errors, refusals by the policy, approvals still needed) and refused by the rate limit."
        data={usage.series.some((p) => p.ok + p.failed + p.rateLimited > 0) ? usage.series : []}
        category="start"
        categoryLabel="From"
        formatCategory={bucketLabel(usage.period.bucket)}
        stacked
        series={[
          { key: "ok", label: "Succeeded", color: COLORS.ok },
          { key: "failed", label: "Failed", color: COLORS.failed },
          { key: "rateLimited", label: "Rate-limited", color: COLORS.rateLimited },
        ]}
      />
      <div className="grid gap-4 lg:grid-cols-2">
        <BarChartFigure
          title="Calls per tool"
          data={usage.byTool}
          category="tool"
          categoryLabel="Tool"
          layout="vertical"
          stacked
          height={Math.max(160, usage.byTool.length * 36 + 60)}
          series={[
            { key: "ok", label: "Succeeded", color: COLORS.ok },
            { key: "failed", label: "Failed", color: COLORS.failed },
          ]}
        />
        <BarChartFigure
          title="Latency per tool (ms)"
          description="Percentiles of the time from the call to its answer."
          data={usage.byTool}
          category="tool"
          categoryLabel="Tool"
          layout="vertical"
          height={Math.max(160, usage.byTool.length * 48 + 60)}
          series={[
            { key: "p50", label: "p50", color: COLORS.ok },
            { key: "p95", label: "p95", color: COLORS.rateLimited },
            { key: "p99", label: "p99", color: COLORS.failed },
          ]}
        />
        <BarChartFigure
          title="Calls per user"
          data={usage.byUser}
          category="username"
          categoryLabel="User"
          layout="vertical"
          stacked
          height={Math.max(160, usage.byUser.length * 36 + 60)}
          series={[
            { key: "ok", label: "Succeeded", color: COLORS.ok },
            { key: "failed", label: "Failed", color: COLORS.failed },
            { key: "rateLimited", label: "Rate-limited", color: COLORS.rateLimited },
          ]}
        />
        <BarChartFigure
          title="Outcomes"
          data={usage.byOutcome}
          category="outcome"
          categoryLabel="Outcome"
          layout="vertical"
          height={Math.max(160, usage.byOutcome.length * 36 + 60)}
          series={[{ key: "calls", label: "Calls", color: COLORS.muted }]}
        />
      </div>
    </div>
  );
}
