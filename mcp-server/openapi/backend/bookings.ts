import { and, asc, eq, gt, lt, ne, sql } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { sandboxBookings, sandboxPayments, sandboxVehicles } from "@/lib/db/schema";
import { prefixedId } from "@/lib/ids";
import { assertOwnEnquiry } from "./enquiries";
import { HttpError, queryEnum, queryInt } from "./http";
import { findVehicle } from "./vehicles";

export const createSchema = z.object({
  vehicleId: z.string().regex(/^veh_[a-z0-9]{4,32}$/),
  enquiryId: z
    .string()
    .regex(/^enq_[0-9a-f]{24}$/)
    .optional(),
  type: z.enum(["test_drive", "service", "handover"]),
  startsAt: z.iso.datetime({ offset: true }),
  durationMinutes: z.int().min(15).max(240).optional(),
  customerName: z.string().trim().min(1).max(120),
});

type Row = typeof sandboxBookings.$inferSelect;
export const bookingJson = (r: Row) => ({
  id: r.id,
  vehicleId: r.vehicleId,
  ...(r.enquiryId ? { enquiryId: r.enquiryId } : {}),
  type: r.kind,
  startsAt: r.startsAt.toISOString(),
  durationMinutes: r.durationMinutes,
  customerName: r.customerName,
  status: r.status,
  createdAt: r.createdAt.toISOString(),
});

export async function createBooking(userId: string, body: z.output<typeof createSchema>) {
  const startsAt = new Date(body.startsAt);
  const duration = body.durationMinutes ?? 60;
  const endsAt = new Date(startsAt.getTime() + duration * 60_000);
  if (startsAt.getTime() <= Date.now())
    throw new HttpError(
      422,
      "The slot is in the past",
      `startsAt ${body.startsAt} has already passed.`,
    );
  const vehicle = await findVehicle(body.vehicleId).catch(() => {
    throw new HttpError(422, "Unknown vehicle", `No vehicle ${body.vehicleId}.`);
  });
  if (vehicle.status === "sold" && body.type !== "service")
    throw new HttpError(409, "Vehicle sold", `${vehicle.id} is sold.`);
  if (body.enquiryId) await assertOwnEnquiry(userId, body.enquiryId);

  const db = await getDb();
  return db.transaction(async (tx) => {
    // Lock the vehicle so two bookings cannot take the same slot concurrently.
    await tx.execute(sql`select id from ${sandboxVehicles} where id = ${vehicle.id} for update`);
    const [clash] = await tx
      .select({ id: sandboxBookings.id })
      .from(sandboxBookings)
      .where(
        and(
          eq(sandboxBookings.vehicleId, vehicle.id),
          eq(sandboxBookings.status, "confirmed"),
          lt(sandboxBookings.startsAt, endsAt),
          gt(
            sql`${sandboxBookings.startsAt} + make_interval(mins => ${sandboxBookings.durationMinutes})`,
            startsAt,
          ),
        ),
      )
      .limit(1);
    if (clash)
      throw new HttpError(
        409,
        "Slot taken",
        `${vehicle.id} is already booked at an overlapping time.`,
      );
    const [row] = await tx
      .insert(sandboxBookings)
      .values({
        id: prefixedId("bkg", 12),
        userId,
        vehicleId: vehicle.id,
        enquiryId: body.enquiryId,
        kind: body.type,
        startsAt,
        durationMinutes: duration,
        customerName: body.customerName,
        status: "confirmed",
      })
      .returning();
    return bookingJson(row!);
  });
}

export async function listBookings(userId: string, url: URL) {
  const status = queryEnum(url, "status", ["confirmed", "cancelled"] as const);
  const limit = queryInt(url, "limit", 1, 50, 20);
  const db = await getDb();
  const rows = await db
    .select()
    .from(sandboxBookings)
    .where(
      and(
        eq(sandboxBookings.userId, userId),
        status ? eq(sandboxBookings.status, status) : undefined,
      ),
    )
    .orderBy(asc(sandboxBookings.startsAt))
    .limit(limit);
  return { items: rows.map(bookingJson) };
}

export async function findBooking(userId: string, id: string): Promise<Row> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(sandboxBookings)
    .where(and(eq(sandboxBookings.userId, userId), eq(sandboxBookings.id, id)));
  if (!row) throw new HttpError(404, "Booking not found", `No booking ${id}.`);
  return row;
}

export async function cancelBooking(userId: string, id: string) {
  const row = await findBooking(userId, id);
  if (row.status === "cancelled")
    throw new HttpError(409, "Already cancelled", `Booking ${id} is already cancelled.`);
  const db = await getDb();
  const [paid] = await db
    .select({ id: sandboxPayments.id })
    .from(sandboxPayments)
    .where(and(eq(sandboxPayments.userId, userId), eq(sandboxPayments.bookingId, id)))
    .limit(1);
  if (paid)
    throw new HttpError(
      409,
      "Booking has payments",
      `Refund payment ${paid.id} before cancelling.`,
    );
  const [updated] = await db
    .update(sandboxBookings)
    .set({ status: "cancelled" })
    .where(
      and(
        eq(sandboxBookings.userId, userId),
        eq(sandboxBookings.id, id),
        ne(sandboxBookings.status, "cancelled"),
      ),
    )
    .returning();
  if (!updated)
    throw new HttpError(409, "Already cancelled", `Booking ${id} is already cancelled.`);
  return bookingJson(updated);
}
