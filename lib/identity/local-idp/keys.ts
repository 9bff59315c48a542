import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { getConfig } from "@/lib/config";

/** The local IdP's RS256 signing key, as loaded from (or first written to) `localKeyPath`. */
export interface LocalSigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** Public half as published in the JWKS (`kid`, `alg`, `use` set). */
  publicJwk: JWK;
}

const ALG = "RS256";
const KEY = Symbol.for("foundry-agent-chat.local-idp.keys");
type Holder = { [KEY]?: Map<string, Promise<LocalSigningKey>> };

function cache(): Map<string, Promise<LocalSigningKey>> {
  const g = globalThis as Holder;
  g[KEY] ??= new Map();
  return g[KEY];
}

/**
 * Loads the signing key once per process (and per key path, since tests move DATA_DIR). Cached on
 * globalThis because Next may evaluate this module once per route bundle.
 */
export function getLocalSigningKey(
  keyPath = getConfig().identity.localKeyPath,
): Promise<LocalSigningKey> {
  const keys = cache();
  let pending = keys.get(keyPath);
  if (!pending) {
    pending = loadOrCreateLocalKey(keyPath);
    keys.set(keyPath, pending);
    pending.catch(() => keys.delete(keyPath));
  }
  return pending;
}

export async function getLocalJwks(keyPath?: string): Promise<{ keys: JWK[] }> {
  const { publicJwk } = await getLocalSigningKey(keyPath);
  return { keys: [publicJwk] };
}

/** Tests simulate a restart with this; the key file stays. */
export function resetLocalKeyCache(): void {
  cache().clear();
}

/** Uncached: reads the key file, creating it first if absent. Safe to race (see writeOnce). */
export async function loadOrCreateLocalKey(keyPath: string): Promise<LocalSigningKey> {
  const existing = await readJwk(keyPath);
  if (existing) return toSigningKey(existing, keyPath);
  await writeOnce(keyPath, await newPrivateJwk());
  // Re-read: when several processes start at once, only the first write lands and all use it.
  const stored = await readJwk(keyPath);
  if (!stored)
    throw new Error(`The local IdP key at ${keyPath} vanished right after it was written.`);
  return toSigningKey(stored, keyPath);
}

async function readJwk(keyPath: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await fs.readFile(keyPath, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as JWK;
  } catch {
    throw new Error(
      `The local IdP key at ${keyPath} is not valid JSON. Delete it to generate a new one.`,
    );
  }
}

async function newPrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
  return exportJWK(privateKey);
}

/**
 * Write to a private temp file, then hard-link it into place: `link` fails when the target exists,
 * so concurrent first starts cannot overwrite each other's key (a plain rename could, after a
 * peer already read the first key). Filesystems without hard links fall back to rename.
 */
async function writeOnce(keyPath: string, jwk: JWK): Promise<void> {
  await fs.mkdir(path.dirname(keyPath), { recursive: true });
  const tmp = `${keyPath}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(jwk), { mode: 0o600, flag: "wx" });
  try {
    await fs.link(tmp, keyPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EEXIST") {
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw err;
      await fs.rename(tmp, keyPath);
      return;
    }
  }
  await fs.rm(tmp, { force: true });
}

async function toSigningKey(jwk: JWK, keyPath: string): Promise<LocalSigningKey> {
  if (jwk.kty !== "RSA" || !jwk.n || !jwk.e || !jwk.d) {
    throw new Error(
      `The local IdP key at ${keyPath} is not an RSA private key. Delete it to generate a new one.`,
    );
  }
  const publicPart: JWK = { kty: "RSA", n: jwk.n, e: jwk.e };
  const kid = await calculateJwkThumbprint(publicPart);
  const privateKey = (await importJWK({ ...jwk, alg: ALG }, ALG)) as CryptoKey;
  return { kid, privateKey, publicJwk: { ...publicPart, kid, alg: ALG, use: "sig" } };
}
