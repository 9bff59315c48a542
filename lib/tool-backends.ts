import { parse as parseYaml } from "yaml";
import { z } from "zod";

/**
 * The tool backends file (`TOOL_BACKENDS_FILE`, YAML or JSON): OpenAPI backends and upstream MCP
 * servers whose tools join the catalog (docs/TOOLS.md). Secrets are never written in the file:
 * `secret: CRM_API_KEY` names an environment variable (or the Key Vault secret `crm-api-key`)
 * that holds the value. lib/config.ts reads the file and resolves the secrets; this module is
 * the pure schema and resolution.
 */

/** Ids become part of tool names (`openapi_<id>_…`, `mcp_<id>_…`): short, lower case. */
const backendId = z
  .string()
  .regex(
    /^[a-z][a-z0-9]{0,23}$/,
    "must be 1–24 lower-case letters or digits, starting with a letter",
  );
const secretName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,127}$/, "must name an environment variable, e.g. CRM_API_KEY");
const httpsUrl = z.url({ protocol: /^https$/ });
/** Plain http is allowed only to loopback (a sidecar or a test server on this machine). */
const serviceUrl = z
  .url({ protocol: /^https?$/ })
  .refine((u) => u.startsWith("https://") || isLoopback(u), {
    message: "must be https (plain http only to 127.0.0.1, ::1 or localhost)",
  });

const authSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("none") }),
  z.object({
    type: z.literal("api_key"),
    /** Header carrying the key, e.g. `X-API-Key`, or `Authorization` with prefix `Bearer `. */
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/)
      .default("X-API-Key"),
    prefix: z.string().max(32).default(""),
    secret: secretName,
  }),
  z.object({
    type: z.literal("client_credentials"),
    /** OAuth 2.0 token endpoint, e.g. https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token */
    tokenUrl: httpsUrl,
    clientId: z.string().min(1),
    secret: secretName,
    scope: z.string().min(1).optional(),
  }),
  z.object({
    type: z.literal("obo"),
    /** The downstream API's scope, e.g. `api://crm/.default` (needs Entra sign-in). */
    scope: z.string().min(1),
  }),
]);
/** How the server itself (no user) reads an `obo` upstream's tool list; never used for calls. */
const [noneAuth, apiKeyAuth, clientCredentialsAuth] = authSchema.options;
const listAuthSchema = z.discriminatedUnion("type", [noneAuth, apiKeyAuth, clientCredentialsAuth]);

const resilience = {
  /** Per-call budget for this backend (capped by MCP_TOOL_TIMEOUT_MS). */
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
  /** Retries of calls safe to repeat (reads, idempotent writes) after a transient failure. */
  retries: z.number().int().min(0).max(5).optional(),
};

const openApiBackend = z.object({
  id: backendId,
  /** Path of the OpenAPI 3 document (relative to the working directory) or its https URL. */
  document: z.string().min(1),
  /** Overrides the document's `servers[0].url`. */
  baseUrl: serviceUrl.optional(),
  auth: authSchema.default({ type: "none" }),
  /** Only these operationIds become tools (default: every operation). */
  operations: z.array(z.string().min(1)).min(1).optional(),
  ...resilience,
});

const upstreamMcp = z.object({
  id: backendId,
  /** The upstream's Streamable HTTP endpoint. */
  url: serviceUrl,
  auth: authSchema.default({ type: "none" }),
  /**
   * How the tool list is read (default: `auth`); required with `auth: obo`, since the list is
   * read at start-up and in the background, with no user to act for. Never used for calls.
   */
  listAuth: listAuthSchema.optional(),
  /** The upstream tools offered (by their upstream names); nothing else is ever listed or called. */
  tools: z.array(z.string().min(1)).min(1),
  /** Raise an upstream tool's risk above what its annotations say (never lower it). */
  risks: z.record(z.string(), z.enum(["read", "write", "privileged"])).default({}),
  /** How often the upstream's tool list is read again. */
  refreshSeconds: z.number().int().min(10).max(86_400).default(300),
  ...resilience,
});

export const toolBackendsFileSchema = z
  .object({
    openapi: z.array(openApiBackend).default([]),
    mcp: z.array(upstreamMcp).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const [kind, list] of [
      ["openapi", file.openapi],
      ["mcp", file.mcp],
    ] as const) {
      const seen = new Set<string>();
      list.forEach((b, i) => {
        if (seen.has(b.id))
          ctx.addIssue({
            code: "custom",
            path: [kind, i, "id"],
            message: `duplicate id "${b.id}"`,
          });
        seen.add(b.id);
      });
    }
    file.mcp.forEach((b, i) => {
      if (b.auth.type === "obo" && !b.listAuth)
        ctx.addIssue({
          code: "custom",
          path: ["mcp", i, "listAuth"],
          message:
            'auth "obo" needs listAuth (api_key, client_credentials or none): the tool list is read without a user',
        });
    });
  });

type RawAuth = z.infer<typeof authSchema>;

/** Auth with its secret resolved (the value, never the variable name). */
export type BackendAuth =
  | { type: "none" }
  | { type: "api_key"; header: string; prefix: string; secret: string }
  | {
      type: "client_credentials";
      tokenUrl: string;
      clientId: string;
      secret: string;
      scope?: string;
    }
  | { type: "obo"; scope: string };

export type OpenApiBackendConfig = Omit<z.infer<typeof openApiBackend>, "auth"> & {
  auth: BackendAuth;
};
export type UpstreamMcpConfig = Omit<z.infer<typeof upstreamMcp>, "auth" | "listAuth"> & {
  auth: BackendAuth;
  listAuth?: ListAuth;
};
/** Auth the server can use without a user (an upstream's listing). */
export type ListAuth = Exclude<BackendAuth, { type: "obo" }>;
export interface ToolBackends {
  openapi: OpenApiBackendConfig[];
  mcp: UpstreamMcpConfig[];
}

/** Parses the file's text (YAML is a superset of JSON); throws one line per problem. */
export function parseToolBackendsFile(text: string): z.infer<typeof toolBackendsFileSchema> {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new Error(`is not valid YAML or JSON: ${(err as Error).message}`);
  }
  const parsed = toolBackendsFileSchema.safeParse(data ?? {});
  if (!parsed.success)
    throw new Error(
      parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`).join("; "),
    );
  return parsed.data;
}

/** The environment variables the file's secrets are read from. */
export function secretNamesOf(file: z.infer<typeof toolBackendsFileSchema>): string[] {
  const names = [...file.openapi, ...file.mcp].flatMap((b) =>
    [b.auth, "listAuth" in b ? b.listAuth : undefined].flatMap((a) =>
      a && "secret" in a ? [a.secret] : [],
    ),
  );
  return [...new Set(names)];
}

/**
 * Replaces every secret name by its value from `env`; a missing value is an error naming the
 * variable (and the backend), never a silent unauthenticated call.
 */
export function resolveToolBackends(
  file: z.infer<typeof toolBackendsFileSchema>,
  env: Record<string, string | undefined>,
): ToolBackends {
  const resolve = (auth: RawAuth, where: string): BackendAuth => {
    if (!("secret" in auth)) return auth;
    const value = env[auth.secret]?.trim();
    if (!value) throw new Error(`${where}: the secret variable ${auth.secret} is not set`);
    return { ...auth, secret: value };
  };
  return {
    openapi: file.openapi.map((b) => ({ ...b, auth: resolve(b.auth, `openapi ${b.id}`) })),
    mcp: file.mcp.map(({ listAuth, ...b }) => ({
      ...b,
      auth: resolve(b.auth, `mcp ${b.id}`),
      // listAuth's schema has no obo, and resolving keeps the type.
      ...(listAuth ? { listAuth: resolve(listAuth, `mcp ${b.id} listAuth`) as ListAuth } : {}),
    })),
  };
}

/** Whether a URL points at this machine (the only place plain http may go). */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "[::1]" || host === "localhost";
}
