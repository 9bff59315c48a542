import { z } from "zod";
import { agentToolSchema } from "./tools/definition";

/** Request bodies the service accepts. Unknown keys pass through (clients send more than we use). */
const text = z.string().max(100_000);

const contentPart = z.looseObject({ type: z.string(), text: text.optional() });

export const inputItemSchema = z
  .looseObject({
    type: z.string().optional(),
    id: z.string().optional(),
    role: z.enum(["user", "assistant", "system", "developer"]).optional(),
    content: z.union([text, z.array(contentPart)]).optional(),
  })
  .refine(
    (i) => (i.type ?? "message") !== "message" || (i.role !== undefined && i.content !== undefined),
    {
      message: "A message item needs a role and content.",
    },
  );
export type InputItem = z.infer<typeof inputItemSchema>;

const metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, {
    message: "At most 16 metadata keys.",
  });

const agentRef = z.looseObject({
  type: z.literal("agent_reference").optional(),
  name: z.string().min(1).max(256),
  version: z.string().min(1).max(32).optional(),
});

export const createResponseSchema = z.looseObject({
  /** The current key; `agent` is what older clients (and the recordings) send. */
  agent_reference: agentRef.optional(),
  agent: agentRef.optional(),
  conversation: z
    .union([z.string().min(1), z.looseObject({ id: z.string().min(1) })])
    .nullable()
    .optional(),
  previous_response_id: z.string().min(1).nullable().optional(),
  input: z.union([text, z.array(inputItemSchema).max(100)]).optional(),
  stream: z.boolean().nullable().optional(),
  tool_choice: z.unknown().optional(),
  metadata: metadata.nullable().optional(),
});
export type CreateResponseBody = z.infer<typeof createResponseSchema>;

export const createConversationSchema = z.looseObject({
  items: z.array(inputItemSchema).max(20).nullable().optional(),
  metadata: metadata.nullable().optional(),
});

export const createItemsSchema = z.looseObject({
  items: z.array(inputItemSchema).min(1).max(20),
});

/** Foundry's rule for agent names: letters, digits and inner hyphens, at most 63 characters. */
export const AGENT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export const createAgentVersionSchema = z.looseObject({
  definition: z.looseObject({
    kind: z.string(),
    model: z.string().min(1).optional(),
    instructions: z.string().max(256_000).nullable().optional(),
    tools: z.array(agentToolSchema).max(128).optional(),
  }),
  description: z.string().max(512).nullable().optional(),
  metadata: metadata.nullable().optional(),
});
export type CreateAgentVersionBody = z.infer<typeof createAgentVersionSchema>;

export const createAgentSchema = createAgentVersionSchema.extend({ name: z.string() });
