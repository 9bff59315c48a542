import type { gmail_v1 } from "@googleapis/gmail";
import { printableText } from "@/lib/http/text";
import type { MailSummary, Page } from "../sandbox/gmail";
import { describeFailure } from "./errors";
import { decodeHeader, splitAddressList } from "./mime";

/** Headers a summary needs; `format=metadata` returns only these (and no body or parts). */
const SUMMARY_HEADERS = ["From", "To", "Cc", "Subject", "Content-Type"];
/** messages.get is 5 quota units; 100 at once would trip the per-user rate limit. */
const CONCURRENCY = 10;
/** Mail may hold NUL characters and broken surrogates, which the conversation log cannot store. */
const storable = printableText;

export interface PageArgs {
  labelIds?: string[];
  q?: string;
  maxResults: number;
  pageToken?: string;
  includeBody: boolean;
}

/**
 * users.messages.list (labelIds / q, maxResults, pageToken), then users.messages.get for each id:
 * `format=metadata` with the summary headers, or `format=full` when bodies are wanted. A message
 * deleted between the two calls (404) is left out rather than failing the page.
 */
export async function messagePage(api: gmail_v1.Gmail, args: PageArgs): Promise<Page> {
  const { data } = await api.users.messages.list({
    userId: "me",
    maxResults: args.maxResults,
    ...(args.labelIds?.length ? { labelIds: args.labelIds } : {}),
    ...(args.q ? { q: args.q } : {}),
    ...(args.pageToken ? { pageToken: args.pageToken } : {}),
  });
  const ids = (data.messages ?? []).map((m) => m.id).filter((id): id is string => !!id);
  const messages = await mapLimit(ids, CONCURRENCY, (id) => getSummary(api, id, args.includeBody));
  return {
    messages: messages.filter((m): m is MailSummary => m !== undefined),
    resultSizeEstimate: data.resultSizeEstimate ?? ids.length,
    ...(data.nextPageToken ? { nextPageToken: data.nextPageToken } : {}),
  };
}

async function getSummary(
  api: gmail_v1.Gmail,
  id: string,
  includeBody: boolean,
): Promise<MailSummary | undefined> {
  try {
    const { data } = await api.users.messages.get(
      includeBody
        ? { userId: "me", id, format: "full" }
        : { userId: "me", id, format: "metadata", metadataHeaders: SUMMARY_HEADERS },
    );
    return summarize(data, includeBody);
  } catch (err) {
    if (describeFailure(err).status === 404) return undefined;
    throw err;
  }
}

/** Our summary of a Gmail message resource (the same shape the sandbox returns). */
export function summarize(m: gmail_v1.Schema$Message, includeBody: boolean): MailSummary {
  const header = headerReader(m.payload?.headers);
  const labelIds = m.labelIds ?? [];
  const internal = Number(m.internalDate);
  return {
    id: m.id ?? "",
    threadId: m.threadId ?? "",
    labelIds,
    from: storable(decodeHeader(header("From") ?? "")),
    to: splitAddressList(header("To")).map(storable),
    cc: splitAddressList(header("Cc")).map(storable),
    subject: storable(decodeHeader(header("Subject") ?? "")),
    snippet: storable(decodeEntities(m.snippet ?? "")),
    date: new Date(Number.isFinite(internal) && internal > 0 ? internal : 0).toISOString(),
    unread: labelIds.includes("UNREAD"),
    hasAttachment: includeBody
      ? hasAttachmentPart(m.payload)
      : // metadata has no parts; a mixed multipart is how mail carries attachments.
        /^multipart\/mixed\b/i.test(header("Content-Type") ?? ""),
    ...(includeBody ? { body: storable(bodyText(m.payload)) } : {}),
  };
}

export function headerReader(headers: gmail_v1.Schema$MessagePartHeader[] | undefined) {
  return (name: string): string | undefined =>
    headers?.find((h) => h.name?.toLowerCase() === name.toLowerCase())?.value ?? undefined;
}

function hasAttachmentPart(part: gmail_v1.Schema$MessagePart | undefined): boolean {
  if (!part) return false;
  if (part.filename || part.body?.attachmentId) return true;
  return (part.parts ?? []).some(hasAttachmentPart);
}

/** The text/plain part (the first found, depth first), else the text/html part as plain text. */
function bodyText(payload: gmail_v1.Schema$MessagePart | undefined): string {
  const plain = findPart(payload, "text/plain");
  if (plain) return decodeData(plain.body?.data);
  const html = findPart(payload, "text/html");
  return html ? htmlToText(decodeData(html.body?.data)) : "";
}

function findPart(
  part: gmail_v1.Schema$MessagePart | undefined,
  mimeType: string,
): gmail_v1.Schema$MessagePart | undefined {
  if (!part) return undefined;
  if (part.mimeType?.toLowerCase() === mimeType && !part.filename && part.body?.data) return part;
  for (const p of part.parts ?? []) {
    const hit = findPart(p, mimeType);
    if (hit) return hit;
  }
  return undefined;
}

/** Gmail returns part bodies decoded from their transfer encoding, as base64url UTF-8. */
function decodeData(data: string | null | undefined): string {
  return data ? Buffer.from(data, "base64url").toString("utf8") : "";
}

function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
      .replace(/<br\s*\/?>|<\/(p|div|li|tr|h\d)>/gi, "\n")
      .replace(/<[^>]+>/g, ""),
  )
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Snippets come HTML-escaped (`&#39;`, `&amp;`). */
export function decodeEntities(text: string): string {
  const named: Record<string, string> = {
    amp: "&",
    lt: "<",
    gt: ">",
    quot: '"',
    apos: "'",
    nbsp: " ",
  };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === "#") {
      const code =
        e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      const storable = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
      return storable ? String.fromCodePoint(code) : whole;
    }
    return named[e.toLowerCase()] ?? whole;
  });
}

/** Runs `fn` over `items` with at most `limit` at a time, results in input order. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
