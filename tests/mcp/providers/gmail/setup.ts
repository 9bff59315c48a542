import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { setupServer } from "msw/node";
import pino from "pino";
import { afterAll, afterEach, beforeAll } from "vitest";
import { resetConfig } from "@/lib/config";
import { loggerOptions } from "@/lib/log";
import { resetSealingKey } from "@/lib/secrets/seal";
import type { Principal } from "@/lib/identity/principal";
import { resetConnectTokenKey } from "@/mcp-server/connections/connect-token";
import { recordConnection } from "@/mcp-server/connections/store";
import { saveGrant } from "@/mcp-server/providers/gmail/tokens";
import { resetBreakers } from "@/mcp-server/resilience";
import { setupMemoryDb } from "../../tools/helpers";
import { ALL_SCOPES, CLIENT_ID, CLIENT_SECRET, FakeGoogle } from "./fake-google";

export const APP_URL = "https://chat.example.com";
const ENV = {
  GMAIL_PROVIDER: "live",
  GOOGLE_CLIENT_ID: CLIENT_ID,
  GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
  APP_URL,
  DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
};

/**
 * Live Gmail mode for one test file: an in-memory database, the fake Google behind msw (any
 * request it does not know fails the test), and the configuration that selects the live adapter.
 */
export function setupLiveGmail() {
  const db = setupMemoryDb();
  const google = new FakeGoogle();
  const server = setupServer(...google.handlers());
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [k, v] of Object.entries(ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    resetConfig();
    resetSealingKey();
    resetConnectTokenKey();
    server.listen({ onUnhandledRequest: "error" });
  });
  afterEach(() => {
    server.resetHandlers();
    resetBreakers();
  });
  afterAll(() => {
    server.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetConfig();
    resetSealingKey();
  });
  return { db, google, server };
}

/** A user who connected Gmail earlier: a grant at the fake Google, sealed here, and the connection. */
export async function connectLive(
  google: FakeGoogle,
  p: Principal,
  scopes: string[] = ALL_SCOPES,
): Promise<{ refreshToken: string }> {
  const { refreshToken } = google.grant(scopes.join(" "));
  await saveGrant(p.userId, { refreshToken, scopes });
  await recordConnection(p.userId, "gmail", "ana.real@gmail.com", scopes);
  return { refreshToken };
}

const LOGGER = Symbol.for("foundry-agent-chat.logger");
type Holder = { [LOGGER]?: pino.Logger };

/** Every line the app logs (at trace level, with the app's redaction) while `fn` runs. */
export async function captureLogs<T>(
  fn: () => Promise<T>,
): Promise<{ lines: string[]; result: T | unknown }> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  const g = globalThis as Holder;
  const previous = g[LOGGER];
  g[LOGGER] = pino(loggerOptions("trace"), sink);
  try {
    const result = await fn().catch((err: unknown) => err);
    return { lines, result };
  } finally {
    g[LOGGER] = previous;
  }
}
