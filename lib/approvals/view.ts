import { z } from "zod";

/**
 * What clients see of an approval (GET /api/approvals, the inbox feed, the decision answer).
 * Browser-safe: shared by the API and the UI.
 */
export const approvalViewSchema = z.object({
  id: z.string(),
  status: z.enum(["pending", "approved", "rejected", "expired"]),
  source: z.enum(["chat", "mcp"]),
  tool: z.string(),
  serverLabel: z.string(),
  arguments: z.string(),
  risk: z.enum(["read", "write", "privileged"]),
  /** Role a decider must hold; null: the requester decides. */
  requiredRole: z.string().nullable(),
  requester: z.object({ id: z.string(), name: z.string() }),
  /** Only the requester sees which of their conversations asked (others see the context text). */
  conversationId: z.string().nullable(),
  context: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  decidedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable(),
  /** Whether the caller may decide it now. */
  canDecide: z.boolean(),
});
export type ApprovalView = z.infer<typeof approvalViewSchema>;

export const approvalFeedEventSchema = z.object({
  seq: z.number().int().positive(),
  type: z.enum(["approval.requested", "approval.decided", "approval.expired"]),
  at: z.string(),
  approval: approvalViewSchema,
});
export type ApprovalFeedEvent = z.infer<typeof approvalFeedEventSchema>;

export const decisionResultSchema = z.object({
  id: z.string(),
  status: z.enum(["approved", "rejected"]),
  decidedBy: z.string(),
  decidedAt: z.string(),
});
export type DecisionResult = z.infer<typeof decisionResultSchema>;
