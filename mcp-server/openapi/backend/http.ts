import type { z } from "zod";

/** Small response helpers of the sandbox dealer backend (it answers like a real JSON API). */
export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

export function problem(status: number, title: string, detail?: string): Response {
  return new Response(
    JSON.stringify({ type: "about:blank", title, status, ...(detail ? { detail } : {}) }),
    {
      status,
      headers: { "content-type": "application/problem+json" },
    },
  );
}

/** Thrown inside handlers; the router turns it into a problem response. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export async function readJson<T extends z.ZodType>(req: Request, schema: T): Promise<z.output<T>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new HttpError(400, "Malformed JSON body");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError(
      400,
      "Request body does not match the schema",
      parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    );
  }
  return parsed.data;
}

export function queryInt(
  url: URL,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const v = url.searchParams.get(name);
  if (v === null) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new HttpError(400, `Query parameter ${name} must be an integer ${min}-${max}`);
  return n;
}

export function queryEnum<T extends string>(
  url: URL,
  name: string,
  values: readonly T[],
): T | undefined {
  const v = url.searchParams.get(name);
  if (v === null) return undefined;
  if (!(values as readonly string[]).includes(v))
    throw new HttpError(400, `Query parameter ${name} must be one of ${values.join(", ")}`);
  return v as T;
}
