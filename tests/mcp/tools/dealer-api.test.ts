import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sandboxBookings, sandboxEnquiries, sandboxPayments } from "@/lib/db/schema";
import { getTool } from "@/mcp-server/catalog";
import type { ToolDefinition } from "@/mcp-server/catalog/types";
import { executeOperation } from "@/mcp-server/openapi/executor";
import { generateOperations } from "@/mcp-server/openapi/generate";
import { DEALER_API_DOCUMENT } from "@/mcp-server/openapi/paths";
import { expireSandboxSessions } from "@/mcp-server/providers/sandbox/session-issuer";
import { ctx, principal, setupMemoryDb, toolError } from "./helpers";

const db = setupMemoryDb();

const tool = (name: string): ToolDefinition => getTool(name)!;
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const run = async (name: string, input: unknown, p: ReturnType<typeof principal>) =>
  (await tool(name).run(input as never, ctx(p))) as Obj;

const inDays = (d: number, hour = 10) => {
  const t = new Date(Date.now() + d * 86_400_000);
  t.setUTCHours(hour, 0, 0, 0);
  return t.toISOString();
};

const customer = { name: "Priya Shah", email: "priya.shah@example.com", phone: "+447911123456" };

describe("dealer inventory", () => {
  it("lists vehicles cheapest first with filters, and gets one", async () => {
    const p = principal("inv");
    const all = await run("openapi_dealer_list_vehicles", { limit: 50 }, p);
    expect(all.items.length).toBe(12);
    const prices = all.items.map((v: Obj) => v.priceGbp);
    expect([...prices].sort((a, b) => a - b)).toEqual(prices);
    const ev = await run(
      "openapi_dealer_list_vehicles",
      { fuel: "electric", maxPriceGbp: 39000 },
      p,
    );
    expect(ev.items.map((v: Obj) => v.id).sort()).toEqual(["veh_aur01", "veh_aur03"]);
    const aurora = await run(
      "openapi_dealer_list_vehicles",
      { make: "aurora", status: "available" },
      p,
    );
    expect(aurora.items).toHaveLength(3);
    expect(await run("openapi_dealer_get_vehicle", { vehicleId: "veh_kes01" }, p)).toMatchObject({
      make: "Kestrel",
      priceGbp: 24450,
      fuel: "hybrid",
      dealerId: "dlr_reading",
    });
    expect(
      (await toolError(tool("openapi_dealer_get_vehicle"), { vehicleId: "veh_zzzz" }, ctx(p))).code,
    ).toBe("not_found");
    expect(
      (await toolError(tool("openapi_dealer_list_vehicles"), { fuel: "steam" }, ctx(p))).code,
    ).toBe("invalid_arguments");
    expect(
      (await toolError(tool("openapi_dealer_list_vehicles"), { colour: "red" }, ctx(p))).code,
    ).toBe("invalid_arguments");
  });
});

describe("dealer enquiries", () => {
  it("creates, lists, gets and moves an enquiry through its statuses", async () => {
    const p = principal("enq");
    const created = await run(
      "openapi_dealer_create_enquiry",
      {
        body: {
          vehicleId: "veh_aur02",
          customer,
          message: "Is the Plus available for a test drive on Saturday?",
        },
      },
      p,
    );
    expect(created).toMatchObject({
      vehicleId: "veh_aur02",
      dealerId: "dlr_oxford",
      status: "new",
      customer,
    });
    expect(created.id).toMatch(/^enq_[0-9a-f]{24}$/);
    const [row] = await db
      .handle()
      .db.select()
      .from(sandboxEnquiries)
      .where(eq(sandboxEnquiries.id, created.id));
    expect(row).toMatchObject({ userId: p.userId, customerEmail: "priya.shah@example.com" });

    const general = await run(
      "openapi_dealer_create_enquiry",
      {
        body: {
          dealerId: "dlr_glasgow",
          customer: { name: "Sam", email: "sam@example.net" },
          message: "Opening hours?",
        },
      },
      p,
    );
    const list = await run("openapi_dealer_list_enquiries", {}, p);
    expect(list.items.map((e: Obj) => e.id)).toEqual([general.id, created.id]);
    expect(await run("openapi_dealer_get_enquiry", { enquiryId: created.id }, p)).toEqual(created);

    const contacted = await run(
      "openapi_dealer_update_enquiry_status",
      {
        enquiryId: created.id,
        body: { status: "contacted", note: "Called back, booked Saturday." },
      },
      p,
    );
    expect(contacted).toMatchObject({
      status: "contacted",
      statusNote: "Called back, booked Saturday.",
    });
    expect(
      (await run("openapi_dealer_list_enquiries", { status: "contacted" }, p)).items.map(
        (e: Obj) => e.id,
      ),
    ).toEqual([created.id]);
    await run(
      "openapi_dealer_update_enquiry_status",
      { enquiryId: created.id, body: { status: "won" } },
      p,
    );
    // A closed enquiry cannot be reopened (409 → conflict).
    const reopen = await toolError(
      tool("openapi_dealer_update_enquiry_status"),
      { enquiryId: created.id, body: { status: "contacted" } },
      ctx(p),
    );
    expect(reopen.code).toBe("conflict");
  });

  it.each([
    [
      "a phone number that is not E.164",
      {
        body: {
          customer: { ...customer, phone: "07911 123456" },
          message: "hi",
          dealerId: "dlr_oxford",
        },
      },
      "invalid_arguments",
    ],
    [
      "a bad e-mail",
      {
        body: { customer: { ...customer, email: "priya@" }, message: "hi", dealerId: "dlr_oxford" },
      },
      "invalid_arguments",
    ],
    [
      "a message over 2000 characters",
      { body: { customer, message: "x".repeat(2001), dealerId: "dlr_oxford" } },
      "invalid_arguments",
    ],
    ["neither vehicle nor dealer", { body: { customer, message: "hi" } }, "invalid_arguments"],
    [
      "an unknown vehicle",
      { body: { customer, message: "hi", vehicleId: "veh_nope" } },
      "invalid_arguments",
    ],
    ["no body", {}, "invalid_arguments"],
  ])("refuses an enquiry with %s", async (_l, input, code) => {
    const p = principal("badenq");
    expect((await toolError(tool("openapi_dealer_create_enquiry"), input, ctx(p))).code).toBe(code);
    expect(
      await db
        .handle()
        .db.select()
        .from(sandboxEnquiries)
        .where(eq(sandboxEnquiries.userId, p.userId)),
    ).toHaveLength(0);
  });
});

describe("dealer bookings and payments", () => {
  it("books a slot, refuses an overlapping one, takes a payment and guards cancellation", async () => {
    const p = principal("book");
    const enquiry = await run(
      "openapi_dealer_create_enquiry",
      { body: { vehicleId: "veh_sol01", customer, message: "Test drive please" } },
      p,
    );
    const booking = await run(
      "openapi_dealer_create_booking",
      {
        body: {
          vehicleId: "veh_sol01",
          enquiryId: enquiry.id,
          type: "test_drive",
          startsAt: inDays(3),
          durationMinutes: 60,
          customerName: "Priya Shah",
        },
      },
      p,
    );
    expect(booking).toMatchObject({
      vehicleId: "veh_sol01",
      status: "confirmed",
      durationMinutes: 60,
      type: "test_drive",
      enquiryId: enquiry.id,
    });

    // Overlaps 10:00-11:00 (another user, same vehicle): the slot is real shared state.
    const other = principal("book2");
    const clash = await toolError(
      tool("openapi_dealer_create_booking"),
      {
        body: {
          vehicleId: "veh_sol01",
          type: "test_drive",
          startsAt: inDays(3, 10),
          durationMinutes: 30,
          customerName: "X",
        },
      },
      ctx(other),
    );
    expect(clash.code).toBe("conflict");
    const later = await run(
      "openapi_dealer_create_booking",
      {
        body: {
          vehicleId: "veh_sol01",
          type: "test_drive",
          startsAt: inDays(3, 11),
          customerName: "X",
        },
      },
      other,
    );
    expect(later.durationMinutes).toBe(60);

    expect(
      (
        await toolError(
          tool("openapi_dealer_create_booking"),
          {
            body: {
              vehicleId: "veh_sol01",
              type: "test_drive",
              startsAt: inDays(-1),
              customerName: "X",
            },
          },
          ctx(p),
        )
      ).code,
    ).toBe("invalid_arguments");
    expect(
      (
        await toolError(
          tool("openapi_dealer_create_booking"),
          {
            body: {
              vehicleId: "veh_rid02",
              type: "test_drive",
              startsAt: inDays(5),
              customerName: "X",
            },
          },
          ctx(p),
        )
      ).code,
    ).toBe("conflict");

    const list = await run("openapi_dealer_list_bookings", {}, p);
    expect(list.items.map((b: Obj) => b.id)).toEqual([booking.id]);

    const payment = await run(
      "openapi_dealer_create_payment",
      {
        body: {
          bookingId: booking.id,
          amount: { amountMinor: 9900, currency: "GBP" },
          method: "card",
          reference: "DEPOSIT SOLACE",
        },
      },
      p,
    );
    expect(payment).toMatchObject({
      bookingId: booking.id,
      amount: { amountMinor: 9900, currency: "GBP" },
      status: "captured",
    });
    expect(payment.id).toMatch(/^pay_[0-9a-f]{24}$/);
    expect(await run("openapi_dealer_get_payment", { paymentId: payment.id }, p)).toEqual(payment);
    const [payRow] = await db
      .handle()
      .db.select()
      .from(sandboxPayments)
      .where(eq(sandboxPayments.id, payment.id));
    expect(payRow).toMatchObject({ userId: p.userId, amountCents: 9900 });

    // Card limit, like the dealer's terminal.
    const big = await toolError(
      tool("openapi_dealer_create_payment"),
      {
        body: {
          bookingId: booking.id,
          amount: { amountMinor: 500_000, currency: "GBP" },
          method: "card",
          reference: "BALANCE",
        },
      },
      ctx(p),
    );
    expect(big.code).toBe("invalid_arguments");

    // A booking with a payment cannot be cancelled; one without can, once.
    expect(
      (await toolError(tool("openapi_dealer_cancel_booking"), { bookingId: booking.id }, ctx(p)))
        .code,
    ).toBe("conflict");
    const cancelled = await run("openapi_dealer_cancel_booking", { bookingId: later.id }, other);
    expect(cancelled.status).toBe("cancelled");
    expect(
      (await toolError(tool("openapi_dealer_cancel_booking"), { bookingId: later.id }, ctx(other)))
        .code,
    ).toBe("conflict");
    const [bRow] = await db
      .handle()
      .db.select()
      .from(sandboxBookings)
      .where(eq(sandboxBookings.id, later.id));
    expect(bRow!.status).toBe("cancelled");
  });

  it("one user's enquiries, bookings and payments are not_found for another", async () => {
    const a = principal("dealA");
    const b = principal("dealB");
    const enquiry = await run(
      "openapi_dealer_create_enquiry",
      { body: { vehicleId: "veh_vel01", customer, message: "hi" } },
      a,
    );
    const booking = await run(
      "openapi_dealer_create_booking",
      {
        body: {
          vehicleId: "veh_vel01",
          type: "test_drive",
          startsAt: inDays(9),
          customerName: "A",
        },
      },
      a,
    );
    const payment = await run(
      "openapi_dealer_create_payment",
      {
        body: {
          bookingId: booking.id,
          amount: { amountMinor: 100, currency: "EUR" },
          method: "bank_transfer",
          reference: "A",
        },
      },
      a,
    );
    expect((await run("openapi_dealer_list_enquiries", {}, b)).items).toEqual([]);
    expect((await run("openapi_dealer_list_bookings", {}, b)).items).toEqual([]);
    for (const [name, input] of [
      ["openapi_dealer_get_enquiry", { enquiryId: enquiry.id }],
      ["openapi_dealer_update_enquiry_status", { enquiryId: enquiry.id, body: { status: "lost" } }],
      ["openapi_dealer_cancel_booking", { bookingId: booking.id }],
      ["openapi_dealer_get_payment", { paymentId: payment.id }],
      [
        "openapi_dealer_create_payment",
        {
          body: {
            bookingId: booking.id,
            amount: { amountMinor: 100, currency: "EUR" },
            method: "card",
            reference: "B",
          },
        },
      ],
    ] as const) {
      expect((await toolError(tool(name), input, ctx(b))).code, name).toBe("not_found");
    }
    // B may not attach A's enquiry to a booking either.
    expect(
      (
        await toolError(
          tool("openapi_dealer_create_booking"),
          {
            body: {
              vehicleId: "veh_vel02",
              enquiryId: enquiry.id,
              type: "test_drive",
              startsAt: inDays(9),
              customerName: "B",
            },
          },
          ctx(b),
        )
      ).code,
    ).toBe("invalid_arguments");
  });
});

describe("dealer API transport", () => {
  it("needs no per-user connection and survives a session expired at the backend (401 → renew → retry)", async () => {
    const p = principal("sess");
    await run("openapi_dealer_list_bookings", {}, p);
    expect(await expireSandboxSessions(p.userId, "openapi:dealer")).toBe(1);
    expect((await run("openapi_dealer_list_bookings", {}, p)).items).toEqual([]);
  });

  it("maps API failures onto tool error codes", async () => {
    const api = await generateOperations(DEALER_API_DOCUMENT);
    const op = api.operations.find((o) => o.operationId === "listBookings")!;
    const answer =
      (status: number, headers: Record<string, string> = {}) =>
      async () =>
        new Response(JSON.stringify({ title: "t", detail: "d" }), {
          status,
          headers: { "content-type": "application/problem+json", ...headers },
        });
    const fail = (status: number, headers?: Record<string, string>) =>
      executeOperation(
        op,
        {},
        {
          baseUrl: api.baseUrl,
          transport: answer(status, headers),
          headers: { authorization: "Bearer sess_x" },
        },
      ).then(
        () => undefined,
        (e: unknown) => e as Obj,
      );
    expect(await fail(429, { "retry-after": "7" })).toMatchObject({
      code: "rate_limited",
      details: { retriable: true, retryAfterSeconds: 7 },
    });
    expect(await fail(503)).toMatchObject({ code: "provider_error", details: { retriable: true } });
    expect(await fail(418)).toMatchObject({
      code: "provider_error",
      details: { retriable: false },
    });
    expect(await fail(412)).toMatchObject({ code: "conflict" });
    expect((await fail(401))!.name).toBe("ProviderAuthError");
    expect((await fail(403))!.name).toBe("ProviderAuthError");
  });

  it("sends path, query and body where the operation says, with the session as bearer", async () => {
    const api = await generateOperations(DEALER_API_DOCUMENT);
    const op = api.operations.find((o) => o.operationId === "updateEnquiryStatus")!;
    let seen: Request | undefined;
    const capture = async (req: Request) => {
      seen = req;
      return new Response("{}", { status: 200 });
    };
    await executeOperation(
      op,
      { enquiryId: "enq_a/b", body: { status: "won" } },
      { baseUrl: api.baseUrl, transport: capture, headers: { authorization: "Bearer sess_1" } },
    );
    expect(seen!.method).toBe("PATCH");
    expect(seen!.url).toBe(
      "https://dealer-api.contoso-motors.example/v1/enquiries/enq_a%2Fb/status",
    );
    expect(seen!.headers.get("authorization")).toBe("Bearer sess_1");
    expect(await seen!.json()).toEqual({ status: "won" });
    const list = api.operations.find((o) => o.operationId === "listVehicles")!;
    await executeOperation(
      list,
      { fuel: "electric", limit: 5 },
      { baseUrl: api.baseUrl, transport: capture, headers: { authorization: "Bearer s" } },
    );
    expect(seen!.url).toBe(
      "https://dealer-api.contoso-motors.example/v1/vehicles?fuel=electric&limit=5",
    );
  });
});
