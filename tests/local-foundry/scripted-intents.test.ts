import { describe, expect, it } from "vitest";
import { detectToolCall } from "@/lib/local-foundry/model/intents";
import { scriptedReply } from "@/lib/local-foundry/model/scripted-replies";
import { answerFromTool } from "@/lib/local-foundry/model/tool-answers";
import type { ModelTool } from "@/lib/local-foundry/model/types";
import { builtinTools, getTool } from "@/mcp-server/catalog";

const tools: ModelTool[] = builtinTools.map((t) => ({
  serverLabel: "fac",
  name: t.name,
  description: t.description,
  inputSchema: {},
}));
const NOW = new Date("2030-01-01T12:00:00Z");
const BOOKING = "bkg_0123456789abcdef01234567";

/** Phrasing → tool and arguments; every set of arguments must pass the tool's own zod schema. */
const cases: [string, string, Record<string, unknown>][] = [
  [
    "Send an SMS to +14155550100 saying hello",
    "twilio_send_sms",
    { to: "+14155550100", body: "hello" },
  ],
  [
    "Send a WhatsApp message to +14155550100 saying hello",
    "twilio_send_whatsapp",
    { to: "+14155550100", body: "hello" },
  ],
  ["Search the web for electric SUVs", "tavily_search", { query: "electric SUVs" }],
  ["List my tasks", "planner_list_tasks", {}],
  ["Create a task called Call the dealer", "planner_create_task", { title: "Call the dealer" }],
  ["Delete task task_42", "planner_delete_task", { taskId: "task_42" }],
  [
    "Email bob@example.com about the test drive",
    "gmail_send_email",
    { to: ["bob@example.com"], subject: "The test drive" },
  ],
  ["Show my latest emails", "gmail_list_messages", { maxResults: 5 }],
  ["Show my enquiries", "openapi_dealer_list_enquiries", {}],
  [
    "Create an enquiry about veh_aur01 for Ana Smith, ana@example.com: Is it still available?",
    "openapi_dealer_create_enquiry",
    {
      body: {
        vehicleId: "veh_aur01",
        customer: { name: "Ana Smith", email: "ana@example.com" },
        message: "Is it still available",
      },
    },
  ],
  ["List my bookings", "openapi_dealer_list_bookings", {}],
  [
    "Book a test drive of veh_aur01 on 2030-05-01 at 14:30 for Ana Smith",
    "openapi_dealer_create_booking",
    {
      body: {
        vehicleId: "veh_aur01",
        type: "test_drive",
        startsAt: "2030-05-01T14:30:00Z",
        customerName: "Ana Smith",
      },
    },
  ],
  [
    `Pay the deposit of 500 GBP for booking ${BOOKING}`,
    "openapi_dealer_create_payment",
    {
      body: {
        bookingId: BOOKING,
        amount: { amountMinor: 50000, currency: "GBP" },
        method: "card",
        reference: "Deposit 0123456789ab",
      },
    },
  ],
  ["Show me electric cars in stock", "openapi_dealer_list_vehicles", { fuel: "electric" }],
];

describe("the scripted model's tool intents", () => {
  it.each(cases)("%s → %s", (text, name, args) => {
    const call = detectToolCall(text, tools, NOW);
    expect(call).toMatchObject({ type: "tool_call", serverLabel: "fac", name });
    const parsed = JSON.parse(call!.arguments) as Record<string, unknown>;
    expect(parsed).toMatchObject(args);
    expect(getTool(name)!.inputSchema.safeParse(parsed).error).toBeUndefined();
  });

  it("falls back to the text replies when the tool is not listed", () => {
    const input = {
      instructions: null,
      messages: [{ role: "user" as const, text: "Search the web for cats" }],
    };
    expect(scriptedReply(input).rule).toBe("echo");
    expect(scriptedReply({ ...input, tools }).rule).toBe("tool");
  });

  it("answers from the outcome: quoted result, rejection, error in words", () => {
    const base = { id: "mcp_1", serverLabel: "fac", name: "twilio_send_sms", arguments: "{}" };
    const sent = answerFromTool({
      ...base,
      outcome: {
        status: "completed",
        output: JSON.stringify({ sid: "SM1", to: "+14155550100", status: "queued" }),
      },
    });
    expect(sent.text).toBe("Sent your SMS to +14155550100 (message SM1, status queued).");
    expect(
      answerFromTool({ ...base, outcome: { status: "rejected", reason: null } }).text,
    ).toContain("not made");
    const limited = answerFromTool({
      ...base,
      outcome: {
        status: "failed",
        error: JSON.stringify({ code: "rate_limited", message: "x", retry_after_seconds: 30 }),
      },
    });
    expect(limited.text).toContain("try again in 30 seconds");
    const ledger = answerFromTool({
      ...base,
      outcome: {
        status: "failed",
        error: JSON.stringify({ code: "approval_required", message: "Approve it first." }),
      },
    });
    expect(ledger.text).toContain("requires an approved approval");
  });
});

describe("the scripted model: 'Retry the last tool call.' and notices", () => {
  const failedCall = (name: string, error: string) => ({
    role: "tool" as const,
    call: {
      id: `mcp_${name}`,
      serverLabel: "fac",
      name,
      arguments: JSON.stringify({ to: "+14155550100", body: "hi" }),
      outcome: { status: "failed" as const, error },
    },
  });

  it("re-issues the last call that failed with auth_required (same tool, same arguments)", () => {
    const reply = scriptedReply({
      instructions: null,
      tools,
      messages: [
        { role: "user", text: "Send an SMS to +14155550100 saying hi" },
        failedCall("twilio_send_sms", JSON.stringify({ code: "auth_required", connect_url: "x" })),
        failedCall("tavily_search", JSON.stringify({ code: "rate_limited" })),
        { role: "assistant", text: "Connect your Twilio account." },
        { role: "user", text: "Retry the last tool call." },
      ],
    });
    expect(reply).toMatchObject({
      kind: "tool_call",
      call: {
        name: "twilio_send_sms",
        arguments: JSON.stringify({ to: "+14155550100", body: "hi" }),
      },
    });
  });

  it("says so when there is nothing to retry or the tool is not listed", () => {
    const none = scriptedReply({
      instructions: null,
      tools,
      messages: [{ role: "user", text: "Retry the last tool call." }],
    });
    expect(none).toMatchObject({ kind: "text", text: "There is no failed tool call to retry." });
    const unlisted = scriptedReply({
      instructions: null,
      tools: [],
      messages: [
        failedCall("twilio_send_sms", JSON.stringify({ code: "auth_required" })),
        { role: "user", text: "Retry the last tool call." },
      ],
    });
    expect(unlisted).toMatchObject({ kind: "text" });
  });

  it("explains a notice (e.g. declined consent) instead of echoing", () => {
    const reply = scriptedReply({
      instructions: null,
      tools: [],
      notices: ["The tools of fac could not be used: You declined access for fac."],
      messages: [{ role: "user", text: "Send an SMS to +14155550100 saying hi" }],
    });
    expect(reply.text).toContain("You declined access for fac.");
  });
});
