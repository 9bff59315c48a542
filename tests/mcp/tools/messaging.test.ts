import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sandboxOutbox } from "@/lib/db/schema";
import { twilioSendSms } from "@/mcp-server/catalog/tools/twilio-send-sms";
import { twilioSendWhatsapp } from "@/mcp-server/catalog/tools/twilio-send-whatsapp";
import { connect, ctx, principal, toolError, setupMemoryDb } from "./helpers";

const db = setupMemoryDb();

describe("twilio_send_sms", () => {
  it("queues the message, lands a row in the user's outbox and counts segments", async () => {
    const alice = principal("alice");
    await connect(alice, "twilio");
    const out = await twilioSendSms.run(
      { to: "+447911123456", body: "Your test drive is confirmed for 10:00." },
      ctx(alice),
    );
    expect(out).toMatchObject({
      status: "queued",
      channel: "sms",
      to: "+447911123456",
      numSegments: 1,
      encoding: "GSM-7",
    });
    expect(out.sid).toMatch(/^SM[0-9a-f]{32}$/);
    const rows = await db
      .handle()
      .db.select()
      .from(sandboxOutbox)
      .where(eq(sandboxOutbox.id, out.sid));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      userId: alice.userId,
      channel: "sms",
      to: ["+447911123456"],
      status: "queued",
    });
  });

  it("counts concatenated and UCS-2 segments like a carrier", async () => {
    const p = principal("seg");
    await connect(p, "twilio");
    const long = await twilioSendSms.run({ to: "+14155550123", body: "a".repeat(161) }, ctx(p));
    expect(long).toMatchObject({ numSegments: 2, encoding: "GSM-7" });
    const emoji = await twilioSendSms.run({ to: "+14155550123", body: "Hi 👋" }, ctx(p));
    expect(emoji).toMatchObject({ numSegments: 1, encoding: "UCS-2" });
  });

  it.each([
    ["no plus sign", { to: "447700900123", body: "hi" }],
    ["letters", { to: "+44abc", body: "hi" }],
    ["too many digits", { to: "+1234567890123456", body: "hi" }],
    ["a well-formed but impossible number", { to: "+10000000000", body: "hi" }],
    ["an empty body", { to: "+447911123456", body: "" }],
    ["a blank body", { to: "+447911123456", body: "   " }],
    ["a body over 1600 characters", { to: "+447911123456", body: "x".repeat(1601) }],
    ["the same to and from", { to: "+447480123456", from: "+447480123456", body: "hi" }],
    [
      "a from number that is not the account's",
      { to: "+447911123456", from: "+14155550123", body: "hi" },
    ],
  ])("refuses %s with invalid_arguments and sends nothing", async (_label, input) => {
    const p = principal("bad");
    await connect(p, "twilio");
    const err = await toolError(twilioSendSms, input, ctx(p));
    expect(err.code).toBe("invalid_arguments");
    const rows = await db
      .handle()
      .db.select()
      .from(sandboxOutbox)
      .where(eq(sandboxOutbox.userId, p.userId));
    expect(rows).toHaveLength(0);
  });

  it("sends from another number of the account", async () => {
    const p = principal("from");
    await connect(p, "twilio");
    const out = await twilioSendSms.run(
      { to: "+447911123456", from: "+447480123456", body: "hi" },
      ctx(p),
    );
    expect(out.from).toBe("+447480123456");
  });

  it("accepts exactly 1600 characters", async () => {
    const p = principal("max");
    await connect(p, "twilio");
    const out = await twilioSendSms.run({ to: "+447911123456", body: "x".repeat(1600) }, ctx(p));
    expect(out.numSegments).toBe(11);
  });
});

describe("twilio_send_whatsapp", () => {
  it("queues a WhatsApp message with whatsapp: addresses in the outbox", async () => {
    const bob = principal("bob");
    await connect(bob, "twilio");
    const out = await twilioSendWhatsapp.run(
      { to: "+353861234567", body: "Your car is ready for collection." },
      ctx(bob),
    );
    expect(out).toMatchObject({ status: "queued", channel: "whatsapp", to: "+353861234567" });
    const [row] = await db
      .handle()
      .db.select()
      .from(sandboxOutbox)
      .where(eq(sandboxOutbox.id, out.sid));
    expect(row).toMatchObject({
      channel: "whatsapp",
      to: ["whatsapp:+353861234567"],
      from: "whatsapp:+14155238886",
    });
  });

  it("refuses a bad number", async () => {
    const p = principal("wa");
    await connect(p, "twilio");
    expect(
      (await toolError(twilioSendWhatsapp, { to: "whatsapp:+353861234567", body: "x" }, ctx(p)))
        .code,
    ).toBe("invalid_arguments");
  });
});
