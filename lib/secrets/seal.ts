import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { getConfig } from "@/lib/config";

/**
 * Sealing of small server-side secrets (e.g. MSAL Node's token cache for one user) with
 * AES-256-GCM: a random 96-bit IV per seal, a 128-bit authentication tag, and optional
 * associated data that binds the sealed text to where it is stored (so a row copied to another
 * key does not open).
 *
 * Text format (base64url parts): `v1.<iv>.<tag>.<ciphertext>`.
 *
 * The key is `DATA_ENCRYPTION_KEY` (base64 of exactly 32 bytes) or, when that is unset, a random
 * key created once in DATA_DIR (`data-encryption-key`, mode 0600). Set the variable when several
 * replicas share one database: each replica would otherwise create its own key file.
 */

const VERSION = "v1";
const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value that cannot be opened: malformed, tampered with, or sealed with another key. */
export class SealError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SealError";
  }
}

export function seal(plaintext: string, associatedData = ""): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, sealingKey(), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv, tag, ciphertext]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".");
}

/** Opens what `seal` produced with the same associated data; throws `SealError` otherwise. */
export function open(sealed: string, associatedData = ""): string {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new SealError("Not a sealed value of a known version.");
  }
  const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, "base64url"));
  if (iv!.length !== IV_BYTES || tag!.length !== TAG_BYTES) {
    throw new SealError("The sealed value is malformed.");
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, sealingKey(), iv!, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, "utf8"));
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(ciphertext!), decipher.final()]).toString("utf8");
  } catch (cause) {
    throw new SealError(
      "The sealed value could not be opened: it was changed, or sealed with another key.",
      { cause },
    );
  }
}

// ---- the key ----

const KEY = Symbol.for("foundry-agent-chat.secrets.key");
type Holder = { [KEY]?: Buffer };

function sealingKey(): Buffer {
  const g = globalThis as Holder;
  g[KEY] ??= loadKey();
  return g[KEY];
}

function loadKey(): Buffer {
  const cfg = getConfig().secrets;
  if (cfg.encryptionKey) return decodeConfiguredKey(cfg.encryptionKey);
  return keyFromFile(cfg.encryptionKeyPath);
}

function decodeConfiguredKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, "base64") : undefined;
  if (!key || key.length !== KEY_BYTES) {
    throw new Error(
      `DATA_ENCRYPTION_KEY must be the base64 encoding of exactly ${KEY_BYTES} random bytes ` +
        `(e.g. \`openssl rand -base64 32\`); the configured value ${
          key ? `decodes to ${key.length} bytes` : "is not base64"
        }.`,
    );
  }
  return key;
}

/**
 * One random key per data directory, created once and never logged. Same pattern as the connect
 * token key (mcp-server/connections/connect-token.ts), but written to a private temp file and
 * hard-linked into place (as the local IdP key, lib/identity/local-idp/keys.ts): `link` fails
 * when the target exists, so concurrent first starts end up with one key, and nobody can read a
 * half-written file.
 */
function keyFromFile(file: string): Buffer {
  const existing = readKeyFile(file);
  if (existing) return existing;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, randomBytes(KEY_BYTES).toString("base64url"), { mode: 0o600, flag: "wx" });
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EEXIST") {
      if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
      // No hard links on this filesystem: `wx` on the target itself still refuses a second writer.
      try {
        fs.copyFileSync(tmp, file, fs.constants.COPYFILE_EXCL);
      } catch (copyErr) {
        if ((copyErr as NodeJS.ErrnoException).code !== "EEXIST") throw copyErr;
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  const stored = readKeyFile(file);
  if (!stored)
    throw new Error(`The data encryption key at ${file} vanished right after it was written.`);
  return stored;
}

function readKeyFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  const key = Buffer.from(text.trim(), "base64url");
  if (key.length !== KEY_BYTES) {
    throw new Error(
      `The data encryption key at ${file} is not ${KEY_BYTES} bytes of base64url. ` +
        "Restore it (or set DATA_ENCRYPTION_KEY); deleting it makes every sealed secret unreadable.",
    );
  }
  return key;
}

/** Tests change DATA_ENCRYPTION_KEY / DATA_DIR between cases. */
export function resetSealingKey(): void {
  delete (globalThis as Holder)[KEY];
}
