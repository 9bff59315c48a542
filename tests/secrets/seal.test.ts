import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetConfig } from "@/lib/config";
import { sealedSecrets } from "@/lib/db/schema";
import { SealError, open, resetSealingKey, seal } from "@/lib/secrets/seal";
import { deleteSealed, getSealed, putSealed } from "@/lib/secrets/store";
import { useFreshDb } from "../helpers/db";

const keyA = randomBytes(32).toString("base64");
const keyB = randomBytes(32).toString("base64");

function useKey(key: string | undefined): void {
  if (key === undefined) delete process.env.DATA_ENCRYPTION_KEY;
  else process.env.DATA_ENCRYPTION_KEY = key;
  resetConfig();
  resetSealingKey();
}

/** Flips one bit of one base64url part of a sealed value. */
function flip(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split(".");
  const bytes = Buffer.from(parts[part]!, "base64url");
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "seal-test-"));
  process.env.DATA_DIR = dataDir;
});
afterAll(() => {
  useKey(undefined);
  delete process.env.DATA_DIR;
  resetConfig();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("seal / open (AES-256-GCM)", () => {
  beforeEach(() => useKey(keyA));

  it("round-trips, in the versioned text format, with a fresh IV each time", () => {
    const secret = "refresh-token-ünïcode-🔑";
    const a = seal(secret, "ctx");
    const b = seal(secret, "ctx");
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("refresh-token");
    expect(open(a, "ctx")).toBe(secret);
    expect(open(b, "ctx")).toBe(secret);
    expect(open(seal(""))).toBe("");
  });

  it("detects tampering with the IV, the tag or the ciphertext, and a different context", () => {
    const sealed = seal("top secret", "ctx");
    for (const part of [1, 2, 3] as const) {
      expect(() => open(flip(sealed, part), "ctx")).toThrow(SealError);
    }
    expect(() => open(sealed, "other-ctx")).toThrow(SealError);
    expect(() => open(sealed)).toThrow(SealError);
    expect(() => open("v2" + sealed.slice(2), "ctx")).toThrow(SealError);
    expect(() => open("not sealed at all", "ctx")).toThrow(SealError);
    expect(() => open(sealed.split(".").slice(0, 3).join("."), "ctx")).toThrow(SealError);
  });

  it("fails with the wrong key", () => {
    const sealed = seal("top secret");
    useKey(keyB);
    expect(() => open(sealed)).toThrow(SealError);
    useKey(keyA);
    expect(open(sealed)).toBe("top secret");
  });

  it("refuses a configured key that is not 32 bytes of base64, with a clear message", () => {
    useKey(randomBytes(16).toString("base64"));
    expect(() => seal("x")).toThrow(/DATA_ENCRYPTION_KEY.*32.*decodes to 16 bytes/);
    useKey("this is not base64!");
    expect(() => seal("x")).toThrow(/DATA_ENCRYPTION_KEY.*not base64/);
    // base64url spelling of a 32-byte key is accepted too
    useKey(randomBytes(32).toString("base64url"));
    expect(open(seal("x"))).toBe("x");
  });
});

describe("the key file (no DATA_ENCRYPTION_KEY)", () => {
  const keyFile = () => path.join(dataDir, "data-encryption-key");
  beforeEach(() => {
    fs.rmSync(keyFile(), { force: true });
    useKey(undefined);
  });

  it("is created once, private, and reused after a restart", () => {
    const sealed = seal("kept");
    const stat = fs.statSync(keyFile());
    expect(stat.mode & 0o777).toBe(0o600);
    const content = fs.readFileSync(keyFile(), "utf8");
    expect(Buffer.from(content, "base64url")).toHaveLength(32);
    // No temp files left behind.
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    resetSealingKey(); // a "restart"
    expect(open(sealed)).toBe("kept");
    seal("again");
    expect(fs.readFileSync(keyFile(), "utf8")).toBe(content);
  });

  it("uses a key another process created first, never overwriting it", () => {
    const theirs = randomBytes(32);
    fs.writeFileSync(keyFile(), theirs.toString("base64url"), { mode: 0o600 });
    const sealed = seal("shared");
    expect(fs.readFileSync(keyFile(), "utf8")).toBe(theirs.toString("base64url"));
    // Sealed with their key: opens with DATA_ENCRYPTION_KEY set to the same bytes.
    useKey(theirs.toString("base64"));
    expect(open(sealed)).toBe("shared");
  });

  it("refuses a damaged key file instead of replacing it", () => {
    fs.writeFileSync(keyFile(), "short", { mode: 0o600 });
    expect(() => seal("x")).toThrow(/data-encryption-key.*not 32 bytes/);
    expect(fs.readFileSync(keyFile(), "utf8")).toBe("short");
  });
});

describe("sealed_secrets store", () => {
  let db: Awaited<ReturnType<typeof useFreshDb>>;
  beforeAll(async () => {
    useKey(keyA);
    db = await useFreshDb("pglite");
  });
  afterAll(async () => {
    await db?.close();
  });
  afterEach(() => useKey(keyA));

  it("puts (upserting), gets and deletes, storing only ciphertext", async () => {
    expect(await getSealed("k1")).toBeUndefined();
    await putSealed("k1", "first plaintext");
    await putSealed("k1", "second plaintext");
    expect(await getSealed("k1")).toBe("second plaintext");

    const rows = await db.handle.db.select().from(sealedSecrets);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key).toBe("k1");
    expect(rows[0]!.ciphertext).toMatch(/^v1\./);
    expect(rows[0]!.ciphertext).not.toContain("plaintext");

    expect(await deleteSealed("k1")).toBe(true);
    expect(await deleteSealed("k1")).toBe(false);
    expect(await getSealed("k1")).toBeUndefined();
  });

  it("binds each value to its key: a row copied under another key does not open", async () => {
    await putSealed("msal-obo:alice", "alice's cache");
    const [row] = await db.handle.db.select().from(sealedSecrets);
    await db.handle.db
      .insert(sealedSecrets)
      .values({ key: "msal-obo:mallory", ciphertext: row!.ciphertext });
    await expect(getSealed("msal-obo:mallory")).rejects.toBeInstanceOf(SealError);
    expect(await getSealed("msal-obo:alice")).toBe("alice's cache");
  });

  it("cannot open rows sealed with another key", async () => {
    await putSealed("k2", "v");
    useKey(keyB);
    await expect(getSealed("k2")).rejects.toBeInstanceOf(SealError);
  });
});
