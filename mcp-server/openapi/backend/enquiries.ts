import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/lib/db/client";
import { sandboxEnquiries } from "@/lib/db/schema";
import { prefixedId } from "@/lib/ids";
import { checkE164, checkEmail } from "@/mcp-server/providers/validation";
import { HttpError, queryEnum, queryInt } from "./http";
import { findVehicle } from "./vehicles";

export const ENQUIRY_STATUSES = ["new", "contacted", "qualified", "won", "lost"] as const;
type Status = (typeof ENQUIRY_STATUSES)[number];

/** Closed enquiries stay closed; everything else may move forward or back a step. */
const allowed: Record<Status, Status[]> = {
  new: ["contacted", "qualified", "won", "lost"],
  contacted: ["qualified", "won", "lost"],
  qualified: ["contacted", "won", "lost"],
  won: [],
  lost: [],
};

export const createSchema = z.object({
  vehicleId: z
    .string()
    .regex(/^veh_[a-z0-9]{4,32}$/)
    .optional(),
  dealerId: z
    .string()
    .regex(/^dlr_[a-z]+$/)
    .optional(),
  customer: z.object({
    name: z.string().trim().min(1).max(120),
    email: z.string().max(254),
    phone: z.string().optional(),
  }),
  message: z.string().trim().min(1).max(2000),
});

const statusSchema = z.object({
  status: z.enum(ENQUIRY_STATUSES),
  note: z.string().max(500).optional(),
});

type Row = typeof sandboxEnquiries.$inferSelect;
const enquiryJson = (r: Row) => ({
  id: r.id,
  ...(r.vehicleId ? { vehicleId: r.vehicleId } : {}),
  dealerId: r.dealerId,
  customer: {
    name: r.customerName,
    email: r.customerEmail,
    ...(r.customerPhone ? { phone: r.customerPhone } : {}),
  },
  message: r.message,
  status: r.status,
  ...(r.statusNote ? { statusNote: r.statusNote } : {}),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export async function createEnquiry(userId: string, body: z.output<typeof createSchema>) {
  const problems = [
    checkEmail(body.customer.email, "customer.email"),
    body.customer.phone ? checkE164(body.customer.phone, "customer.phone") : undefined,
  ].filter(Boolean);
  if (problems.length)
    throw new HttpError(422, "Invalid customer contact details", problems.join(" "));
  let dealerId = body.dealerId;
  if (body.vehicleId) {
    const v = await findVehicle(body.vehicleId).catch(() => {
      throw new HttpError(422, "Unknown vehicle", `No vehicle ${body.vehicleId}.`);
    });
    dealerId ??= v.dealerId;
  }
  if (!dealerId) throw new HttpError(422, "dealerId is required when no vehicleId is given");
  const db = await getDb();
  const [row] = await db
    .insert(sandboxEnquiries)
    .values({
      id: prefixedId("enq", 12),
      userId,
      vehicleId: body.vehicleId,
      dealerId,
      customerName: body.customer.name,
      customerEmail: body.customer.email,
      customerPhone: body.customer.phone,
      message: body.message,
      status: "new",
    })
    .returning();
  return enquiryJson(row!);
}

export async function listEnquiries(userId: string, url: URL) {
  const status = queryEnum(url, "status", ENQUIRY_STATUSES);
  const limit = queryInt(url, "limit", 1, 50, 20);
  const db = await getDb();
  const rows = await db
    .select()
    .from(sandboxEnquiries)
    .where(
      and(
        eq(sandboxEnquiries.userId, userId),
        status ? eq(sandboxEnquiries.status, status) : undefined,
      ),
    )
    .orderBy(desc(sandboxEnquiries.createdAt))
    .limit(limit);
  return { items: rows.map(enquiryJson) };
}

async function findEnquiry(userId: string, id: string): Promise<Row> {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(sandboxEnquiries)
    .where(and(eq(sandboxEnquiries.userId, userId), eq(sandboxEnquiries.id, id)));
  if (!row) throw new HttpError(404, "Enquiry not found", `No enquiry ${id}.`);
  return row;
}

export async function getEnquiry(userId: string, id: string) {
  return enquiryJson(await findEnquiry(userId, id));
}

export { statusSchema };

export async function updateEnquiryStatus(
  userId: string,
  id: string,
  body: z.output<typeof statusSchema>,
) {
  const row = await findEnquiry(userId, id);
  const from = row.status as Status;
  if (from !== body.status && !allowed[from].includes(body.status)) {
    throw new HttpError(
      409,
      "Status change not allowed",
      `An enquiry that is ${from} cannot become ${body.status}.`,
    );
  }
  const db = await getDb();
  const [updated] = await db
    .update(sandboxEnquiries)
    .set({ status: body.status, statusNote: body.note ?? row.statusNote, updatedAt: new Date() })
    .where(
      and(
        eq(sandboxEnquiries.userId, userId),
        eq(sandboxEnquiries.id, id),
        eq(sandboxEnquiries.status, from),
      ),
    )
    .returning();
  if (!updated)
    throw new HttpError(409, "Enquiry changed concurrently", "Read it again and retry.");
  return enquiryJson(updated);
}

export async function assertOwnEnquiry(userId: string, id: string): Promise<void> {
  await findEnquiry(userId, id).catch(() => {
    throw new HttpError(422, "Unknown enquiry", `No enquiry ${id}.`);
  });
}
