import type { Tool } from "@composio/core";
import type { ComposioSettings } from "@/lib/config";
import { logger } from "@/lib/log";
import type { ToolSource } from "@/mcp-server/catalog/sources";
import { describeIssues } from "@/mcp-server/catalog/tools/define";
import { ToolError, type ToolAnnotations, type ToolDefinition } from "@/mcp-server/catalog/types";
import { toPlainSchema, type PlainSchema } from "@/mcp-server/openapi/plain-schema";
import { plainObjectToZod } from "@/mcp-server/openapi/plain-schema-zod";
import { composioSdk } from "./client";
import { composioFailure } from "./errors";
import { executeComposioTool, type ComposioToolRef } from "./execute";
import { COMPOSIO_PROVIDER } from "./sessions";

/** A Composio tool in our catalog; `composio` says which slug and toolkit it runs. */
export interface ComposioToolDefinition extends ToolDefinition {
  composio: ComposioToolRef;
}

/** Schemas change rarely; the listing is refreshed in the background once an hour. */
export const COMPOSIO_REFRESH_MS = 60 * 60 * 1000;

/** The `composio` tool source when Composio is configured (catalog/configured-sources.ts). */
export function composioToolSources(settings: ComposioSettings | undefined): ToolSource[] {
  if (!settings) return [];
  return [
    {
      id: COMPOSIO_PROVIDER,
      refreshMs: COMPOSIO_REFRESH_MS,
      load: (signal) => listComposioTools(settings, signal),
    },
  ];
}

export function composioToolName(slug: string): string {
  return `composio_${slug.toLowerCase()}`;
}

/**
 * Exactly the whitelisted tools, with their schemas from Composio:
 * `GET /api/v3.1/tools?tool_slugs=A,B&limit=9999&toolkit_versions=latest`. A tool Composio does
 * not list, that belongs to another toolkit, or whose schema is not plain is left out, with the
 * reason logged.
 */
export async function listComposioTools(
  settings: ComposioSettings,
  signal: AbortSignal,
): Promise<ComposioToolDefinition[]> {
  const sdk = await composioSdk(settings);
  let listed: Tool[];
  try {
    listed = await sdk.composio.tools.getRawComposioTools({ tools: settings.tools }, undefined, {
      signal,
    });
  } catch (err) {
    // The source's status shows this message to admins: our words and an HTTP status only.
    throw new Error(
      `Composio tools could not be listed: ${composioFailure(err, { session: false }).message}`,
    );
  }
  const tools: ComposioToolDefinition[] = [];
  const seen = new Set<string>();
  for (const raw of listed) {
    const slug = raw.slug.toUpperCase();
    const skip = (reason: string) =>
      logger().warn({ source: COMPOSIO_PROVIDER, tool: slug, reason }, "composio tool left out");
    if (!settings.tools.includes(slug) || seen.has(slug)) {
      skip("not in COMPOSIO_TOOLS");
      continue;
    }
    const toolkit = raw.toolkit?.slug?.toLowerCase();
    if (!toolkit || toolkit !== settings.toolkitOf[slug]) {
      skip(`Composio puts it in toolkit ${toolkit ?? "(none)"}, not ${settings.toolkitOf[slug]}`);
      continue;
    }
    try {
      tools.push(toolFromComposio(raw, settings));
      seen.add(slug);
    } catch (err) {
      skip((err as Error).message);
    }
  }
  for (const slug of settings.tools)
    if (!seen.has(slug) && !listed.some((t) => t.slug.toUpperCase() === slug))
      logger().warn(
        { source: COMPOSIO_PROVIDER, tool: slug, reason: "Composio does not list it" },
        "composio tool left out",
      );
  return tools;
}

/**
 * Composio's tags carry MCP's hints (`readOnlyHint`, `destructiveHint`, `idempotentHint`,
 * `openWorldHint`). A tool tagged read-only is a `read` tool; everything else is `write`, so it
 * needs the user's approval.
 */
function riskAndAnnotations(tags: readonly string[]): {
  risk: "read" | "write";
  annotations: ToolAnnotations;
} {
  const has = (t: string) => tags.includes(t);
  if (has("readOnlyHint"))
    return {
      risk: "read",
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: has("openWorldHint"),
      },
    };
  return {
    risk: "write",
    annotations: {
      readOnlyHint: false,
      destructiveHint: has("destructiveHint"),
      idempotentHint: has("idempotentHint"),
      openWorldHint: has("openWorldHint"),
    },
  };
}

/** Composio's input schema reduced to plain JSON Schema; every top-level argument described. */
function plainInput(raw: Tool["inputParameters"], slug: string): PlainSchema {
  const schema = toPlainSchema(raw ?? { type: "object", properties: {} }, slug);
  if (schema.type !== "object") throw new Error(`${slug}: the input is not an object.`);
  const titles = ((raw as { properties?: Record<string, { title?: unknown }> } | undefined)
    ?.properties ?? {}) as Record<string, { title?: unknown }>;
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.description) continue;
    const title = titles[name]?.title;
    prop.description = typeof title === "string" && title.trim() ? title.trim() : `The ${name}.`;
  }
  return schema;
}

export function toolFromComposio(raw: Tool, settings: ComposioSettings): ComposioToolDefinition {
  const slug = raw.slug.toUpperCase();
  const name = composioToolName(slug);
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(name))
    throw new Error(`${name} is not a valid MCP tool name (≤ 64 of a-z, 0-9, _).`);
  const inputSchema = plainObjectToZod(plainInput(raw.inputParameters, slug), true);
  const toolkit = settings.toolkitOf[slug]!;
  const ref: ComposioToolRef = { slug, toolkit, toolkitName: raw.toolkit?.name || toolkit };
  const { risk, annotations } = riskAndAnnotations(raw.tags ?? []);
  const summary = (raw.description ?? "").trim() || raw.name || slug;
  return {
    name,
    title: raw.name || slug,
    description: `${summary} (${ref.toolkitName} through Composio; acts on your connected ${ref.toolkitName} account.)`,
    risk,
    annotations,
    provider: COMPOSIO_PROVIDER,
    inputSchema,
    composio: ref,
    async run(input, ctx) {
      const parsed = inputSchema.safeParse(input);
      if (!parsed.success)
        throw new ToolError("invalid_arguments", describeIssues(parsed.error.issues));
      return executeComposioTool(settings, ref, parsed.data as Record<string, unknown>, ctx);
    },
  };
}
