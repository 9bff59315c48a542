import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getConfig, resetConfig } from "@/lib/config";
import { loadSecretsIntoEnvironment, readKeyVaultSecrets } from "@/lib/secrets/key-vault";
import { readJson, sendJson, serveTls, type TlsFake } from "../helpers/tls";

/**
 * Key Vault as the SDK sees it over HTTPS: the challenge flow (a first request without a token
 * gets 401 with `WWW-Authenticate: Bearer authorization=…, resource=…`; the SDK then asks the
 * credential for that resource and retries with the token), then
 * GET /secrets/{name}?api-version=… per secret.
 */
const TENANT = "7f3c1a52-0d4e-4c1b-9a39-5b8e4c0f1d00";
const vaultSecrets = new Map<string, string>();
let forbidden = false;
const requests: { path: string; auth?: string; apiVersion: string | null }[] = [];
const scopesAsked: string[] = [];
let vault: TlsFake;

const credential = {
  getToken: async (scopes: string | string[]) => {
    scopesAsked.push(...[scopes].flat());
    return { token: "vault-token", expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};
const deps = () => ({
  credential,
  clientOptions: { tlsOptions: { ca: vault.ca }, disableChallengeResourceVerification: true },
});

const SECRET_VARS = [
  "KEY_VAULT_URL",
  "DATABASE_URL",
  "REDIS_URL",
  "ENTRA_API_CLIENT_SECRET",
  "DATA_ENCRYPTION_KEY",
  "CONNECT_TOKEN_SECRET",
  "LOCAL_MODEL_API_KEY",
];
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  vault = await serveTls(async (req, res) => {
    const url = new URL(req.url!, "https://vault.test");
    await readJson(req);
    requests.push({
      path: url.pathname,
      auth: req.headers.authorization,
      apiVersion: url.searchParams.get("api-version"),
    });
    if (req.headers.authorization !== "Bearer vault-token") {
      res.writeHead(401, {
        "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net"`,
      });
      return res.end();
    }
    if (forbidden) {
      return sendJson(res, 403, { error: { code: "Forbidden", message: "No get permission." } });
    }
    const name = /^\/secrets\/([^/]+)\/?$/.exec(url.pathname)?.[1];
    const value = name && vaultSecrets.get(name);
    if (!value) {
      return sendJson(res, 404, {
        error: { code: "SecretNotFound", message: `${name} not found` },
      });
    }
    sendJson(res, 200, {
      value,
      id: `${vault.url}/secrets/${name}/0123456789abcdef`,
      attributes: { enabled: true, created: 1_700_000_000, updated: 1_700_000_000 },
    });
  });
});
afterAll(() => vault?.close());

beforeEach(() => {
  for (const k of SECRET_VARS) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
  vaultSecrets.clear();
  requests.length = 0;
  scopesAsked.length = 0;
  forbidden = false;
  resetConfig();
});
afterEach(() => {
  for (const k of SECRET_VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  resetConfig();
});

describe("secrets from Key Vault", () => {
  it("unset_secret_variables_are_read_from_the_vault_before_the_config_is_built", async () => {
    process.env.KEY_VAULT_URL = vault.url;
    vaultSecrets.set("database-url", "postgres://app:s3cret@db.internal:5432/chat");
    vaultSecrets.set("redis-url", "rediss://:key@cache.internal:6380");
    vaultSecrets.set("data-encryption-key", Buffer.alloc(32, 7).toString("base64"));

    const filled = await loadSecretsIntoEnvironment(deps());
    expect(filled.sort()).toEqual(["DATABASE_URL", "DATA_ENCRYPTION_KEY", "REDIS_URL"]);
    const config = getConfig();
    expect(config.database).toEqual({
      kind: "postgres",
      url: "postgres://app:s3cret@db.internal:5432/chat",
    });
    expect(config.redisUrl).toBe("rediss://:key@cache.internal:6380");
    expect(config.secrets.encryptionKey).toBe(Buffer.alloc(32, 7).toString("base64"));
    // Absent from the vault: still unset, as without a vault.
    expect(config.identity.apiClientSecret).toBeUndefined();

    // The SDK's challenge flow: asked for the vault's resource, then sent the bearer token.
    expect(scopesAsked).toContain("https://vault.azure.net/.default");
    // GET /secrets/{name}/ (the SDK asks for the latest version: an empty version segment).
    const authorized = requests.filter((r) => r.auth === "Bearer vault-token");
    expect(authorized.map((r) => r.path).sort()).toEqual(
      [
        "/secrets/connect-token-secret/",
        "/secrets/data-encryption-key/",
        "/secrets/database-url/",
        "/secrets/entra-api-client-secret/",
        "/secrets/google-client-secret/",
        "/secrets/local-model-api-key/",
        "/secrets/redis-url/",
      ].sort(),
    );
    // The SDK's Key Vault API version (7.x or a dated one such as 2025-07-01).
    for (const r of requests) expect(r.apiVersion).toMatch(/^(7\.\d+|\d{4}-\d{2}-\d{2})/);
  });

  it("a_variable_set_in_the_environment_wins_and_is_not_fetched", async () => {
    process.env.KEY_VAULT_URL = vault.url;
    process.env.DATABASE_URL = "postgres://from-env/db";
    vaultSecrets.set("database-url", "postgres://from-vault/db");
    await loadSecretsIntoEnvironment(deps());
    expect(getConfig().database).toEqual({ kind: "postgres", url: "postgres://from-env/db" });
    expect(requests.some((r) => r.path.startsWith("/secrets/database-url"))).toBe(false);
  });

  it("without_KEY_VAULT_URL_nothing_is_requested", async () => {
    expect(await loadSecretsIntoEnvironment(deps())).toEqual([]);
    expect(requests).toEqual([]);
    expect(getConfig().database.kind).toBe("pglite");
  });

  it("vault_access_denied_stops_start_up_instead_of_running_on_embedded_defaults", async () => {
    process.env.KEY_VAULT_URL = vault.url;
    forbidden = true;
    await expect(loadSecretsIntoEnvironment(deps())).rejects.toThrow(
      /Could not read secret "[a-z-]+" from Key Vault .* \(HTTP 403\)/,
    );
    expect(process.env.DATABASE_URL).toBeUndefined();
  });

  it("a_plain_http_vault_url_is_refused", async () => {
    process.env.KEY_VAULT_URL = "http://vault.example.com";
    await expect(loadSecretsIntoEnvironment(deps())).rejects.toThrow(/KEY_VAULT_URL/);
  });

  it("readKeyVaultSecrets_returns_only_what_the_vault_has", async () => {
    vaultSecrets.set("redis-url", "rediss://:k@h:6380");
    expect(
      await readKeyVaultSecrets(vault.url, ["REDIS_URL", "LOCAL_MODEL_API_KEY"], deps()),
    ).toEqual({ REDIS_URL: "rediss://:k@h:6380" });
  });
});
