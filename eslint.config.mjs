import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [
      ".next/**",
      ".next-e2e/**",
      ".next-bench/**",
      "docs/lighthouse/**",
      ".data/**",
      "node_modules/**",
      "lib/db/migrations/**",
      "next-env.d.ts",
      "test-results/**",
      "playwright-report/**",
    ],
  },
  {
    // Only the config module may read the environment.
    files: ["**/*.ts", "**/*.tsx"],
    ignores: [
      "lib/config.ts",
      "playwright.config.ts",
      "vitest.config.mts",
      "drizzle.config.ts",
      "tests/**",
      "scripts/**",
    ],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Read configuration through lib/config.ts.",
        },
      ],
    },
  },
];

export default config;
