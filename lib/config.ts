import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import {
  parseToolBackendsFile,
  resolveToolBackends,
  secretNamesOf,
  type ToolBackends,
} from "./tool-backends";

/**
 * The one place that reads `process.env`. Everything is validated once; a bad value stops the
 * server at start with a message naming the variable. Absent cloud settings select the embedded
 * defaults (local agent service, local identity provider, PGlite, in-process state).
 */
const bool = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");
const boolDefaultTrue = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === undefined || v === "" || v === "true" || v === "1");
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));
const optionalUrl = optionalString.pipe(z.url().optional());

/** Documented consent origins: Entra sign-in, and Foundry's consent links (`<region>.consent.azure-apihub.net`). */
export const DEFAULT_CONSENT_LINK_ORIGINS =
  "https://login.microsoftonline.com,https://*.consent.azure-apihub.net";
const HOST = "[a-z0-9-]+(?:\\.[a-z0-9-]+)*";
const consentOriginPattern = new RegExp(
  `^https://(?:${HOST}|\\*\\.[a-z0-9-]+(?:\\.[a-z0-9-]+)+)(?::\\d{1,5})?$`,
  "i",
);
function isConsentOrigin(value: string): boolean {
  return consentOriginPattern.test(value);
}
/** E.164 as Twilio wants it: `+`, country code, at most 15 digits. */
const E164 = /^\+[1-9]\d{1,14}$/;

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  APP_URL: optionalUrl,
  DATA_DIR: z.string().default(".data"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  DATABASE_URL: optionalString,
  REDIS_URL: optionalString,

  // Azure Key Vault: at start-up, the secrets below that are not set in the environment are read
  // from this vault (managed identity / DefaultAzureCredential). See SECRET_KEYS.
  KEY_VAULT_URL: optionalString.pipe(z.url({ protocol: /^https$/ }).optional()),

  // Identity: Entra when a tenant and API client id are configured, else the local IdP.
  ENTRA_TENANT_ID: optionalString,
  ENTRA_API_CLIENT_ID: optionalString,
  ENTRA_API_APP_ID_URI: optionalString,
  ENTRA_API_CLIENT_SECRET: optionalString,
  ENTRA_SPA_CLIENT_ID: optionalString,
  ENTRA_AUTHORITY_HOST: z.url().default("https://login.microsoftonline.com"),
  ALLOW_LOCAL_IDENTITY_IN_PRODUCTION: bool,

  // Agent service: Foundry when a project endpoint is configured, else the local agent service.
  FOUNDRY_PROJECT_ENDPOINT: optionalUrl,
  FOUNDRY_CREDENTIAL: z.enum(["obo", "default"]).default("obo"),
  DEFAULT_AGENT_NAME: z.string().min(1).default("assistant"),

  // Local agent service model.
  LOCAL_MODEL_BASE_URL: optionalUrl,
  LOCAL_MODEL_API_KEY: optionalString,
  LOCAL_MODEL_NAME: z.string().default("scripted"),
  LOCAL_MODEL_PACING_MS: z.coerce.number().int().min(0).max(5000).optional(),

  // Tool-provider connections: HMAC key of the short-lived connect tokens in /connect/<provider> links.
  // Unset: a random key is created once in DATA_DIR (fine for one replica; set it when scaling out).
  CONNECT_TOKEN_SECRET: optionalString.pipe(z.string().min(32).optional()),
  // Key (base64, 32 bytes) that encrypts server-side credentials at rest (e.g. the On-Behalf-Of
  // token cache that lets an approved run continue after the user's token expired).
  // Unset: a random key is created once in DATA_DIR (fine for one replica; set it when scaling out).
  DATA_ENCRYPTION_KEY: optionalString,
  CONNECT_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(600),

  // MCP server at /api/mcp. Lists are comma-separated; APP_URL's host/origin and loopback are always allowed.
  // Messages a user may send to agents per minute (each starts a run).
  CHAT_MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(20),

  MCP_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(50),
  MCP_ALLOWED_HOSTS: optionalString,
  MCP_ALLOWED_ORIGINS: optionalString,
  MCP_TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  // true: a tool call answers only after its audit row is flushed to disk (PostgreSQL
  // synchronous_commit); false: after it is committed, flushed by the WAL writer within ~0.6 s.
  AUDIT_DURABLE_COMMIT: bool,
  // Bounds on one tools/call's arguments: nesting depth, and UTF-8 bytes as JSON (≤ the 1 MiB body cap).
  MCP_MAX_ARGUMENT_DEPTH: z.coerce.number().int().min(2).max(256).default(32),
  MCP_MAX_ARGUMENT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .default(512 * 1024),
  // server_label of our MCP server in agent definitions (the policy generator writes it).
  MCP_SERVER_LABEL: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default("foundry_agent_chat"),
  // Approval ledger at /api/mcp: write/privileged calls run only against an approved approval.
  MCP_APPROVAL_LEDGER: boolDefaultTrue,

  // Approvals: how long a request waits for a decision, and how long an approved one stays usable.
  APPROVAL_TTL_SECONDS: z.coerce.number().int().min(10).max(604_800).default(3600),
  APPROVAL_USE_WINDOW_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
  APPROVAL_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),

  // Consent links the chat may open (comma-separated https origins; `https://*.domain` = any
  // subdomain). Defaults: Microsoft Entra sign-in, and Foundry's regional consent hosts. In
  // embedded mode the app's own origin (the local IdP) is always accepted as well.
  CONSENT_LINK_ORIGINS: z
    .string()
    .default(DEFAULT_CONSENT_LINK_ORIGINS)
    .transform((v) => csv(v).map((o) => o.replace(/\/$/, "").toLowerCase()))
    .refine((list) => list.every(isConsentOrigin), {
      message:
        "Each entry must be an https origin (https://host[:port]) or https://*.domain[:port], without a path.",
    }),

  // Request limits.
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(64 * 1024),
  MAX_MESSAGE_CHARS: z.coerce.number().int().min(1).default(16_000),
  // Deepest nesting of objects and arrays a JSON body may have (the body itself is level 1).
  MAX_JSON_DEPTH: z.coerce.number().int().min(4).max(1000).default(64),
  // Live event streams (conversation events and the approvals feed) one user may hold open at
  // once, counted per process (per replica); past it a new stream gets 429.
  SSE_STREAMS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(20),

  // Observability (docs/OBSERVABILITY.md): traces go to OTLP/HTTP and/or Azure Monitor; with
  // neither set, tracing is off. /api/metrics answers Admins, or this bearer token (a scraper).
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl.refine((v) => !v || /^https?:\/\//i.test(v), {
    message: "Must be an http(s) URL, e.g. http://127.0.0.1:4318.",
  }),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalString,
  OTEL_SERVICE_NAME: z.string().trim().min(1).default("foundry-agent-chat"),
  METRICS_SCRAPE_TOKEN: optionalString.pipe(z.string().min(16).optional()),

  // --- Microsoft Graph (planner_*, outlook_send_mail, teams_post_message) — docs/TOOLS.md ---
  // sandbox (default): state in the database. live: Microsoft Graph On-Behalf-Of the signed-in
  // Entra user (needs ENTRA_TENANT_ID, ENTRA_API_CLIENT_ID and ENTRA_API_CLIENT_SECRET).
  GRAPH_PROVIDER: z.enum(["sandbox", "live"]).default("sandbox"),
  // Graph endpoint and version (national clouds: e.g. https://graph.microsoft.us/v1.0).
  // Default https://graph.microsoft.com/v1.0.
  GRAPH_BASE_URL: optionalString.refine(
    (v) => v === undefined || /^https:\/\/[a-z0-9.-]+(?::\d{1,5})?\/[A-Za-z0-9.]+\/?$/i.test(v),
    { message: "Must be https://<host>/<version>, e.g. https://graph.microsoft.com/v1.0." },
  ),
  // The Planner plan a task goes to when none is given (and what the alias 'personal' means).
  GRAPH_PLANNER_DEFAULT_PLAN_ID: optionalString,
  // Where Entra sends the browser back after the Graph consent link (a Web redirect URI of the
  // API app registration). Default: <APP_URL>/connections.
  GRAPH_CONSENT_REDIRECT_URI: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),

  // Tool backends (docs/TOOLS.md): a YAML/JSON file listing OpenAPI backends and upstream MCP
  // servers whose tools join the catalog. Secrets in it name variables (or Key Vault secrets).
  TOOL_BACKENDS_FILE: optionalString,
  // --- Live providers: Twilio and Tavily (docs/TOOLS.md, "Live providers") ---------------------
  // `sandbox` (default) keeps the tools on the database sandbox; `live` calls the real service
  // with the settings below, and buildConfig refuses `live` without what it needs.
  TWILIO_PROVIDER: optionalString.pipe(z.enum(["sandbox", "live"]).optional()),
  TWILIO_ACCOUNT_SID: optionalString.pipe(
    z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, "must be an Account SID (AC + 32 hex characters)")
      .optional(),
  ),
  // Preferred: an API key (SK…) and its secret; else the account's Auth Token.
  TWILIO_API_KEY_SID: optionalString.pipe(
    z
      .string()
      .regex(/^SK[0-9a-fA-F]{32}$/, "must be an API key SID (SK + 32 hex characters)")
      .optional(),
  ),
  TWILIO_API_KEY_SECRET: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  // Senders the app may use for SMS (comma-separated E.164); the first is the default.
  TWILIO_FROM_NUMBERS: optionalString
    .transform((v) => csv(v))
    .refine((list) => list.every((n) => E164.test(n)), {
      message: "Each entry must be an E.164 number such as +14155550123.",
    }),
  // WhatsApp sender (E.164, with or without the `whatsapp:` prefix); unset: no WhatsApp in live mode.
  TWILIO_WHATSAPP_FROM: optionalString
    .transform((v) => v?.replace(/^whatsapp:/i, ""))
    .pipe(z.string().regex(E164, "must be an E.164 number such as +14155238886").optional()),
  TWILIO_STATUS_CALLBACK_URL: optionalString.pipe(z.url({ protocol: /^https$/ }).optional()),
  TAVILY_PROVIDER: optionalString.pipe(z.enum(["sandbox", "live"]).optional()),
  TAVILY_API_KEY: optionalString,
  // ---- Gmail provider (docs/TOOLS.md, "Gmail: live mode") ----
  // sandbox (default): the in-database mailbox. live: Google's Gmail API for each user, connected
  // with Google OAuth (authorization code + PKCE) at <APP_URL>/api/connections/gmail/callback.
  GMAIL_PROVIDER: z.enum(["sandbox", "live"]).default("sandbox"),
  // OAuth client of type "Web application" in the Google Cloud project (required when live).
  GOOGLE_CLIENT_ID: optionalString,
  GOOGLE_CLIENT_SECRET: optionalString,

  // --- Composio Tool Router (docs/TOOLS.md, "Composio") ---------------------------------------
  // Enabled when COMPOSIO_API_KEY is set (a secret: env or Key Vault). Only the whitelisted tools
  // exist, each in a whitelisted toolkit; auth configs are optional `toolkit:ac_…` pairs
  // (Composio-managed auth otherwise). The base URL is passed to the SDK explicitly, so the SDK
  // never picks its own from the environment.
  COMPOSIO_API_KEY: optionalString,
  COMPOSIO_TOOLKITS: optionalString,
  COMPOSIO_TOOLS: optionalString,
  COMPOSIO_AUTH_CONFIGS: optionalString,
  COMPOSIO_BASE_URL: optionalString.pipe(z.url({ protocol: /^https$/ }).optional()),
});

export type RawEnv = z.infer<typeof envSchema>;

/** Every variable the app reads (docs and .env.example must list them all). */
export const configKeys = Object.keys(envSchema.shape) as (keyof RawEnv)[];

/** Fixed identifiers of the embedded identity provider (shaped like Entra GUIDs). */
export const LOCAL_TENANT_ID = "7f3c1a52-0d4e-4c1b-9a39-5b8e4c0f1d00";
export const LOCAL_API_CLIENT_ID = "b2f1d7e4-3c5a-4e8b-9f21-6a0c9d4e1f00";
export const LOCAL_SPA_CLIENT_ID = "c9e2a1b3-7d4f-4a6c-8b50-2e1f0a9d3c00";
export const FOUNDRY_SCOPE = "https://ai.azure.com/.default";
export const FOUNDRY_AUDIENCE = "https://ai.azure.com";

export function buildConfig(env: Record<string, string | undefined>) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const appUrl = (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, "");
  const entra = e.ENTRA_TENANT_ID && e.ENTRA_API_CLIENT_ID;
  const identityMode = entra ? ("entra" as const) : ("local" as const);
  if (
    identityMode === "local" &&
    e.NODE_ENV === "production" &&
    !e.ALLOW_LOCAL_IDENTITY_IN_PRODUCTION
  ) {
    throw new Error(
      "Invalid configuration:\n  The local identity provider is refused when NODE_ENV=production. " +
        "Configure ENTRA_TENANT_ID and ENTRA_API_CLIENT_ID, or set ALLOW_LOCAL_IDENTITY_IN_PRODUCTION=true.",
    );
  }
  if (e.GRAPH_PROVIDER === "live" && (identityMode !== "entra" || !e.ENTRA_API_CLIENT_SECRET)) {
    throw new Error(
      "Invalid configuration:\n  GRAPH_PROVIDER=live calls Microsoft Graph On-Behalf-Of the signed-in Entra user: " +
        "set ENTRA_TENANT_ID, ENTRA_API_CLIENT_ID and ENTRA_API_CLIENT_SECRET, or GRAPH_PROVIDER=sandbox.",
    );
  }
  const gmail = gmailProviderConfig(e, appUrl);
  const apiClientId = e.ENTRA_API_CLIENT_ID ?? LOCAL_API_CLIENT_ID;
  const toolBackends = loadToolBackends(e.TOOL_BACKENDS_FILE, env, identityMode);
  const dataDir = path.resolve(e.DATA_DIR);

  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === "production",
    port: e.PORT,
    appUrl,
    dataDir,
    logLevel: e.LOG_LEVEL,
    database: e.DATABASE_URL
      ? ({ kind: "postgres", url: e.DATABASE_URL } as const)
      : ({ kind: "pglite", dir: path.join(dataDir, "pglite") } as const),
    redisUrl: e.REDIS_URL,
    keyVaultUrl: e.KEY_VAULT_URL,
    identity: {
      mode: identityMode,
      tenantId: e.ENTRA_TENANT_ID ?? LOCAL_TENANT_ID,
      apiClientId,
      apiAppIdUri: e.ENTRA_API_APP_ID_URI ?? `api://${apiClientId}`,
      apiClientSecret: e.ENTRA_API_CLIENT_SECRET,
      spaClientId: e.ENTRA_SPA_CLIENT_ID ?? LOCAL_SPA_CLIENT_ID,
      authorityHost:
        identityMode === "entra"
          ? e.ENTRA_AUTHORITY_HOST.replace(/\/$/, "")
          : `${appUrl}/local-idp`,
      /** Delegated scope the SPA asks for; the API checks `scp` contains it. */
      apiScopeName: "access_as_user",
      localKeyPath: path.join(dataDir, "local-idp-key.json"),
    },
    agents: {
      mode: e.FOUNDRY_PROJECT_ENDPOINT ? ("foundry" as const) : ("local" as const),
      endpoint: (e.FOUNDRY_PROJECT_ENDPOINT ?? `${appUrl}/local-foundry`).replace(/\/$/, ""),
      credential: e.FOUNDRY_CREDENTIAL,
      defaultAgent: e.DEFAULT_AGENT_NAME,
    },
    localModel: {
      baseUrl: e.LOCAL_MODEL_BASE_URL,
      apiKey: e.LOCAL_MODEL_API_KEY,
      name: e.LOCAL_MODEL_NAME,
      pacingMs: e.LOCAL_MODEL_PACING_MS ?? (e.NODE_ENV === "test" ? 0 : 30),
    },
    secrets: {
      encryptionKey: e.DATA_ENCRYPTION_KEY,
      encryptionKeyPath: path.join(dataDir, "data-encryption-key"),
    },
    connections: {
      tokenSecret: e.CONNECT_TOKEN_SECRET,
      tokenSecretPath: path.join(dataDir, "connect-token-key"),
      tokenTtlSeconds: e.CONNECT_TOKEN_TTL_SECONDS,
    },
    mcp: {
      /** The protected resource (RFC 9728) and the URL MCP clients and Foundry connect to. */
      resourceUrl: `${appUrl}/api/mcp`,
      rateLimitPerMinute: e.MCP_RATE_LIMIT_PER_MINUTE,
      allowedHosts: csv(e.MCP_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
      allowedOrigins: csv(e.MCP_ALLOWED_ORIGINS).map((o) => o.replace(/\/$/, "").toLowerCase()),
      toolTimeoutMs: e.MCP_TOOL_TIMEOUT_MS,
      argumentBounds: { maxDepth: e.MCP_MAX_ARGUMENT_DEPTH, maxBytes: e.MCP_MAX_ARGUMENT_BYTES },
      serverLabel: e.MCP_SERVER_LABEL,
      approvalLedger: e.MCP_APPROVAL_LEDGER,
      auditDurableCommit: e.AUDIT_DURABLE_COMMIT,
    },
    consent: {
      /** Allowed consent-link origins (normalized; `https://*.domain` entries match subdomains). */
      linkOrigins: e.CONSENT_LINK_ORIGINS,
    },
    approvals: {
      ttlSeconds: e.APPROVAL_TTL_SECONDS,
      useWindowSeconds: e.APPROVAL_USE_WINDOW_SECONDS,
      sweepIntervalMs: e.APPROVAL_SWEEP_INTERVAL_MS,
    },
    limits: {
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxMessageChars: e.MAX_MESSAGE_CHARS,
      maxJsonDepth: e.MAX_JSON_DEPTH,
      chatMessagesPerMinute: e.CHAT_MESSAGES_PER_MINUTE,
      sseStreamsPerUser: e.SSE_STREAMS_PER_USER,
    },
    providers: {
      twilio: twilioConfig(e),
      tavily: tavilyConfig(e),
      graph: graphConfig(e, appUrl),
      gmail,
      composio: composioSettings(e),
    },
    toolBackends,
    telemetry: {
      serviceName: e.OTEL_SERVICE_NAME,
      /** OTLP/HTTP base URL; traces go to `<endpoint>/v1/traces`. */
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, ""),
      appInsightsConnectionString: e.APPLICATIONINSIGHTS_CONNECTION_STRING,
      metricsScrapeToken: e.METRICS_SCRAPE_TOKEN,
    },
  };
}

/**
 * Gmail: sandbox unless GMAIL_PROVIDER=live, which needs Google's OAuth client. The redirect URI is
 * derived from APP_URL and must be registered exactly so in the Google Cloud console; Google takes
 * http only for loopback hosts.
 */
function gmailProviderConfig(e: RawEnv, appUrl: string) {
  const redirectUri = `${appUrl}/api/connections/gmail/callback`;
  if (e.GMAIL_PROVIDER === "sandbox") return { mode: "sandbox" as const, redirectUri };
  const missing = (["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"] as const).filter((k) => !e[k]);
  if (missing.length > 0)
    throw new Error(
      `Invalid configuration:\n  GMAIL_PROVIDER=live needs ${missing.join(" and ")} (the Google OAuth client).`,
    );
  const { protocol, hostname } = new URL(appUrl);
  if (protocol !== "https:" && !["localhost", "127.0.0.1", "[::1]"].includes(hostname))
    throw new Error(
      "Invalid configuration:\n  APP_URL must be https with GMAIL_PROVIDER=live: Google accepts an http redirect URI only for localhost.",
    );
  return {
    mode: "live" as const,
    clientId: e.GOOGLE_CLIENT_ID!,
    clientSecret: e.GOOGLE_CLIENT_SECRET!,
    redirectUri,
  };
}

/** Microsoft Graph tools: sandbox or live (On-Behalf-Of), and where live goes. */
function graphConfig(e: RawEnv, appUrl: string) {
  const base = new URL(e.GRAPH_BASE_URL ?? "https://graph.microsoft.com/v1.0");
  return {
    mode: e.GRAPH_PROVIDER,
    /** e.g. https://graph.microsoft.com — also the resource of the delegated scopes. */
    origin: base.origin,
    /** e.g. v1.0 */
    version: base.pathname.replace(/^\/|\/$/g, ""),
    plannerDefaultPlanId: e.GRAPH_PLANNER_DEFAULT_PLAN_ID,
    consentRedirectUri: e.GRAPH_CONSENT_REDIRECT_URI ?? `${appUrl}/connections`,
  };
}

const NO_BACKENDS: ToolBackends = { openapi: [], mcp: [] };

function loadToolBackends(
  file: string | undefined,
  env: Record<string, string | undefined>,
  identityMode: "entra" | "local",
): ToolBackends {
  if (!file) return NO_BACKENDS;
  const fail = (why: string) => {
    throw new Error(`Invalid configuration:\n  TOOL_BACKENDS_FILE (${file}): ${why}`);
  };
  let text = "";
  try {
    text = readFileSync(path.resolve(file), "utf8");
  } catch (err) {
    fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    const parsed = parseToolBackendsFile(text);
    const obo = [...parsed.openapi, ...parsed.mcp].find((b) => b.auth.type === "obo");
    if (obo && identityMode !== "entra")
      fail(`${obo.id}: auth "obo" needs Entra sign-in (ENTRA_TENANT_ID and ENTRA_API_CLIENT_ID)`);
    return resolveToolBackends(parsed, env);
  } catch (err) {
    if ((err as Error).message.startsWith("Invalid configuration")) throw err;
    return fail((err as Error).message);
  }
}

/** The secret variables a tool backends file refers to (read from Key Vault when unset). */
function backendSecretNames(file: string | undefined): string[] {
  if (!file) return [];
  try {
    return secretNamesOf(parseToolBackendsFile(readFileSync(path.resolve(file), "utf8")));
  } catch {
    return []; // buildConfig reports the file's problem, with its reason
  }
}

/** Refuses a provider switched to `live` without a setting it needs, naming the variable. */
function requireForLive(provider: string, missing: (string | false)[]): void {
  const names = missing.filter((m): m is string => Boolean(m));
  if (names.length > 0)
    throw new Error(
      `Invalid configuration:\n  ${provider}=live needs ${names.join(", ")} (docs/TOOLS.md, "Live providers").`,
    );
}

function twilioConfig(e: RawEnv) {
  if (e.TWILIO_PROVIDER !== "live") return { mode: "sandbox" as const };
  const apiKey = e.TWILIO_API_KEY_SID !== undefined || e.TWILIO_API_KEY_SECRET !== undefined;
  requireForLive("TWILIO_PROVIDER", [
    !e.TWILIO_ACCOUNT_SID && "TWILIO_ACCOUNT_SID",
    apiKey && !e.TWILIO_API_KEY_SID && "TWILIO_API_KEY_SID",
    apiKey && !e.TWILIO_API_KEY_SECRET && "TWILIO_API_KEY_SECRET",
    !apiKey &&
      !e.TWILIO_AUTH_TOKEN &&
      "TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET (or TWILIO_AUTH_TOKEN)",
    e.TWILIO_FROM_NUMBERS.length === 0 && "TWILIO_FROM_NUMBERS",
  ]);
  return {
    mode: "live" as const,
    accountSid: e.TWILIO_ACCOUNT_SID!,
    // HTTP Basic: API key SID + secret when configured (revocable, per app), else SID + Auth Token.
    username: apiKey ? e.TWILIO_API_KEY_SID! : e.TWILIO_ACCOUNT_SID!,
    password: apiKey ? e.TWILIO_API_KEY_SECRET! : e.TWILIO_AUTH_TOKEN!,
    fromNumbers: e.TWILIO_FROM_NUMBERS,
    whatsappFrom: e.TWILIO_WHATSAPP_FROM,
    statusCallbackUrl: e.TWILIO_STATUS_CALLBACK_URL,
  };
}

function tavilyConfig(e: RawEnv) {
  if (e.TAVILY_PROVIDER !== "live") return { mode: "sandbox" as const };
  requireForLive("TAVILY_PROVIDER", [!e.TAVILY_API_KEY && "TAVILY_API_KEY"]);
  return { mode: "live" as const, apiKey: e.TAVILY_API_KEY! };
}

/** What the Composio adapter needs (mcp-server/providers/composio/); undefined when it is off. */
export interface ComposioSettings {
  apiKey: string;
  baseUrl: string;
  /** Toolkit slugs, lower case (`github`). */
  toolkits: string[];
  /** Tool slugs, upper case (`GITHUB_CREATE_ISSUE`), each in one of `toolkits`. */
  tools: string[];
  /** The toolkit each whitelisted tool belongs to (its slug's prefix). */
  toolkitOf: Record<string, string>;
  /** Auth config id per toolkit, where one is set (others use Composio-managed auth). */
  authConfigs: Record<string, string>;
}

export const COMPOSIO_DEFAULT_BASE_URL = "https://backend.composio.dev";
/** `composio_` + the slug must fit MCP's 64-character tool names. */
const COMPOSIO_MAX_SLUG = 64 - "composio_".length;

function composioSettings(e: RawEnv): ComposioSettings | undefined {
  const fail = (key: string, why: string): never => {
    throw new Error(`Invalid configuration:\n  ${key}: ${why}`);
  };
  const toolkits = [...new Set(csv(e.COMPOSIO_TOOLKITS).map((t) => t.toLowerCase()))];
  const tools = [...new Set(csv(e.COMPOSIO_TOOLS).map((t) => t.toUpperCase()))];
  for (const t of toolkits)
    if (!/^[a-z0-9][a-z0-9_]*$/.test(t))
      fail("COMPOSIO_TOOLKITS", `"${t}" is not a toolkit slug (letters, digits, _).`);
  for (const t of tools) {
    if (!/^[A-Z0-9][A-Z0-9_]*$/.test(t))
      fail("COMPOSIO_TOOLS", `"${t}" is not a tool slug (letters, digits, _).`);
    if (t.length > COMPOSIO_MAX_SLUG)
      fail("COMPOSIO_TOOLS", `${t} is longer than ${COMPOSIO_MAX_SLUG} characters.`);
  }
  const authPairs = csv(e.COMPOSIO_AUTH_CONFIGS);
  if (!e.COMPOSIO_API_KEY) return undefined; // off; the lists above were still checked

  if (!toolkits.length)
    fail("COMPOSIO_TOOLKITS", "required when COMPOSIO_API_KEY is set (e.g. github,slack).");
  if (!tools.length)
    fail(
      "COMPOSIO_TOOLS",
      "required when COMPOSIO_API_KEY is set (e.g. GITHUB_CREATE_ISSUE,SLACK_SEND_MESSAGE).",
    );
  const toolkitOf: Record<string, string> = {};
  for (const t of tools) {
    // The longest toolkit whose upper-case slug prefixes the tool (`GOOGLECALENDAR_…`).
    const owner = toolkits
      .filter((k) => t.startsWith(`${k.toUpperCase()}_`))
      .sort((a, b) => b.length - a.length)[0];
    if (!owner)
      fail(
        "COMPOSIO_TOOLS",
        `${t} is not in a toolkit listed in COMPOSIO_TOOLKITS (${toolkits.join(", ")}).`,
      );
    toolkitOf[t] = owner!;
  }
  const authConfigs: Record<string, string> = {};
  for (const pair of authPairs) {
    const m = /^([a-z0-9_]+):([A-Za-z0-9_-]{3,100})$/i.exec(pair);
    if (!m)
      fail(
        "COMPOSIO_AUTH_CONFIGS",
        `"${pair}" must be toolkit:auth_config_id (e.g. github:ac_1a2b).`,
      );
    const toolkit = m![1]!.toLowerCase();
    if (!toolkits.includes(toolkit))
      fail("COMPOSIO_AUTH_CONFIGS", `${toolkit} is not listed in COMPOSIO_TOOLKITS.`);
    authConfigs[toolkit] = m![2]!;
  }
  return {
    apiKey: e.COMPOSIO_API_KEY,
    baseUrl: (e.COMPOSIO_BASE_URL ?? COMPOSIO_DEFAULT_BASE_URL).replace(/\/$/, ""),
    toolkits,
    tools,
    toolkitOf,
    authConfigs,
  };
}

function csv(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}

export type AppConfig = ReturnType<typeof buildConfig>;

/**
 * Variables that hold secrets and may come from Key Vault (secret name: lower case, `_` → `-`,
 * e.g. DATABASE_URL → `database-url`, the rule Container Apps' Key Vault references use too).
 */
export const SECRET_KEYS = [
  "DATABASE_URL",
  "REDIS_URL",
  "ENTRA_API_CLIENT_SECRET",
  "DATA_ENCRYPTION_KEY",
  "CONNECT_TOKEN_SECRET",
  "LOCAL_MODEL_API_KEY",
  "TWILIO_API_KEY_SECRET",
  "TWILIO_AUTH_TOKEN",
  "TAVILY_API_KEY",
  "GOOGLE_CLIENT_SECRET",
  "COMPOSIO_API_KEY",
] as const satisfies readonly (keyof RawEnv)[];
export type SecretKey = (typeof SECRET_KEYS)[number];

export function secretNameFor(key: string): string {
  return key.toLowerCase().replaceAll("_", "-");
}

/**
 * What start-up needs before the configuration can be built: the vault, and which secret
 * variables the environment leaves unset (the environment always wins over the vault).
 */
export function keyVaultBootstrap(): { url: string | undefined; missing: string[] } {
  const url = envSchema.shape.KEY_VAULT_URL.safeParse(process.env.KEY_VAULT_URL);
  if (!url.success)
    throw new Error("Invalid configuration:\n  KEY_VAULT_URL: must be an https URL");
  return { url: url.data, missing: secretVariables().filter((k) => !process.env[k]?.trim()) };
}

/** SECRET_KEYS plus the variables the tool backends file names as secrets. */
function secretVariables(): string[] {
  const file = envSchema.shape.TOOL_BACKENDS_FILE.parse(process.env.TOOL_BACKENDS_FILE);
  return [...new Set<string>([...SECRET_KEYS, ...backendSecretNames(file)])];
}

/**
 * Puts secrets read at start-up (Key Vault) into the environment, for variables still unset, so
 * that every copy of this module (Next bundles it per route) builds the same configuration.
 */
export function applySecrets(values: Partial<Record<string, string>>): void {
  for (const key of secretVariables()) {
    const value = values[key];
    if (value !== undefined && !process.env[key]?.trim()) process.env[key] = value;
  }
  cached = undefined;
}

let cached: AppConfig | undefined;

export function getConfig(): AppConfig {
  cached ??= buildConfig(process.env);
  return cached;
}

/** Tests change the environment between cases; production never calls this. */
export function resetConfig(): void {
  cached = undefined;
}
