import { z } from "zod";

/** Request shapes of the approvals HTTP API (DESIGN §9). */
export const approvalIdSchema = z.object({
  id: z.string().regex(/^appr_[0-9a-f]{32}$/, "Not an approval id."),
});

export const listApprovalsSchema = z.object({
  status: z.enum(["pending", "decided"]).default("pending"),
  scope: z.enum(["mine", "inbox"]).default("inbox"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const decisionSchema = z
  .object({
    approve: z.boolean(),
    reason: z.string().trim().max(1000).optional(),
  })
  .strict();
