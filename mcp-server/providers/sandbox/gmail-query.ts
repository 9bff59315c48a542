import { ToolError } from "@/mcp-server/catalog/types";

/**
 * A pure parser/evaluator for the subset of Gmail search syntax the sandbox supports:
 * free words and "quoted phrases", from: to: cc: subject: label: is:(unread|read|starred|important)
 * in:(inbox|sent|drafts|anywhere|starred) has:attachment after: before: (YYYY/MM/DD or YYYY-MM-DD)
 * newer_than: older_than: (Nd, Nm, Ny), a leading "-" to negate, and OR between two terms.
 * Everything is case-insensitive, as in Gmail.
 */

export interface MailForQuery {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  body: string;
  labels: string[];
  hasAttachment: boolean;
  receivedAt: Date;
}

type Predicate = (m: MailForQuery) => boolean;
/** AND of clauses; each clause is an OR of predicates. */
export type CompiledQuery = Predicate[][];

const contains = (hay: string, needle: string) => hay.toLowerCase().includes(needle.toLowerCase());

function tokenize(q: string): string[] {
  const tokens: string[] = [];
  const re = /(-?[a-z_]+:)?"([^"]*)"|(\S+)/gi;
  for (const m of q.matchAll(re)) {
    if (m[2] !== undefined) tokens.push(`${m[1] ?? ""}"${m[2]}"`);
    else tokens.push(m[3]!);
  }
  return tokens;
}

const unquote = (v: string) =>
  v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1) : v;

function parseDate(v: string, op: string): Date {
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(v);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!d || Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m![3])) {
    throw new ToolError("invalid_arguments", `${op}: expects a date as YYYY/MM/DD, got "${v}".`);
  }
  return d;
}

function parseAge(v: string, op: string, now: Date): Date {
  const m = /^(\d{1,4})([dmy])$/i.exec(v);
  if (!m)
    throw new ToolError(
      "invalid_arguments",
      `${op}: expects an age such as 7d, 2m or 1y, got "${v}".`,
    );
  const n = Number(m[1]);
  const d = new Date(now);
  const unit = m[2]!.toLowerCase();
  if (unit === "d") d.setUTCDate(d.getUTCDate() - n);
  else if (unit === "m") d.setUTCMonth(d.getUTCMonth() - n);
  else d.setUTCFullYear(d.getUTCFullYear() - n);
  return d;
}

const hasLabel =
  (l: string): Predicate =>
  (m) =>
    m.labels.includes(l);

function operator(key: string, raw: string, now: Date): Predicate | undefined {
  const v = unquote(raw);
  switch (key) {
    case "from":
      return (m) => contains(m.from, v);
    case "to":
      return (m) => m.to.some((a) => contains(a, v)) || m.cc.some((a) => contains(a, v));
    case "cc":
      return (m) => m.cc.some((a) => contains(a, v));
    case "subject":
      return (m) => contains(m.subject, v);
    case "label":
      return hasLabel(v.toUpperCase().replace(/[\s-]/g, "_"));
    case "is": {
      const labels: Record<string, Predicate> = {
        unread: hasLabel("UNREAD"),
        read: (m) => !m.labels.includes("UNREAD"),
        starred: hasLabel("STARRED"),
        important: hasLabel("IMPORTANT"),
      };
      const p = labels[v.toLowerCase()];
      if (!p)
        throw new ToolError(
          "invalid_arguments",
          `is:${v} is not supported; use unread, read, starred or important.`,
        );
      return p;
    }
    case "in": {
      const boxes: Record<string, Predicate> = {
        inbox: hasLabel("INBOX"),
        sent: hasLabel("SENT"),
        drafts: hasLabel("DRAFT"),
        draft: hasLabel("DRAFT"),
        starred: hasLabel("STARRED"),
        anywhere: () => true,
      };
      const p = boxes[v.toLowerCase()];
      if (!p)
        throw new ToolError(
          "invalid_arguments",
          `in:${v} is not supported; use inbox, sent, drafts, starred or anywhere.`,
        );
      return p;
    }
    case "has":
      if (v.toLowerCase() !== "attachment")
        throw new ToolError("invalid_arguments", `has:${v} is not supported; use has:attachment.`);
      return (m) => m.hasAttachment;
    case "after": {
      const d = parseDate(v, "after");
      return (m) => m.receivedAt >= d;
    }
    case "before": {
      const d = parseDate(v, "before");
      return (m) => m.receivedAt < d;
    }
    case "newer_than": {
      const d = parseAge(v, "newer_than", now);
      return (m) => m.receivedAt >= d;
    }
    case "older_than": {
      const d = parseAge(v, "older_than", now);
      return (m) => m.receivedAt < d;
    }
    default:
      return undefined;
  }
}

function term(token: string, now: Date): Predicate {
  const negated = token.startsWith("-") && token.length > 1;
  const t = negated ? token.slice(1) : token;
  const colon = t.indexOf(":");
  let p: Predicate | undefined;
  if (colon > 0) p = operator(t.slice(0, colon).toLowerCase(), t.slice(colon + 1), now);
  if (!p) {
    const word = unquote(t);
    p = (m) =>
      contains(m.subject, word) ||
      contains(m.body, word) ||
      contains(m.from, word) ||
      m.to.some((a) => contains(a, word));
  }
  const base = p;
  return negated ? (m) => !base(m) : base;
}

export function compileGmailQuery(q: string, now = new Date()): CompiledQuery {
  const tokens = tokenize(q);
  const clauses: CompiledQuery = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok === "OR") {
      const next = tokens[i + 1];
      const last = clauses[clauses.length - 1];
      if (!last || next === undefined || next === "OR")
        throw new ToolError("invalid_arguments", "OR needs a term on both sides.");
      last.push(term(next, now));
      i += 1;
      continue;
    }
    clauses.push([term(tok, now)]);
  }
  return clauses;
}

export function matchesQuery(query: CompiledQuery, m: MailForQuery): boolean {
  return query.every((clause) => clause.some((p) => p(m)));
}
