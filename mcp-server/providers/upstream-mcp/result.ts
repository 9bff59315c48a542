import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { printableText } from "@/lib/http/text";
import { ToolError } from "@/mcp-server/catalog/types";
import { upstreamText } from "./errors";

type Block = CallToolResult["content"][number];

/**
 * What our tool returns for an upstream's result (mcp-server/results.ts turns it into ours):
 * - `isError` → `provider_error` with the upstream's own text (shortened), not retriable unless
 *   the upstream says so (`retriable: true` in its structured content or JSON text);
 * - a tool with an output schema → the upstream's `structuredContent`, checked against it
 *   (unknown fields dropped), which we send as our `structuredContent` (+ its JSON as text);
 * - otherwise → the upstream's content as text: text blocks as they are, embedded text resources
 *   by their text, links by their URI, and images, audio and binary resources by a placeholder
 *   (our results carry text; a model reading them could not use the bytes anyway).
 */
export function outputOf(
  source: string,
  upstreamName: string,
  result: CallToolResult,
  outputSchema: z.ZodObject | undefined,
): unknown {
  if (result.isError)
    throw new ToolError(
      "provider_error",
      `${upstreamName} on the ${source} MCP server failed: ${upstreamText(textOf(result.content)) || "no details given"}`,
      { retriable: saysRetriable(result), provider: source },
    );
  if (outputSchema) {
    const out = outputSchema.safeParse(result.structuredContent);
    if (!out.success)
      throw new ToolError(
        "provider_error",
        `${upstreamName} on the ${source} MCP server answered without the structured content its output schema promises.`,
        { retriable: false, provider: source },
      );
    return out.data;
  }
  if (result.content.length === 0 && result.structuredContent)
    return JSON.stringify(result.structuredContent);
  return printableText(textOf(result.content));
}

function textOf(content: readonly Block[]): string {
  return content.map(blockText).join("\n\n");
}

function blockText(b: Block): string {
  switch (b.type) {
    case "text":
      return b.text;
    case "image":
    case "audio":
      return `[${b.type} (${b.mimeType}) not shown]`;
    case "resource_link":
      return `[${b.name}: ${b.uri}]`;
    case "resource":
      return "text" in b.resource && typeof b.resource.text === "string"
        ? b.resource.text
        : `[resource ${b.resource.uri} (${b.resource.mimeType ?? "binary"}) not shown]`;
    default:
      return "";
  }
}

function saysRetriable(result: CallToolResult): boolean {
  const structured = result.structuredContent as { retriable?: unknown } | undefined;
  if (structured?.retriable === true) return true;
  const first = result.content[0];
  if (first?.type !== "text") return false;
  try {
    return (JSON.parse(first.text) as { retriable?: unknown }).retriable === true;
  } catch {
    return false;
  }
}
