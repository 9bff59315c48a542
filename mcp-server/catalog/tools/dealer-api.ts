import generated from "@/mcp-server/openapi/generated/dealer-api.tools.json";
import { dealerBackend, DEALER_PROVIDER } from "@/mcp-server/openapi/backend/handler";
import type { GeneratedApi } from "@/mcp-server/openapi/generate";
import { toolsFromApi } from "@/mcp-server/openapi/tools";
import { callProvider } from "@/mcp-server/providers/call";

const api = generated as unknown as GeneratedApi;

/**
 * The dealer business API tools (inventory, enquiries, bookings, payments): one tool per
 * operation of mcp-server/openapi/dealer-api.yaml, generated into
 * mcp-server/openapi/generated/dealer-api.tools.json (regenerate: npx tsx mcp-server/openapi/cli.ts).
 * Calls go to the sandbox backend in-process, authenticated by the user's sandbox session; it
 * needs no per-user connection. A tool backends file entry with `id: dealer` replaces these
 * tools with ones calling the real API (docs/TOOLS.md, "OpenAPI backends").
 */
export const dealerApiTools = toolsFromApi(api, {
  provider: DEALER_PROVIDER,
  baseUrl: api.baseUrl,
  transport: dealerBackend,
  authorize: (ctx, attempt) =>
    callProvider(ctx, DEALER_PROVIDER, (session) =>
      attempt({ authorization: `Bearer ${session.id}` }),
    ),
});
