import { afterAll, beforeAll } from "vitest";
import { resetConfig } from "@/lib/config";
import { openDb, setDbHandle, type DbHandle } from "@/lib/db/client";
import type { Principal } from "@/lib/identity/principal";
import { ToolError, type ToolContext, type ToolDefinition } from "@/mcp-server/catalog/types";
import { recordConnection } from "@/mcp-server/connections/store";
import type { ConnectableProvider } from "@/mcp-server/providers/types";

/** One in-memory PGlite per test file, installed as the process database. */
export function setupMemoryDb(): { handle: () => DbHandle } {
  let handle: DbHandle | undefined;
  beforeAll(async () => {
    // Connect links are signed; a fixed test key keeps tests from creating one in DATA_DIR.
    process.env.CONNECT_TOKEN_SECRET ??= "tests-connect-token-secret-0123456789abcdef";
    resetConfig();
    const p = openDb({ kind: "pglite", dir: null });
    setDbHandle(p);
    handle = await p;
  });
  afterAll(async () => {
    setDbHandle(undefined);
    await handle?.close();
  });
  return { handle: () => handle! };
}

let n = 0;
export function principal(name: string, overrides: Partial<Principal> = {}): Principal {
  n += 1;
  return {
    userId: `00000000-0000-4000-8000-${String(n).padStart(6, "0")}${name
      .padEnd(6, "0")
      .slice(0, 6)
      .replace(/[^0-9a-f]/g, "0")}`,
    tenantId: "7f3c1a52-0d4e-4c1b-9a39-5b8e4c0f1d00",
    username: `${name}@contoso.example`,
    name,
    roles: [],
    scopes: ["access_as_user"],
    kind: "user",
    token: "test-token",
    ...overrides,
  };
}

export function ctx(p: Principal, signal: AbortSignal = new AbortController().signal): ToolContext {
  return { principal: p, correlationId: "0af7651916cd43dd8448eb211c80319c", signal };
}

export async function connect(p: Principal, ...providers: ConnectableProvider[]): Promise<void> {
  for (const provider of providers) await recordConnection(p.userId, provider, p.username);
}

/** Runs a tool and returns the ToolError it throws; fails the test when it does not throw one. */
export async function toolError(
  tool: ToolDefinition,
  input: unknown,
  c: ToolContext,
): Promise<ToolError> {
  try {
    await tool.run(input as never, c);
  } catch (err) {
    if (err instanceof ToolError) return err;
    throw err;
  }
  throw new Error(`${tool.name} did not fail`);
}
