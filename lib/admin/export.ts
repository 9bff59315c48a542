import type { AuditItem } from "./audit-store";

export type ExportFormat = "jsonl" | "csv";

/** CSV columns, in order: every field of an entry, so the export can be re-verified elsewhere. */
export const CSV_COLUMNS: readonly (keyof AuditItem)[] = [
  "id",
  "at",
  "userId",
  "username",
  "principalKind",
  "tool",
  "risk",
  "argsHash",
  "outcome",
  "latencyMs",
  "correlationId",
  "idempotencyKey",
  "prevHash",
  "hash",
];

/**
 * One CSV field (RFC 4180, pure): quoted when it holds a comma, quote, CR or LF (quotes doubled).
 * A text that a spreadsheet would run as a formula (starting with = + - @, tab or CR) is prefixed
 * with `'` first (OWASP "CSV injection"); numbers are written as they are. Null is an empty field.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

export function csvRow(item: AuditItem): string {
  return `${CSV_COLUMNS.map((c) => csvField(item[c])).join(",")}\r\n`;
}

/** One JSON Lines record: the entry exactly as stored (no escaping beyond JSON's own). */
export function jsonlRow(item: AuditItem): string {
  return `${JSON.stringify(item)}\n`;
}

/** A streamed body of the entries in the format (header first for CSV). */
export function exportStream(
  items: AsyncIterable<AuditItem>,
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = items[Symbol.asyncIterator]();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started && format === "csv") {
        started = true;
        controller.enqueue(encoder.encode(csvHeader()));
        return;
      }
      started = true;
      // A batch of lines per chunk keeps the number of tiny writes down.
      let chunk = "";
      for (let i = 0; i < 200; i++) {
        const next = await iterator.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += format === "csv" ? csvRow(next.value) : jsonlRow(next.value);
      }
      controller.enqueue(encoder.encode(chunk));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** `audit-<time>.<ext>`, for Content-Disposition (only safe characters). */
export function exportFileName(format: ExportFormat, now: Date): string {
  return `audit-${now.toISOString().replace(/[:.]/g, "-")}.${format}`;
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: "application/jsonl; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};
