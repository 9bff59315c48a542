import { describe, expect, it } from "vitest";
import {
  MimeError,
  buildMessage,
  decodeHeader,
  encodedWords,
  splitAddressList,
  toRaw,
} from "@/mcp-server/providers/gmail/mime";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** Header lines (as sent) and the unfolded headers of a built message. */
function parts(message: string) {
  const split = message.indexOf("\r\n\r\n");
  const head = message.slice(0, split);
  const lines = head.split("\r\n");
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n([ \t])/g, "$1").split("\r\n")) {
    const i = line.indexOf(":");
    headers.set(line.slice(0, i), line.slice(i + 2));
  }
  return { lines, headers, body: message.slice(split + 4) };
}

/** An independent RFC 2047 "B" decoder for what we produce (UTF-8 only). */
function decodeWords(value: string): string {
  return Buffer.concat(
    value.split(" ").map((w) => {
      const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/.exec(w);
      if (!m) throw new Error(`not an encoded-word: ${w}`);
      return Buffer.from(m[1]!, "base64");
    }),
  ).toString("utf8");
}

describe("RFC 2822 message builder", () => {
  it("ascii_message_has_exact_headers_crlf_and_a_base64_body", () => {
    const message = buildMessage({
      to: ["ana@example.com"],
      cc: ["bo@example.com"],
      bcc: ["cy@example.com"],
      subject: "Hello",
      body: "Line one\nLine two",
    });
    expect(message).toBe(
      "To: ana@example.com\r\n" +
        "Cc: bo@example.com\r\n" +
        "Bcc: cy@example.com\r\n" +
        "Subject: Hello\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=UTF-8\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        `${b64("Line one\r\nLine two")}\r\n`,
    );
    // No bare LF or CR anywhere.
    expect(message.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(toRaw(message)).toBe(Buffer.from(message).toString("base64url"));
    expect(toRaw(message)).not.toMatch(/[+/]/);
  });

  it("non_ascii_subject_becomes_utf8_encoded_words_that_never_split_a_character", () => {
    const subject = "Grüße aus Köln — 東京 🚗 ".repeat(6).trim();
    const { lines, headers } = parts(buildMessage({ to: ["a@example.com"], subject, body: "" }));
    const value = headers.get("Subject")!;
    expect(decodeWords(value)).toBe(subject);
    for (const w of value.split(" ")) {
      expect(w.length).toBeLessThanOrEqual(75);
      // Each word decodes on its own to valid UTF-8 (no character cut in half).
      const bytes = Buffer.from(w.slice(10, -2), "base64");
      expect(new TextDecoder("utf-8", { fatal: true }).decode(bytes)).toBeTruthy();
    }
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(76);
    expect(decodeHeader(value)).toBe(subject);
    expect(encodedWords("é")).toEqual([`=?UTF-8?B?${b64("é")}?=`]);
  });

  it("non_ascii_body_is_utf8_in_base64_lines_of_76", () => {
    const body = "Grüße — ".repeat(40) + "\n🚗";
    const { body: encoded } = parts(buildMessage({ to: ["a@example.com"], subject: "x", body }));
    const lines = encoded.split("\r\n");
    expect(lines.at(-1)).toBe("");
    for (const line of lines.slice(0, -1)) {
      expect(line.length).toBeLessThanOrEqual(76);
      expect(line).toMatch(/^[A-Za-z0-9+/=]+$/);
    }
    expect(Buffer.from(lines.join(""), "base64").toString("utf8")).toBe(
      body.replace(/\n/g, "\r\n"),
    );
  });

  it("long_lines_fold_at_spaces_and_unfold_to_the_same_value", () => {
    const subject = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ") + "  two  spaces";
    const to = Array.from({ length: 30 }, (_, i) => `person${i}@example.com`);
    const { lines, headers } = parts(buildMessage({ to, subject, body: "x".repeat(5000) }));
    expect(headers.get("Subject")).toBe(subject);
    expect(headers.get("To")).toBe(to.join(", "));
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(76);
    expect(lines.filter((l) => l.startsWith(" ")).length).toBeGreaterThan(5);

    // A 998-character run without spaces cannot be folded: it is encoded instead, so no line
    // breaks the hard limit.
    const run = "x".repeat(998);
    const long = parts(buildMessage({ to: ["a@example.com"], subject: run, body: "" }));
    expect(decodeWords(long.headers.get("Subject")!)).toBe(run);
    for (const line of long.lines) expect(line.length).toBeLessThanOrEqual(998);
  });

  it("display_names_are_atoms_quoted_or_encoded", () => {
    const { headers } = parts(
      buildMessage({
        from: { name: "José Müller", address: "jose@example.com" },
        to: [
          { name: "Ana Smith", address: "ana@example.com" },
          { name: 'O"Brien, Pat', address: "pat@example.com" },
          "plain@example.com",
        ],
        subject: "Hi",
        body: "",
      }),
    );
    const from = headers.get("From")!;
    expect(from).toMatch(/^=\?UTF-8\?B\?\S+\?= <jose@example\.com>$/);
    expect(decodeHeader(from)).toBe("José Müller <jose@example.com>");
    expect(headers.get("To")).toBe(
      'Ana Smith <ana@example.com>, "O\\"Brien, Pat" <pat@example.com>, plain@example.com',
    );
    expect(splitAddressList(headers.get("To"))).toEqual([
      "Ana Smith <ana@example.com>",
      '"O\\"Brien, Pat" <pat@example.com>',
      "plain@example.com",
    ]);
  });

  it("a_reply_carries_in_reply_to_and_references", () => {
    const { headers } = parts(
      buildMessage({
        to: ["a@example.com"],
        subject: "Re: Hi",
        body: "",
        inReplyTo: "<b@mail.example.com>",
        references: ["<a@mail.example.com>", "<b@mail.example.com>"],
      }),
    );
    expect(headers.get("In-Reply-To")).toBe("<b@mail.example.com>");
    expect(headers.get("References")).toBe("<a@mail.example.com> <b@mail.example.com>");
  });

  it("header_injection_is_refused_not_stripped", () => {
    const base = { to: ["a@example.com"], subject: "ok", body: "" };
    const attempts = [
      { ...base, subject: "Hi\r\nBcc: victim@example.com" },
      { ...base, subject: "Hi\nX-Evil: 1" },
      { ...base, subject: "Hi\rX-Evil: 1" },
      { ...base, to: ["a@example.com\r\nBcc: victim@example.com"] },
      { ...base, to: ["a@example.com>, <victim@example.com"] },
      { ...base, from: { name: "Eve\r\nBcc: x@example.com", address: "eve@example.com" } },
      { ...base, inReplyTo: "<a@b>\r\nBcc: victim@example.com" },
      { ...base, inReplyTo: "not-a-message-id" },
    ];
    for (const spec of attempts) expect(() => buildMessage(spec)).toThrow(MimeError);
    // A body may hold anything: it is base64, so it cannot start new headers.
    const message = buildMessage({ ...base, body: "\r\n\r\nBcc: victim@example.com" });
    expect(parts(message).headers.has("Bcc")).toBe(false);
  });

  it("ascii_that_looks_like_an_encoded_word_is_encoded_so_it_reads_back_verbatim", () => {
    const subject = "Literal =?UTF-8?B?SGk=?= text";
    const { headers } = parts(buildMessage({ to: ["a@example.com"], subject, body: "" }));
    expect(decodeWords(headers.get("Subject")!)).toBe(subject);
  });

  it("decodes_q_and_b_words_and_leaves_plain_values_alone", () => {
    expect(decodeHeader("=?ISO-8859-1?Q?Andr=E9?= Pirard <a@b.c>")).toBe("André Pirard <a@b.c>");
    expect(decodeHeader("=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IFdvcmxk?=")).toBe("Hello World");
    expect(decodeHeader("Plain subject")).toBe("Plain subject");
    expect(decodeHeader("=?UTF-8?Q?a_b?=")).toBe("a b");
  });
});
