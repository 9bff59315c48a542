import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { sandboxPayments } from "@/lib/db/schema";
import { prefixedId } from "@/lib/ids";
import { findBooking } from "./bookings";
import { HttpError } from "./http";

export const createSchema = z.object({
  bookingId: z.string().regex(/^bkg_[0-9a-f]{24}$/),
  amount: z.object({
    amountMinor: z.int().min(1).max(10_000_000),
    currency: z.enum(["GBP", "EUR"]),
  }),
  method: z.enum(["card", "bank_transfer"]),
  reference: z.string().min(1).max(35),
});

/** Card payments above this need a bank transfer (the dealer's card limit, in minor units). */
export const CARD_LIMIT_MINOR = 2_000_00;

type Row = typeof sandboxPayments.$inferSelect;
const paymentJson = (r: Row) => ({
  id: r.id,
  bookingId: r.bookingId,
  amount: { amountMinor: r.amountCents, currency: r.currency },
  method: r.method,
  reference: r.reference,
  status: r.status,
  createdAt: r.createdAt.toISOString(),
});

export async function createPayment(userId: string, body: z.output<typeof createSchema>) {
  // Statement references are printable ASCII (bank scheme rules).
  if (!/^[\x20-\x7e]+$/.test(body.reference))
    throw new HttpError(422, "Invalid reference", "Use printable ASCII characters only.");
  if (body.method === "card" && body.amount.amountMinor > CARD_LIMIT_MINOR) {
    throw new HttpError(
      422,
      "Card limit exceeded",
      `Card payments are limited to ${CARD_LIMIT_MINOR / 100}; use bank_transfer.`,
    );
  }
  const booking = await findBooking(userId, body.bookingId);
  if (booking.status !== "confirmed")
    throw new HttpError(409, "Booking cancelled", `Booking ${booking.id} is ${booking.status}.`);
  const db = await getDb();
  const [row] = await db
    .insert(sandboxPayments)
    .values({
      id: prefixedId("pay", 12),
      userId,
      bookingId: booking.id,
      amountCents: body.amount.amountMinor,
      currency: body.amount.currency,
      method: body.method,
      reference: body.reference,
      status: "captured",
    })
    .returning();
  return paymentJson(row!);
}

export async function getPayment(userId: string, id: string) {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(sandboxPayments)
    .where(and(eq(sandboxPayments.userId, userId), eq(sandboxPayments.id, id)));
  if (!row) throw new HttpError(404, "Payment not found", `No payment ${id}.`);
  return paymentJson(row);
}
