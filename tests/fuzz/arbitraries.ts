import fc from "fast-check";
import type { FuzzRequest } from "./harness";
import { HTTP_METHODS } from "./router";

/** Characters that have crashed servers before: NUL, lone surrogates, controls, bidi, emoji. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const nastyChar = fc.oneof(
  fc.constantFrom("\u0000", "\u0001", "\u001b", "\u007f", "\u2028", "\u202e", "\ufeff", "\uffff"),
  loneSurrogate,
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);

/** Strings a client might send on purpose or by accident; bounded so a run stays quick. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 24 }), weight: 3 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 24 }), weight: 2 },
  {
    arbitrary: fc
      .tuple(fc.string({ maxLength: 8 }), nastyChar, fc.string({ maxLength: 8 }))
      .map(([a, c, b]) => a + c + b),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom(
      "",
      " ",
      "\u0000",
      "hello\u0000world",
      "\ud800",
      "\udfff",
      "tail \ud83d",
      "../../../etc/passwd",
      "..",
      "%00",
      "%2e%2e%2f",
      "🙂👍🏽",
      "<script>alert(1)</script>",
      "' OR 1=1 --",
      "${jndi:ldap://x}",
      "\r\nX-Injected: 1",
      "null",
      "NaN",
      "-1",
      "1e309",
      "__proto__",
      "constructor",
      "00000000-0000-0000-0000-000000000000",
    ),
    weight: 3,
  },
  {
    arbitrary: fc.integer({ min: 1_000, max: 40_000 }).map((n) => "x".repeat(n)),
    weight: 1,
  },
);

/** Any JSON value, with nasty strings as keys and values (lone surrogates survive as \\uD800). */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.constantFrom(0, -0, 1e308, -1e-308, Number.MAX_SAFE_INTEGER + 2),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    nastyString,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(nastyString, tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** JSON text nested thousands of levels deep (arrays, objects, or both), valid or cut short. */
export const deepJson: fc.Arbitrary<string> = fc
  .record({
    depth: fc.constantFrom(1_000, 5_000, 20_000, 100_000),
    kind: fc.constantFrom("array", "object", "mixed"),
    closed: fc.boolean(),
    wrapKey: fc.constantFrom(undefined, "text", "title", "arguments", "input", "params"),
  })
  .map(({ depth, kind, closed, wrapKey }) => {
    const open = (i: number) =>
      kind === "array" || (kind === "mixed" && i % 2 === 0) ? "[" : '{"a":';
    const close = (i: number) =>
      kind === "array" || (kind === "mixed" && i % 2 === 0) ? "]" : "}";
    let head = "";
    let tail = "";
    for (let i = 0; i < depth; i++) {
      head += open(i);
      tail = close(i) + tail;
    }
    const inner = `${head}1${closed ? tail : ""}`;
    return wrapKey ? `{"${wrapKey}":${inner}${closed ? "}" : ""}` : inner;
  });

/** Raw bytes that are not UTF-8, and other things that are not JSON at all. */
export const notJson: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom("", "{", '{"text":', "[1,2", "nul\u0000l", "undefined", "'single'", "{a:1}"),
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 40 }),
  fc.constant(new Uint8Array([0xed, 0xa0, 0x80])), // a surrogate encoded as UTF-8 (invalid)
  fc.constant(new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00])), // UTF-16 with a BOM
);

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant("application/json"), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      undefined,
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/problem+json",
      "application/jsonx",
      "text/plain",
      "text/html",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/octet-stream",
      "",
      "application/json; charset=utf-16",
      "*/*",
    ),
    weight: 3,
  },
);

/** A JSON body from a field list: the right names with wrong or nasty values, extras, gaps. */
export function bodyLike(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> {
  const known = fc.record(
    Object.fromEntries(
      Object.entries(fields).map(([k, v]) => [k, fc.oneof({ arbitrary: v, weight: 3 }, jsonValue)]),
    ),
    { requiredKeys: [] },
  );
  return fc
    .tuple(known, fc.option(fc.dictionary(nastyString, jsonValue, { maxKeys: 2 }), { freq: 4 }))
    .map(([k, extra]) => JSON.stringify({ ...k, ...(extra ?? {}) }));
}

export const hugeBody = (bytes: number): fc.Arbitrary<string> =>
  fc
    .constantFrom("text", "title", "input", "arguments")
    .map((key) => `{"${key}":"${"a".repeat(bytes)}"}`);

/** A body for a route: mostly its own shape gone wrong, sometimes anything at all. */
export function anyBody(shaped: fc.Arbitrary<string>): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    { arbitrary: shaped, weight: 8 },
    { arbitrary: jsonValue.map((v) => JSON.stringify(v) ?? "null"), weight: 3 },
    { arbitrary: notJson, weight: 2 },
    { arbitrary: deepJson, weight: 1 },
    { arbitrary: hugeBody(70 * 1024), weight: 1 },
  );
}

export const method = fc.oneof(
  { arbitrary: fc.constantFrom(...HTTP_METHODS), weight: 9 },
  { arbitrary: fc.constantFrom("TRACE", "PROPFIND", "get", "FOO"), weight: 1 },
);

/**
 * One path segment as a client would put it on the wire: percent-encoded, or sometimes raw
 * (`..`, `%`), or encoding a lone surrogate as the invalid UTF-8 bytes a sloppy client sends.
 */
export function encodeSegment(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const isHigh = c >= 0xd800 && c <= 0xdbff;
    const next = value.charCodeAt(i + 1);
    if (isHigh && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // WTF-8: what a client that does not check its strings puts on the wire.
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join("");
    } else {
      out += encodeURIComponent(value[i]!);
    }
  }
  return out;
}

export const rawSegment = fc.constantFrom("..", ".", "%", "%zz", "%00", "%2F", "a%2Fb", "%C0%AE");

/** Query strings with resume cursors and pagination values that are almost right. */
export const query: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constant(""), weight: 4 },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom("after", "limit", "order", "before", "status", "scope", "x"),
        fc.oneof(
          fc.constantFrom(
            "0",
            "1",
            "-1",
            "1e3",
            "0x10",
            " 1",
            "",
            "99999999999999999999",
            "9007199254740993",
            "%00",
            "%ED%A0%80",
            "desc",
            "asc",
            "pending",
          ),
          nastyString.map(encodeSegment),
        ),
      )
      .map(([k, v]) => `?${k}=${v}`),
    weight: 3,
  },
  { arbitrary: fc.constantFrom("?after=1&after=2", "?&&", "?=", "?after", "?%"), weight: 1 },
);

/** Header values an HTTP client can send (visible Latin-1; Node refuses controls anyway). */
export const headerText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, "")),
  fc.constantFrom("", "-1", "1e3", "99999999999999999999", "0x10", "abc", " 7 ", "\u00ff\u00e9"),
);

export interface Principals {
  /** Name → complete header set (authorization or x-api-key), `{}` for "no credentials". */
  [name: string]: Record<string, string>;
}

/** Assembles a FuzzRequest from parts. */
export function request(parts: {
  method: string;
  path: string;
  auth: Record<string, string>;
  contentType?: string;
  body?: string | Uint8Array;
  extraHeaders?: Record<string, string>;
  note?: string;
}): FuzzRequest {
  const headers: Record<string, string> = { ...parts.auth, ...parts.extraHeaders };
  if (parts.contentType !== undefined) headers["content-type"] = parts.contentType;
  // Clients send no body with GET and HEAD (fetch refuses to).
  const body = /^(GET|HEAD)$/i.test(parts.method) ? undefined : parts.body;
  if (body !== undefined) {
    const bytes = typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.length;
    headers["content-length"] = String(bytes);
  }
  return {
    method: parts.method,
    path: parts.path,
    headers,
    body,
    note: parts.note,
  };
}
