import { detectToolCall } from "./intents";
import { answerFromTool } from "./tool-answers";
import type { ModelInput, ToolCallRequest, ToolMessage, UrlCitation } from "./types";

/**
 * The scripted model's rules (documented in docs/LOCAL_AGENT_SERVICE.md). Pure and deterministic:
 * the same conversation always gets the same answer, which is what tests and demos need.
 * Rules are tried in order on the last user message:
 *   1. contains `/fail-late` → some text, then a server_error
 *   2. contains `/fail`      → tool_user_error before any text (like the recorded OpenAPI failure)
 *   -  a tool call already answered this message → an answer from its outcome (tool-answers.ts)
 *   -  a tool intent whose tool is listed        → that tool call (intents.ts)
 *   3. the word "long"       → a long answer (about a hundred chunks) for Stop / reload tests
 *   4. "markdown" or "demo"  → a Markdown showcase (heading, lists, code block, table, quote)
 *   5. a greeting            → a greeting that says what to try
 *   6. anything else         → an echo quoting the message and counting the history
 */
export type ScriptedReply =
  | { kind: "text"; rule: string; text: string; citations?: UrlCitation[] }
  | { kind: "tool_call"; rule: "tool"; text: ""; call: ToolCallRequest }
  | {
      kind: "error";
      rule: string;
      text: string;
      error: { type: "invalid_request_error" | "server_error"; code: string; message: string };
    };

export function scriptedReply(input: ModelInput, now: Date = new Date()): ScriptedReply {
  const lastUserIndex = findLastIndex(input.messages, (m) => m.role === "user");
  const last = lastUserIndex >= 0 ? input.messages[lastUserIndex]! : undefined;
  const said = last && last.role !== "tool" ? last.text : "";
  const earlier = input.messages
    .slice(0, Math.max(0, lastUserIndex))
    .filter((m) => m.role !== "tool").length;
  const lower = said.toLowerCase();

  if (lower.includes("/fail-late")) return failLate();
  if (lower.includes("/fail")) return failEarly();
  const calls = input.messages
    .slice(lastUserIndex + 1)
    .filter((m): m is ToolMessage => m.role === "tool");
  if (calls.length > 0) {
    const answer = answerFromTool(calls[calls.length - 1]!.call);
    return { kind: "text", rule: "tool-result", text: answer.text, citations: answer.citations };
  }
  if (isRetryRequest(said)) return retryLastCall(input);
  const call = detectToolCall(said, input.tools ?? [], now);
  if (call) return { kind: "tool_call", rule: "tool", text: "", call };
  if (input.notices?.length) {
    return {
      kind: "text",
      rule: "notice",
      text: `${input.notices.join("\n\n")}\n\nSo I could not do what you asked with those tools.`,
    };
  }
  if (/\blong\b/.test(lower)) return { kind: "text", rule: "long", text: LONG };
  if (/\b(markdown|demo)\b/.test(lower)) return { kind: "text", rule: "markdown", text: MARKDOWN };
  if (/^\s*(hi|hello|hey|hallo|good (morning|afternoon|evening))\b/.test(lower)) {
    return { kind: "text", rule: "greeting", text: GREETING };
  }
  return { kind: "text", rule: "echo", text: echo(said, earlier, input.instructions) };
}

/** The follow-up the app sends after the user connected a provider (hidden in its UI). */
export const RETRY_MESSAGE = "Retry the last tool call.";

const isRetryRequest = (said: string) => said.trim() === RETRY_MESSAGE;

/**
 * Re-issues the last failed tool call of the conversation (same tool, same arguments), preferring
 * one that failed with `auth_required` — the app sends RETRY_MESSAGE once the user connected the
 * provider. The call goes the usual way (an approval request when the tool needs one). The tool
 * must be listed for this response.
 */
function retryLastCall(input: ModelInput): ScriptedReply {
  const failed = input.messages
    .filter((m): m is ToolMessage => m.role === "tool" && m.call.outcome.status === "failed")
    .map((m) => m.call);
  const authRequired = failed.filter(
    (c) => c.outcome.status === "failed" && /"code"\s*:\s*"auth_required"/.test(c.outcome.error),
  );
  const last = (authRequired.length > 0 ? authRequired : failed).at(-1);
  if (!last) return { kind: "text", rule: "retry", text: "There is no failed tool call to retry." };
  const listed = input.tools?.find(
    (t) => t.name === last.name && t.serverLabel === last.serverLabel,
  );
  if (!listed)
    return {
      kind: "text",
      rule: "retry",
      text: `I can't retry \`${last.name}\`: that tool is not available to me right now.`,
    };
  return {
    kind: "tool_call",
    rule: "tool",
    text: "",
    call: {
      type: "tool_call",
      serverLabel: last.serverLabel,
      name: last.name,
      arguments: last.arguments,
    },
  };
}

const HINTS =
  "Ask for a **markdown demo**, a **long** answer, or add `/fail` to a message to see how an error looks.";

const GREETING =
  "Hello! I'm the scripted model of the local agent service. I run inside the app, so everything " +
  `works offline and answers the same way every time. ${HINTS}`;

function echo(said: string, earlier: number, instructions: string | null): string {
  if (said.trim() === "") return `I didn't receive a message to answer. ${HINTS}`;
  const history =
    earlier === 0
      ? "This is the first message of our conversation."
      : `Our conversation has ${earlier} earlier message${earlier === 1 ? "" : "s"}, so I remember what came before.`;
  const role = instructions ? ` My instructions: _${clip(instructions, 120)}_` : "";
  return (
    `You said: "${clip(said, 280)}"\n\n` +
    `${history} I'm the scripted local model, so I echo rather than reason.${role}\n\n${HINTS}`
  );
}

function failEarly(): ScriptedReply {
  const message = JSON.stringify(
    {
      error: "Validation Error",
      message: "The scripted model was asked to fail: the message contains /fail.",
      func_call_name: "scripted_failure",
      type: "ValidationError",
    },
    null,
    2,
  );
  return {
    kind: "error",
    rule: "fail",
    text: "",
    error: { type: "invalid_request_error", code: "tool_user_error", message },
  };
}

function failLate(): ScriptedReply {
  return {
    kind: "error",
    rule: "fail-late",
    text: "Let me look into that for you. Checking the details now",
    error: {
      type: "server_error",
      code: "server_error",
      message: "The scripted model was asked to fail after it started answering (/fail-late).",
    },
  };
}

const MARKDOWN = `# Markdown showcase

Answers are rendered as **Markdown** while they stream:

- **bold**, *italic*, ~~strikethrough~~ and \`inline code\`
- a [link to Azure AI Foundry](https://learn.microsoft.com/azure/ai-foundry/)
- nested lists:
  1. first step
  2. second step

\`\`\`ts
function greet(name: string): string {
  return \`Hello, \${name}!\`;
}
\`\`\`

| tool | risk | approval |
| --- | --- | --- |
| search_documents | read | never |
| send_email | write | always |
| transfer_funds | privileged | approver |

> Tables, code blocks and quotes all stream chunk by chunk.
`;

const LONG = [
  "## A long answer",
  "",
  ...Array.from(
    { length: 12 },
    (_, i) =>
      `${i + 1}. Part ${i + 1} of 12. The scripted model streams this answer in small chunks so that ` +
      "you can press Stop, or reload the page in the middle, and watch the conversation pick up " +
      "exactly where it was.",
  ),
  "",
  "That is the end of the long answer.",
].join("\n");

function clip(s: string, max: number): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function findLastIndex<T>(xs: T[], p: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (p(xs[i]!)) return i;
  return -1;
}
