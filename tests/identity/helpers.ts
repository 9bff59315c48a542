import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SignJWT, type JWTPayload } from "jose";
import { resetConfig } from "@/lib/config";
import { useFreshDb } from "../helpers/db";
import { resetRecentUsers } from "@/lib/identity/authenticate";
import { resetLocalIdpState } from "@/lib/identity/local-idp/grants";
import { resetLocalKeyCache } from "@/lib/identity/local-idp/keys";
import { json, route } from "@/lib/http/route";
import { authenticate } from "@/lib/identity/authenticate";

const IDENTITY_ENV = [
  "DATA_DIR",
  "APP_URL",
  "PORT",
  "NODE_ENV",
  "ENTRA_TENANT_ID",
  "ENTRA_API_CLIENT_ID",
  "ENTRA_API_APP_ID_URI",
  "ENTRA_API_CLIENT_SECRET",
  "ENTRA_SPA_CLIENT_ID",
  "ENTRA_AUTHORITY_HOST",
  "ALLOW_LOCAL_IDENTITY_IN_PRODUCTION",
];

/** Points the app at a throwaway data dir and applies `env`; returns a function restoring everything. */
export function useEnv(env: Record<string, string | undefined>): {
  dataDir: string;
  restore: () => void;
} {
  const saved = Object.fromEntries(IDENTITY_ENV.map((k) => [k, process.env[k]]));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fac-identity-"));
  for (const k of IDENTITY_ENV) if (k !== "NODE_ENV") delete process.env[k];
  process.env.DATA_DIR = dataDir;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetAll();
  return {
    dataDir,
    restore: () => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      resetAll();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function resetAll(): void {
  resetConfig();
  resetLocalKeyCache();
  resetLocalIdpState();
  resetRecentUsers();
}

/** An in-memory PGlite installed as the app's database. */
export const useMemoryDb = () => useFreshDb("pglite");

/** A route that answers with the caller's Principal: what any `/api/*` handler sees. */
export const whoAmI = route(async ({ req }) => {
  const p = await authenticate(req);
  return json({ ...p, token: undefined });
});

export function callWithToken(token: string | undefined, scheme = "Bearer"): Promise<Response> {
  const headers: Record<string, string> =
    token === undefined ? {} : { authorization: `${scheme} ${token}` };
  return whoAmI(new Request("http://localhost/api/whoami", { headers }));
}

export const now = () => Math.floor(Date.now() / 1000);

/** Signs arbitrary claims (RS256 unless a header says otherwise) for negative tests. */
export async function signToken(
  key: CryptoKey | Uint8Array,
  claims: JWTPayload,
  header: { alg?: string; kid?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: header.alg ?? "RS256", typ: "JWT", kid: header.kid })
    .sign(key);
}

/** `alg: none`: header and claims, empty signature. */
export function unsignedToken(claims: JWTPayload): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${enc({ alg: "none", typ: "JWT" })}.${enc(claims)}.`;
}

export async function problemOf(res: Response): Promise<{
  status: number;
  type: string | null;
  challenge: string | null;
  body: Record<string, unknown>;
}> {
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    challenge: res.headers.get("www-authenticate"),
    body: (await res.json()) as Record<string, unknown>,
  };
}
