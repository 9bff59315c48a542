/** What every project CLI shares: argument parsing with a usage text, exits, and `.env` loading. */
import { loadEnvConfig } from "@next/env";
import { parseArgs, type ParseArgsConfig } from "node:util";

export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses argv (exit 2 with the usage on bad input; prints the usage and exits 0 on --help). */
export function parseCli<O extends Options>(options: O, usage: string) {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { ...options, help: { type: "boolean", short: "h" } },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${usage}`, 2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return parsed as {
    values: ReturnType<typeof parseArgs<{ options: O }>>["values"];
    positionals: string[];
  };
}

/** Reads the same .env files as `next dev`, so a CLI sees the running app's configuration. */
export function loadAppEnv(): void {
  loadEnvConfig(process.cwd(), process.env.NODE_ENV !== "production", {
    info: () => {},
    error: (...a: unknown[]) => console.error(...a),
  });
}
