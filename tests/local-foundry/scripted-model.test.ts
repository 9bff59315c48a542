import { describe, expect, it } from "vitest";
import { chunkText } from "@/lib/local-foundry/model/chunk";
import { ScriptedModel } from "@/lib/local-foundry/model/scripted";
import { scriptedReply } from "@/lib/local-foundry/model/scripted-replies";
import { LocalModelError, type ModelInput } from "@/lib/local-foundry/model/types";

const ask = (
  text: string,
  earlier: ModelInput["messages"] = [],
  instructions: string | null = null,
): ModelInput => ({
  instructions,
  messages: [...earlier, { role: "user", text }],
});

async function run(input: ModelInput, signal = new AbortController().signal) {
  const chunks: string[] = [];
  let error: unknown;
  try {
    for await (const c of new ScriptedModel({ pacingMs: 0 }).stream(input, signal))
      if (typeof c === "string") chunks.push(c);
  } catch (err) {
    error = err;
  }
  return { chunks, text: chunks.join(""), error };
}

describe("chunkText", () => {
  it.each(["hello world", "  leading space", "a\n\nb  c\td", "```ts\ncode();\n```\n", "", "   "])(
    "keeps every character of %j",
    (text) => {
      expect(chunkText(text, 3).join("")).toBe(text);
    },
  );

  it("groups a few words per chunk", () => {
    expect(chunkText("one two three four five", 2)).toEqual(["one two ", "three four ", "five"]);
  });
});

describe("the scripted model", () => {
  it("is deterministic", async () => {
    const input = ask("tell me something", [
      { role: "user", text: "hi" },
      { role: "assistant", text: "Hello!" },
    ]);
    expect((await run(input)).text).toBe((await run(input)).text);
  });

  it("greets", async () => {
    expect(scriptedReply(ask("Hello there")).rule).toBe("greeting");
    expect((await run(ask("hi"))).text).toMatch(/^Hello! I'm the scripted model/);
  });

  it("shows Markdown for 'markdown' or 'demo'", async () => {
    for (const q of ["show me markdown", "a demo please"]) {
      const { text } = await run(ask(q));
      expect(text).toMatch(/^# Markdown showcase/);
      expect(text).toContain("- **bold**");
      expect(text).toMatch(/```ts\n[\s\S]+\n```/);
      expect(text).toContain("| tool | risk | approval |");
    }
  });

  it("gives a long answer of many chunks for 'long' (not for 'belong')", async () => {
    const { chunks } = await run(ask("give me a long answer"));
    expect(chunks.length).toBeGreaterThanOrEqual(40);
    expect(scriptedReply(ask("where do I belong")).rule).toBe("echo");
  });

  it("echoes the message and counts the history", async () => {
    const first = await run(ask("What is 2+2?"));
    expect(first.text).toContain('You said: "What is 2+2?"');
    expect(first.text).toContain("first message of our conversation");
    const later = await run(
      ask(
        "And 3+3?",
        [
          { role: "user", text: "What is 2+2?" },
          { role: "assistant", text: "4" },
        ],
        "Be brief.",
      ),
    );
    expect(later.text).toContain("has 2 earlier messages");
    expect(later.text).toContain("My instructions: _Be brief._");
  });

  it("fails with tool_user_error before any text on /fail", async () => {
    const { chunks, error } = await run(ask("please /fail"));
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(LocalModelError);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "tool_user_error" });
    expect(JSON.parse((error as Error).message)).toMatchObject({
      error: "Validation Error",
      type: "ValidationError",
    });
  });

  it("fails with server_error after some text on /fail-late", async () => {
    const { text, error } = await run(ask("/fail-late"));
    expect(text.length).toBeGreaterThan(0);
    expect(error).toMatchObject({ type: "server_error", code: "server_error" });
  });

  it("stops promptly when aborted between paced chunks", async () => {
    const controller = new AbortController();
    const chunks: string[] = [];
    const started = Date.now();
    for await (const c of new ScriptedModel({ pacingMs: 1000 }).stream(
      ask("long"),
      controller.signal,
    )) {
      if (typeof c === "string") chunks.push(c);
      setTimeout(() => controller.abort(), 20);
    }
    expect(chunks).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(900);
  });
});
