// @vitest-environment jsdom
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { Markdown } from "@/components/chat/Markdown";
import { loadMarkdown, TurnView } from "@/components/chat/TurnView";
import { visibleText } from "@/components/chat/blocks/citations";
import { ToolCallCard } from "@/components/chat/blocks/ToolCallCard";
import { normalizeResponse } from "@/lib/agents/normalizer";
import type { ChatEvent } from "@/lib/chat/events";
import { reduceAll, type ToolCallBlock, type Turn } from "@/lib/chat/reducer";
import { stamper } from "./helpers/events";

afterEach(cleanup);

const web = {
  kind: "url" as const,
  title: "Contoso pricing",
  url: "https://contoso.example/pricing",
};
const file = {
  kind: "file" as const,
  title: "report.pdf",
  fileId: "file_1",
  filename: "report.pdf",
};

function turnOf(events: ChatEvent[]): Turn {
  return reduceAll(events).turns[0]!;
}

describe("citations in an answer", () => {
  it("render as superscript links and a Sources list, with no raw marker left (bug: raw 【6:0†source】 markers shown)", async () => {
    // A message as Foundry sends it: raw markers, annotations covering them.
    const text = "The laptop costs $1,299【6:0†source】 and ships in May【4:0†report.pdf】.";
    const start = text.indexOf("【6:0");
    const drafts = normalizeResponse({
      id: "resp_1",
      status: "completed",
      output: [
        {
          type: "message",
          id: "msg_1",
          role: "assistant",
          status: "completed",
          content: [
            {
              type: "output_text",
              text,
              annotations: [
                {
                  type: "url_citation",
                  url: web.url,
                  title: web.title,
                  start_index: start,
                  end_index: start + "【6:0†source】".length,
                },
                { type: "file_citation", file_id: "file_1", filename: "report.pdf", index: 0 },
              ],
            },
          ],
        },
      ],
    });
    const turn = turnOf(stamper()("run_1", drafts));
    // TurnView loads the Markdown renderer on first use; a cold load can outlast findBy's wait.
    await loadMarkdown();
    render(<TurnView turn={turn} />);

    const answer = screen.getByTestId("assistant-message");
    expect(answer.textContent).not.toMatch(/[【】†]/);
    const sources = screen.getByRole("navigation", { name: "Sources" });
    const items = within(sources).getAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual([
      expect.stringContaining("Contoso pricing"),
      expect.stringContaining("report.pdf"),
    ]);
    const link = within(sources).getByRole("link", { name: "Contoso pricing" });
    expect(link.getAttribute("href")).toBe(web.url);
    expect(link.getAttribute("target")).toBe("_blank");
    expect(link.getAttribute("rel")).toBe("noopener noreferrer");
    // A file has nothing to open: its name, no link.
    expect(within(items[1]!).queryByRole("link")).toBeNull();

    // The answer is plain text until the lazily loaded renderer takes over; the references follow.
    const refs = await screen.findAllByTestId("citation-ref");
    expect(refs.map((r) => r.textContent)).toEqual(["1", "2"]);
    const webRef = screen.getByRole("link", { name: "Source 1: Contoso pricing" });
    expect(webRef.getAttribute("href")).toBe(web.url);
    expect(webRef.getAttribute("rel")).toBe("noopener noreferrer");
    const fileRef = screen.getByRole("link", { name: "Source 2: report.pdf" });
    const anchor = fileRef.getAttribute("href")!.slice(1);
    expect(document.getElementById(anchor)).toBe(items[1]);
  });

  it("leaves [n] alone inside code and when it is not a known citation", () => {
    render(
      <Markdown
        text={"Use `arr[1]` here[1], not [7]."}
        streaming={false}
        citations={[web]}
        idPrefix="x"
      />,
    );
    expect(screen.getAllByTestId("citation-ref")).toHaveLength(1);
    expect(document.body.textContent).toContain("arr[1]");
    expect(document.body.textContent).toContain("[7]");
  });

  it("still renders the answer's own links as links", () => {
    render(
      <Markdown
        text={"Read [the docs](https://docs.example/) first[1]."}
        streaming={false}
        citations={[web]}
      />,
    );
    // A real link (not a button; it asks before leaving), not turned into a citation.
    expect(screen.getByRole("link", { name: "the docs" }).getAttribute("href")).toBe(
      "https://docs.example/",
    );
    expect(screen.getByRole("link", { name: "Source 1: Contoso pricing" })).toBeTruthy();
  });

  it("hides a marker still arriving while the answer streams (bug: half a 【 marker flashed)", () => {
    expect(visibleText("Priced at $1,299【6:0†so", true)).toBe("Priced at $1,299");
    expect(visibleText("Priced at $1,299【6:0†source】 today", true)).toBe(
      "Priced at $1,299 today",
    );
    render(<Markdown text={"Priced at $1,299【6:0†so"} streaming citations={[file]} />);
    expect(document.body.textContent).not.toContain("【");
  });
});

describe("tool call card", () => {
  const base: ToolCallBlock = {
    type: "tool_call",
    callId: "c1",
    kind: "function",
    name: "get_time",
    arguments: '{"tz":"UTC"}',
    status: "completed",
    output: "12:00",
    durationMs: 1500,
  };

  it.each([
    ["mcp", "MCP tool"],
    ["function", "Function"],
    ["openapi", "API call"],
    ["file_search", "File search"],
    ["web_search", "Web search"],
    ["code_interpreter", "Code interpreter"],
    ["other", "Tool"],
  ] as const)(
    "shows name, server, arguments, status, result and duration for %s",
    (kind, label) => {
      render(<ToolCallCard block={{ ...base, kind, serverLabel: "srv" }} />);
      const card = screen.getByTestId("tool-call");
      expect(card.textContent).toContain("get_time");
      expect(card.textContent).toContain(`${label} · srv`);
      expect(card.textContent).toContain("completed");
      expect(card.textContent).toContain("1.5 s");
      expect(card.textContent).toContain("UTC");
      expect(card.textContent).toContain("12:00");
    },
  );

  it("shows the error and the arguments of a failed call", () => {
    render(
      <ToolCallCard
        block={{ ...base, status: "failed", output: undefined, error: "HTTP 500: boom" }}
      />,
    );
    const card = screen.getByTestId("tool-call");
    expect(card.textContent).toContain("HTTP 500: boom");
    expect(card.textContent).toContain('"tz": "UTC"');
  });
});

describe("tool call card, per kind", () => {
  it("labels code as code and says when a completed call returned nothing", () => {
    render(
      <ToolCallCard
        block={{
          type: "tool_call",
          callId: "ci",
          kind: "code_interpreter",
          name: "code_interpreter",
          arguments: "print(1)",
          status: "completed",
          durationMs: 20,
        }}
      />,
    );
    const card = screen.getByTestId("tool-call");
    expect(within(card).getByRole("heading", { name: "Code" })).toBeTruthy();
    expect(card.textContent).toContain("No result was returned.");
    expect(card.textContent).toContain("20 ms");
  });

  it("says a call whose output is still to come is waiting for it", () => {
    render(
      <ToolCallCard
        block={{ type: "tool_call", callId: "f", kind: "function", name: "f", status: "running" }}
      />,
    );
    expect(screen.getByTestId("tool-call").textContent).toContain("Waiting for the result…");
  });
});
