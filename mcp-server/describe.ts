import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Risk, ToolAnnotations, ToolDefinition } from "./catalog/types";
import {
  approvalFor,
  approverRolesFor,
  effectiveRisk,
  type Approval,
  type Policy,
  POLICY,
} from "./policy";
import { inputJsonSchema, outputJsonSchema, type JsonSchema } from "./tool-schema";

/** `_meta` keys of tools/list entries; reverse-DNS prefixed as the MCP spec asks. */
export const META = {
  risk: "io.foundry-agent-chat/risk",
  approval: "io.foundry-agent-chat/approval",
  approverRoles: "io.foundry-agent-chat/approver-roles",
  idempotencyKey: "io.foundry-agent-chat/idempotency-key",
} as const;

/** One entry of GET /api/tools. */
export interface ToolDescription {
  name: string;
  title: string;
  description: string;
  provider: string;
  risk: Risk;
  approval: Approval;
  approverRoles: readonly string[];
  annotations: ToolAnnotations;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
}

export function describeTool(tool: ToolDefinition, policy: Policy = POLICY): ToolDescription {
  const output = outputJsonSchema(tool);
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    provider: tool.provider,
    risk: effectiveRisk(tool, policy),
    approval: approvalFor(tool, policy),
    approverRoles: approverRolesFor(tool, policy),
    annotations: tool.annotations,
    inputSchema: inputJsonSchema(tool),
    ...(output ? { outputSchema: output } : {}),
  };
}

/** The tools/list entry: spec fields, honest annotations, and our risk/approval in `_meta`. */
export function toMcpTool(tool: ToolDefinition, policy: Policy = POLICY): Tool {
  const d = describeTool(tool, policy);
  return {
    name: d.name,
    title: d.title,
    description: d.description,
    inputSchema: d.inputSchema as Tool["inputSchema"],
    ...(d.outputSchema ? { outputSchema: d.outputSchema as Tool["outputSchema"] } : {}),
    annotations: { title: d.title, ...d.annotations },
    _meta: {
      [META.risk]: d.risk,
      [META.approval]: d.approval,
      [META.approverRoles]: [...d.approverRoles],
    },
  };
}
