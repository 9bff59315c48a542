import type { TokenCredential } from "@azure/core-auth";
import { isRestError } from "@azure/core-rest-pipeline";
import { DefaultAzureCredential } from "@azure/identity";
import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import { applySecrets, keyVaultBootstrap, secretNameFor } from "@/lib/config";

export interface KeyVaultDeps {
  /** Default: DefaultAzureCredential (the managed identity in Azure; set AZURE_CLIENT_ID for a user-assigned one). */
  credential?: TokenCredential;
  clientOptions?: SecretClientOptions;
}

/**
 * Reads the given secret variables from the vault (`DATABASE_URL` ← secret `database-url`, …;
 * also the variables a tool backends file names, e.g. `CRM_API_KEY` ← `crm-api-key`).
 * A secret the vault does not have is left out (the variable is optional, as without a vault);
 * any other failure — no access, vault unreachable — rejects, naming the secret, so a replica
 * never starts on embedded defaults because its vault could not be read. Values are never logged.
 */
export async function readKeyVaultSecrets(
  vaultUrl: string,
  keys: readonly string[],
  deps: KeyVaultDeps = {},
): Promise<Partial<Record<string, string>>> {
  const client = new SecretClient(
    vaultUrl,
    deps.credential ?? new DefaultAzureCredential(),
    deps.clientOptions,
  );
  const entries = await Promise.all(
    keys.map(async (key) => {
      const name = secretNameFor(key);
      try {
        const secret = await client.getSecret(name);
        return secret.value === undefined ? [] : [[key, secret.value] as const];
      } catch (err) {
        if (isRestError(err) && err.statusCode === 404) return [];
        const status = isRestError(err) && err.statusCode ? ` (HTTP ${err.statusCode})` : "";
        throw new Error(
          `Could not read secret "${name}" from Key Vault ${vaultUrl}${status}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }),
  );
  return Object.fromEntries(entries.flat());
}

/**
 * Start-up step for hosts without platform secret injection: when KEY_VAULT_URL is set, secret
 * variables the environment leaves unset are read from the vault before the configuration is
 * built. (On Azure Container Apps the Bicep templates use Key Vault references instead, which
 * put the same values into the environment without code; then nothing is missing here.)
 * Returns the variables that were filled in.
 */
export async function loadSecretsIntoEnvironment(deps: KeyVaultDeps = {}): Promise<string[]> {
  const { url, missing } = keyVaultBootstrap();
  if (!url || missing.length === 0) return [];
  const values = await readKeyVaultSecrets(url, missing, deps);
  applySecrets(values);
  return Object.keys(values);
}
