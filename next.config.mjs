/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
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
