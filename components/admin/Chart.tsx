"use client";

import { useId, type ReactNode } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { th, td } from "./ui";

export interface Series {
  key: string;
  label: string;
  color: string;
}

/** Colours from the theme, so both light and dark mode keep their contrast. */
export const COLORS = {
  ok: "var(--primary)",
  failed: "var(--destructive)",
  rateLimited: "var(--warning-foreground)",
  muted: "var(--muted-foreground)",
} as const;

const cell = (row: object, key: string): unknown => (row as Record<string, unknown>)[key];
const cellText = (v: unknown) => (v === null || v === undefined ? "–" : String(v));

/**
 * A bar chart with a title and the same numbers as a table (the text alternative: the drawing
 * itself is hidden from assistive technology, the table is not).
 */
export function BarChartFigure<T extends object>({
  title,
  description,
  data,
  category,
  categoryLabel,
  series,
  stacked = false,
  layout = "horizontal",
  formatCategory = String,
  height = 260,
}: {
  title: string;
  description?: ReactNode;
  data: T[];
  category: keyof T & string;
  categoryLabel: string;
  series: Series[];
  stacked?: boolean;
  /** `vertical`: categories down the side (long names such as tools). */
  layout?: "horizontal" | "vertical";
  formatCategory?: (v: unknown) => string;
  height?: number;
}) {
  const id = useId();
  const empty = data.length === 0;
  const tick = { fill: "var(--muted-foreground)", fontSize: 12 };
  return (
    <figure aria-labelledby={`${id}-title`} className="rounded-lg border p-4">
      <figcaption>
        <h2 id={`${id}-title`} className="text-base font-semibold">
          {title}
        </h2>
        {description ? <p className="text-sm text-muted-foreground">{description}</p> : null}
      </figcaption>
      {empty ? (
        <p className="mt-3 text-sm text-muted-foreground">No calls in this period.</p>
      ) : (
        <div aria-hidden="true" className="mt-3" style={{ height }} data-testid="chart">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart
              data={data}
              layout={layout}
              accessibilityLayer={false}
              margin={{ top: 4, right: 8, bottom: 4, left: layout === "vertical" ? 8 : 0 }}
            >
              <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
              {layout === "vertical" ? (
                <>
                  <XAxis type="number" allowDecimals={false} tick={tick} />
                  <YAxis
                    type="category"
                    dataKey={category as string}
                    width={170}
                    tick={tick}
                    tickFormatter={formatCategory}
                  />
                </>
              ) : (
                <>
                  <XAxis
                    dataKey={category as string}
                    tick={tick}
                    tickFormatter={formatCategory}
                    minTickGap={16}
                  />
                  <YAxis allowDecimals={false} tick={tick} width={40} />
                </>
              )}
              <Tooltip
                labelFormatter={(v) => formatCategory(v)}
                contentStyle={{
                  background: "var(--card)",
                  border: "1px solid var(--border)",
                  color: "var(--card-foreground)",
                }}
              />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {series.map((s) => (
                <Bar
                  key={s.key}
                  dataKey={s.key}
                  name={s.label}
                  fill={s.color}
                  stackId={stacked ? "all" : undefined}
                  isAnimationActive={false}
                />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
      {empty ? null : (
        <details className="mt-2">
          <summary className="min-h-9 cursor-pointer py-2 text-sm font-medium">
            {`${title} as a table`}
          </summary>
          <div
            className="mt-1 max-h-80 overflow-auto rounded-md border"
            tabIndex={0}
            role="region"
            aria-label={`${title} table`}
          >
            <table className="w-full text-sm">
              <caption className="sr-only">{title}</caption>
              <thead className="bg-muted/50 text-muted-foreground">
                <tr>
                  <th scope="col" className={th}>
                    {categoryLabel}
                  </th>
                  {series.map((s) => (
                    <th key={s.key} scope="col" className={`${th} text-right`}>
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y">
                {data.map((row, i) => (
                  <tr key={i}>
                    <th scope="row" className={`${td} text-left font-normal break-all`}>
                      {formatCategory(cell(row, category))}
                    </th>
                    {series.map((s) => (
                      <td key={s.key} className={`${td} text-right tabular-nums`}>
                        {cellText(cell(row, s.key))}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </figure>
  );
}
