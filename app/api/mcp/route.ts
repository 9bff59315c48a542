import { handleMcp } from "@/mcp-server/http";

/** MCP Streamable HTTP (stateless). See docs/MCP.md. */
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = (req: Request) => handleMcp(req);
export const GET = (req: Request) => handleMcp(req);
export const DELETE = (req: Request) => handleMcp(req);
