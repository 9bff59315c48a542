const isProduction = process.env.NODE_ENV === "production";
const entraAuthority = process.env.ENTRA_AUTHORITY_HOST || "https://login.microsoftonline.com";

// Scripts stay 'unsafe-inline' because Next's bootstrap and the theme script are inline; a
// nonce-based policy (proxy.ts) is the next step. Everything else is locked to this origin.
const csp = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${isProduction ? "" : " 'unsafe-eval'"}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  `connect-src 'self' ${entraAuthority}`,
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'self'",
  "object-src 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: csp },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
  ...(isProduction
    ? [{ key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" }]
    : []),
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // `next build` also writes .next/standalone: a minimal server (server.js) with only the
  // node_modules it needs, which the production Dockerfile copies. `next dev` is unaffected.
  output: "standalone",
  poweredByHeader: false,
  // The e2e suite builds into its own directory so it never disturbs a running `npm run dev`.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // Native/wasm packages and the Azure SDKs run as plain Node modules instead of being bundled.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pg",
    "pino",
    "@azure/ai-projects",
    "@azure/identity",
    "@azure/keyvault-secrets",
    "@azure/msal-node",
    // Microsoft Graph SDK: its Node middleware (redirects) is chosen by `typeof require`.
    "@microsoft/microsoft-graph-client",
    "openai",
    // Google's SDKs (Gmail live mode) load their transports at run time.
    "@googleapis/gmail",
    "googleapis-common",
    "google-auth-library",
    // Composio's SDK resolves `#platform` imports by runtime condition; loaded only when configured.
    "@composio/core",
    // Tracing and metrics: one instance of each per process (global providers and registries).
    "@opentelemetry/api",
    "@opentelemetry/context-async-hooks",
    "@opentelemetry/core",
    "@opentelemetry/resources",
    "@opentelemetry/sdk-trace",
    "@opentelemetry/exporter-trace-otlp-http",
    "@azure/monitor-opentelemetry-exporter",
    "prom-client",
  ],
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
