import generated from "@/mcp-server/openapi/generated/dealer-api.tools.json";
import { dealerBackend, DEALER_PROVIDER } from "@/mcp-server/openapi/backend/handler";
import type { GeneratedApi } from "@/mcp-server/openapi/generate";
import { toolsFromApi } from "@/mcp-server/openapi/tools";

/**
 * The dealer business API tools (inventory, enquiries, bookings, payments): one tool per
 * operation of mcp-server/openapi/dealer-api.yaml, generated into
 * mcp-server/openapi/generated/dealer-api.tools.json (regenerate: npx tsx mcp-server/openapi/cli.ts).
 * Calls go to the sandbox backend in-process; it needs no per-user connection.
 */
export const dealerApiTools = toolsFromApi(
  generated as unknown as GeneratedApi,
  DEALER_PROVIDER,
  dealerBackend,
);
