import { protectedResourceMetadata } from "@/mcp-server/resource-metadata";

/** RFC 9728 Protected Resource Metadata for /api/mcp; public, so browser-based clients may read it. */
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json(protectedResourceMetadata(), {
    headers: { "cache-control": "public, max-age=300", "access-control-allow-origin": "*" },
  });
}
