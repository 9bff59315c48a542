import path from "node:path";

/** Where the bundled dealer API document and its generated tool descriptions live. */
export const DEALER_API_DOCUMENT = path.join(process.cwd(), "mcp-server/openapi/dealer-api.yaml");
export const DEALER_API_GENERATED = path.join(
  process.cwd(),
  "mcp-server/openapi/generated/dealer-api.tools.json",
);
