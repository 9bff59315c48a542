/**
 * Regenerates the committed tool descriptions from the bundled OpenAPI document:
 *   npx tsx mcp-server/openapi/cli.ts
 * tests/mcp/tools/openapi.test.ts fails when the committed file is out of date.
 */
import fs from "node:fs";
import path from "node:path";
import { DEALER_API_DOCUMENT, DEALER_API_GENERATED } from "./paths";
import { generateOperations } from "./generate";

async function main() {
  const api = await generateOperations(DEALER_API_DOCUMENT);
  fs.mkdirSync(path.dirname(DEALER_API_GENERATED), { recursive: true });
  fs.writeFileSync(DEALER_API_GENERATED, `${JSON.stringify(api, null, 2)}\n`);
  console.log(
    `Wrote ${api.operations.length} operations to ${path.relative(process.cwd(), DEALER_API_GENERATED)}`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
