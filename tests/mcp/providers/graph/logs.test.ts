import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loggerOptions } from "@/lib/log";
import { outlookSendMail } from "@/mcp-server/catalog/tools/outlook-send-mail";
import { plannerGetTask } from "@/mcp-server/catalog/tools/planner-get-task";
import { executeTool } from "@/mcp-server/execute";
import { connect, setupMemoryDb } from "../../tools/helpers";
import {
  CLIENT_SECRET,
  entraErrors,
  entraQueue,
  entraUser,
  graphError,
  issuedTokens,
  onGraph,
  setupLiveGraph,
} from "./fake";

setupLiveGraph();
setupMemoryDb();

// The app's logger, as the app builds it, writing into `lines` (lib/log.ts keeps it on globalThis).
const LOGGER = Symbol.for("foundry-agent-chat.logger");
const lines: string[] = [];
let saved: unknown;
beforeAll(() => {
  const g = globalThis as Record<symbol, unknown>;
  saved = g[LOGGER];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  g[LOGGER] = pino(loggerOptions("trace"), sink);
});
afterAll(() => {
  (globalThis as Record<symbol, unknown>)[LOGGER] = saved;
});

const CORRELATION = "4bf92f3577b34da6a3ce929d0e0e4736";
const run = (
  tool: Parameters<typeof executeTool>[0],
  input: unknown,
  p: ReturnType<typeof entraUser>,
) => executeTool(tool, input, { principal: p, correlationId: CORRELATION, timeoutMs: 5000 });

describe("Graph failures in the logs", () => {
  it("failing_calls_log_what_happened_but_no_token_secret_or_message_body", async () => {
    const p = entraUser("private");
    await connect(p, "graph");
    const BODY = "Payroll for March: the code to the safe is 4711";

    // Graph rejects the OBO token twice (renewed once), then an OBO exchange without consent,
    // then Graph refuses a message (the body must not appear), then a 500.
    onGraph(
      "get",
      "/planner/tasks/:id",
      graphError(401, "InvalidAuthenticationToken", "Access token has expired."),
    );
    await run(plannerGetTask, { taskId: "pqrSTU1234567890abcdefghijkl" }, p);
    entraQueue.push(entraErrors.consentRequired);
    await run(outlookSendMail, { to: ["ana@example.com"], subject: "March", body: BODY }, p);
    onGraph(
      "post",
      "/me/sendMail",
      graphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid."),
    );
    await run(outlookSendMail, { to: ["ana@example.com"], subject: "March", body: BODY }, p);
    onGraph("post", "/me/sendMail", graphError(500, "InternalServerError", "Boom."));
    await run(outlookSendMail, { to: ["ana@example.com"], subject: "March", body: BODY }, p);

    // The calls were logged (so this test looks at something) …
    const ours = lines.filter((l) => l.includes(CORRELATION));
    expect(ours.some((l) => l.includes("renewing it once"))).toBe(true);
    expect(ours.some((l) => l.includes("On-Behalf-Of token for Microsoft Graph failed"))).toBe(
      true,
    );
    expect(ours.some((l) => l.includes('"status":400'))).toBe(true);
    expect(ours.some((l) => l.includes('"status":500'))).toBe(true);
    expect(ours.some((l) => l.includes("AADSTS65001"))).toBe(true);

    // … and nothing secret or private is in any line.
    expect(issuedTokens.length).toBeGreaterThanOrEqual(2);
    const all = lines.join("\n");
    for (const secret of [...issuedTokens, p.token, CLIENT_SECRET, BODY, "Bearer "]) {
      expect(all).not.toContain(secret);
    }
    for (const t of issuedTokens) expect(all).not.toContain(t.split(".")[1]!);
  });
});
