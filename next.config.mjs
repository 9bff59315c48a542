/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  // The e2e suite builds into its own directory so it never disturbs a running `npm run dev`.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  // Native/wasm packages and the Azure SDKs run as plain Node modules instead of being bundled.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pg",
    "pino",
    "@azure/ai-projects",
    "@azure/identity",
    "@azure/msal-node",
    "openai",
  ],
};

export default nextConfig;
