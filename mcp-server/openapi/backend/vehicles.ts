import { and, asc, eq, lte } from "drizzle-orm";
import { getDb, type Db } from "@/lib/db/client";
import { sandboxVehicles } from "@/lib/db/schema";
import { HttpError, queryEnum, queryInt } from "./http";

/** Shared stock of the dealer group (not per user: every caller sees the same showroom). */
const stock = [
  [
    "veh_aur01",
    "Aurora",
    "EV",
    2025,
    "Core",
    "electric",
    36_995_00,
    12,
    "available",
    "dlr_reading",
  ],
  ["veh_aur02", "Aurora", "EV", 2025, "Plus", "electric", 40_495_00, 8, "available", "dlr_oxford"],
  [
    "veh_aur03",
    "Aurora",
    "EV",
    2024,
    "Launch Edition",
    "electric",
    38_750_00,
    9_800,
    "available",
    "dlr_glasgow",
  ],
  [
    "veh_kes01",
    "Kestrel",
    "Hybrid",
    2024,
    "Design",
    "hybrid",
    24_450_00,
    15,
    "available",
    "dlr_reading",
  ],
  [
    "veh_kes02",
    "Kestrel",
    "Hybrid",
    2022,
    "Excel",
    "hybrid",
    17_995_00,
    28_400,
    "available",
    "dlr_bristol",
  ],
  [
    "veh_kes03",
    "Kestrel",
    "Hybrid",
    2021,
    "Design",
    "hybrid",
    15_250_00,
    41_900,
    "reserved",
    "dlr_bristol",
  ],
  [
    "veh_sol01",
    "Solace",
    "PHEV Estate",
    2025,
    "Sport",
    "plug_in_hybrid",
    42_100_00,
    5,
    "available",
    "dlr_oxford",
  ],
  [
    "veh_sol02",
    "Solace",
    "PHEV Estate",
    2023,
    "SE",
    "plug_in_hybrid",
    29_800_00,
    22_100,
    "available",
    "dlr_glasgow",
  ],
  [
    "veh_rid01",
    "Ridgeline",
    "Pickup",
    2024,
    "Double Cab",
    "diesel",
    33_600_00,
    18_700,
    "available",
    "dlr_bristol",
  ],
  [
    "veh_rid02",
    "Ridgeline",
    "Pickup",
    2020,
    "Double Cab",
    "diesel",
    21_400_00,
    66_300,
    "sold",
    "dlr_reading",
  ],
  [
    "veh_vel01",
    "Vela",
    "Hatch",
    2023,
    "Sport",
    "petrol",
    16_900_00,
    19_500,
    "available",
    "dlr_glasgow",
  ],
  [
    "veh_vel02",
    "Vela",
    "Hatch",
    2019,
    "Comfort",
    "petrol",
    9_450_00,
    58_200,
    "available",
    "dlr_oxford",
  ],
] as const;

export const FUELS = ["petrol", "diesel", "hybrid", "plug_in_hybrid", "electric"] as const;
export const VEHICLE_STATUSES = ["available", "reserved", "sold"] as const;

const seeded = new WeakMap<Db, Promise<void>>();
export function ensureStock(db: Db): Promise<void> {
  let p = seeded.get(db);
  if (!p) {
    p = db
      .insert(sandboxVehicles)
      .values(
        stock.map(
          ([id, make, model, year, trim, fuel, priceCents, mileageKm, status, dealerId]) => ({
            id,
            make,
            model,
            year,
            trim,
            fuel,
            priceCents,
            mileageKm,
            status,
            dealerId,
          }),
        ),
      )
      .onConflictDoNothing()
      .then(() => undefined);
    p.catch(() => seeded.delete(db));
    seeded.set(db, p);
  }
  return p;
}

type Row = typeof sandboxVehicles.$inferSelect;
export const vehicleJson = (r: Row) => ({
  id: r.id,
  make: r.make,
  model: r.model,
  year: r.year,
  trim: r.trim,
  fuel: r.fuel,
  priceGbp: r.priceCents / 100,
  mileageKm: r.mileageKm,
  status: r.status,
  dealerId: r.dealerId,
});

export async function listVehicles(url: URL) {
  const db = await getDb();
  await ensureStock(db);
  const make = url.searchParams.get("make");
  const fuel = queryEnum(url, "fuel", FUELS);
  const status = queryEnum(url, "status", VEHICLE_STATUSES);
  const maxPrice = url.searchParams.has("maxPriceGbp")
    ? queryInt(url, "maxPriceGbp", 1000, 500_000, 0)
    : undefined;
  const limit = queryInt(url, "limit", 1, 50, 20);
  const rows = await db
    .select()
    .from(sandboxVehicles)
    .where(
      and(
        fuel ? eq(sandboxVehicles.fuel, fuel) : undefined,
        status ? eq(sandboxVehicles.status, status) : undefined,
        maxPrice !== undefined ? lte(sandboxVehicles.priceCents, maxPrice * 100) : undefined,
      ),
    )
    .orderBy(asc(sandboxVehicles.priceCents));
  const filtered = make ? rows.filter((r) => r.make.toLowerCase() === make.toLowerCase()) : rows;
  return { items: filtered.slice(0, limit).map(vehicleJson) };
}

export async function findVehicle(id: string): Promise<Row> {
  const db = await getDb();
  await ensureStock(db);
  const [row] = await db.select().from(sandboxVehicles).where(eq(sandboxVehicles.id, id));
  if (!row) throw new HttpError(404, "Vehicle not found", `No vehicle ${id}.`);
  return row;
}
