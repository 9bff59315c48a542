/**
 * The RFC 5322 / MIME text the Gmail API's `raw` field carries (users.messages.send,
 * users.drafts.create): Gmail sends exactly what it is given, so encoding is ours to get right.
 * Pure: no I/O, no clock (Gmail adds Date and Message-ID; it fills From with the account when
 * absent).
 *
 * - every line ends in CRLF; header lines are folded to ≤ 78 characters where the value allows;
 * - non-ASCII in Subject or a display name becomes RFC 2047 encoded-words (`=?UTF-8?B?…?=`, each
 *   ≤ 75 characters, never splitting a character);
 * - the body is `text/plain; charset=UTF-8` in base64 (76-character lines), so neither long lines
 *   nor any character can break the 998-character line limit or be mangled in transit;
 * - CR or LF in any header value is refused (header injection), never stripped.
 */

export interface Mailbox {
  address: string;
  name?: string;
}

export interface MessageSpec {
  from?: Mailbox;
  to: (string | Mailbox)[];
  cc?: (string | Mailbox)[];
  bcc?: (string | Mailbox)[];
  subject: string;
  body: string;
  /** Message-ID of the message replied to, `<…>`; adds In-Reply-To. */
  inReplyTo?: string;
  /** The thread's References so far (Message-IDs); the replied-to id is appended. */
  references?: string[];
}

/** A value that cannot be put into a header safely; the message is not built. */
export class MimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MimeError";
  }
}

const CRLF = "\r\n";
/**
 * Header lines stay within 76 characters where the value allows: RFC 5322 asks for 78, and RFC
 * 2047 caps a line that carries an encoded-word at 76.
 */
const MAX_LINE = 76;
/** An encoded-word fits on a first line after the longest header name we write ("Subject: "). */
const MAX_ENCODED_WORD = MAX_LINE - "Subject: ".length;
const ENCODED_WORD_OVERHEAD = "=?UTF-8?B??=".length;

/** The whole message as RFC 5322 text (CRLF line ends). */
export function buildMessage(spec: MessageSpec): string {
  const headers: string[] = [];
  if (spec.from) headers.push(addressHeader("From", [spec.from]));
  if (spec.to.length > 0) headers.push(addressHeader("To", spec.to));
  if (spec.cc?.length) headers.push(addressHeader("Cc", spec.cc));
  if (spec.bcc?.length) headers.push(addressHeader("Bcc", spec.bcc));
  headers.push(unstructuredHeader("Subject", spec.subject));
  if (spec.inReplyTo) {
    const id = messageId(spec.inReplyTo, "In-Reply-To");
    headers.push(`In-Reply-To: ${id}`);
    const refs = [...(spec.references ?? []).map((r) => messageId(r, "References")), id];
    headers.push(fold("References", spaced([...new Set(refs)])));
  }
  headers.push(
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: base64",
  );
  return headers.join(CRLF) + CRLF + CRLF + base64Body(spec.body);
}

/** `raw` for the Gmail API: the message in base64url (RFC 4648 §5), as Gmail documents. */
export function toRaw(message: string): string {
  return Buffer.from(message, "utf8").toString("base64url");
}

// ---- headers ----

/** A piece of a header value and what separates it from the piece before. */
interface Token {
  sep: string;
  text: string;
}

const spaced = (parts: string[]): Token[] => parts.map((text) => ({ sep: " ", text }));

/**
 * `Name: …` with the tokens in order, folded (CRLF + space) before a token that would take the
 * line past MAX_LINE. Folding only ever replaces a space, so unfolding gives back the value.
 */
function fold(name: string, tokens: Token[]): string {
  const lines: string[] = [];
  let line = `${name}:`;
  tokens.forEach((t, i) => {
    const piece = (i === 0 ? " " : t.sep) + t.text;
    if (i > 0 && line.length + piece.length > MAX_LINE && t.sep.endsWith(" ")) {
      lines.push(line + t.sep.slice(0, -1));
      line = " " + t.text;
    } else {
      line += piece;
    }
  });
  lines.push(line);
  return lines.join(CRLF);
}

function assertSingleLine(value: string, field: string): void {
  if (/[\r\n]/.test(value)) throw new MimeError(`${field} must be a single line.`);
}

/** Printable ASCII (and tab) that cannot be mistaken for an encoded-word. */
function isPlain(value: string): boolean {
  return /^[\t\x20-\x7e]*$/.test(value) && !value.includes("=?");
}

function unstructuredHeader(name: string, value: string): string {
  assertSingleLine(value, name);
  if (value === "") return `${name}: `;
  if (isPlain(value)) {
    // Split on single spaces so that unfolding restores runs of spaces exactly.
    const folded = fold(name, spaced(value.split(" ")));
    // A run without spaces cannot be folded; past the hard limit it must be encoded instead.
    if (folded.split(CRLF).every((l) => l.length <= 998)) return folded;
  }
  return fold(name, spaced(encodedWords(value)));
}

/**
 * RFC 2047 "B" encoded-words of UTF-8, each at most MAX_ENCODED_WORD characters. Chunks end on
 * character boundaries (a code point is never split across two words, which decoders mangle).
 */
export function encodedWords(value: string): string[] {
  const maxBytes = Math.floor((MAX_ENCODED_WORD - ENCODED_WORD_OVERHEAD) / 4) * 3;
  const words: string[] = [];
  let chunk = "";
  let bytes = 0;
  for (const ch of value) {
    const n = Buffer.byteLength(ch, "utf8");
    if (bytes + n > maxBytes && chunk) {
      words.push(encodedWord(chunk));
      chunk = "";
      bytes = 0;
    }
    chunk += ch;
    bytes += n;
  }
  if (chunk) words.push(encodedWord(chunk));
  return words;
}

function encodedWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, "utf8").toString("base64")}?=`;
}

function addressHeader(name: string, list: (string | Mailbox)[]): string {
  const tokens = list.flatMap((m, i) => {
    const parts = mailbox(typeof m === "string" ? { address: m } : m, name);
    return parts.map((text, j) => ({ sep: j > 0 ? " " : i > 0 ? ", " : " ", text }));
  });
  return fold(name, tokens);
}

const ADDRESS = /^[\x21-\x7e]+@[\x21-\x7e]+$/;
const ATOM_TEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/;

/** One mailbox as header tokens: `["ana@example.com"]` or `[…name words, "<ana@example.com>"]`. */
function mailbox(m: Mailbox, field: string): string[] {
  assertSingleLine(m.address, field);
  if (!ADDRESS.test(m.address) || /[<>,;:"()\\[\]]/.test(m.address))
    throw new MimeError(`${field} holds an address that cannot be written into a header.`);
  if (m.name === undefined || m.name.trim() === "") return [m.address];
  assertSingleLine(m.name, field);
  return [...displayName(m.name), `<${m.address}>`];
}

/** A phrase (RFC 5322 §3.2.5): atoms as they are, other ASCII quoted, non-ASCII encoded. */
function displayName(name: string): string[] {
  if (!isPlain(name)) return encodedWords(name);
  if (ATOM_TEXT.test(name) && !/^ | $| {2}/.test(name)) return name.split(" ");
  return [`"${name.replace(/(["\\])/g, "\\$1")}"`];
}

const MESSAGE_ID = /^<[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+>$/;

function messageId(id: string, field: string): string {
  assertSingleLine(id, field);
  const trimmed = id.trim();
  if (!MESSAGE_ID.test(trimmed)) throw new MimeError(`${field} is not a Message-ID (<…@…>).`);
  return trimmed;
}

// ---- body ----

/** Canonical text (CRLF line ends, RFC 2046 §4.1.1) in base64 lines of 76 characters. */
function base64Body(body: string): string {
  const canonical = body.replace(/\r\n|\r|\n/g, CRLF);
  const encoded = Buffer.from(canonical, "utf8").toString("base64");
  const lines = encoded.match(/.{1,76}/g) ?? [];
  return lines.join(CRLF) + CRLF;
}

// ---- reading ----

/**
 * Decodes RFC 2047 encoded-words in a header value (B and Q, UTF-8 and Latin-1/ASCII; other
 * charsets through TextDecoder when Node knows them). Whitespace between adjacent encoded-words is
 * dropped, as the RFC says. Values without encoded-words come back unchanged.
 */
export function decodeHeader(value: string): string {
  const word = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
  if (!word.test(value)) return value;
  return value
    .replace(/(\?=)\s+(?==\?)/g, "$1")
    .replace(word, (whole, charset: string, enc: string, text: string) => {
      try {
        const bytes =
          enc.toUpperCase() === "B"
            ? Buffer.from(text, "base64")
            : Buffer.from(
                text
                  .replace(/_/g, " ")
                  .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) =>
                    String.fromCharCode(parseInt(h, 16)),
                  ),
                "latin1",
              );
        return new TextDecoder(charset.split("*")[0]!.toLowerCase()).decode(bytes);
      } catch {
        return whole;
      }
    });
}

/**
 * The entries of an address-list header (To, Cc), split on commas outside quotes and angle
 * brackets, decoded and trimmed: `["Ana <ana@example.com>", "bo@example.com"]`.
 */
export function splitAddressList(value: string | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  let current = "";
  let quoted = false;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === "\\" && quoted) {
      current += ch + (value[++i] ?? "");
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (ch === "<" && !quoted) angle = true;
    else if (ch === ">" && !quoted) angle = false;
    if (ch === "," && !quoted && !angle) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  out.push(current);
  return out.map((a) => decodeHeader(a.replace(/\s+/g, " ").trim())).filter(Boolean);
}
