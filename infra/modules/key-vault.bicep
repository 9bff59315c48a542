// Key Vault with RBAC authorization. Holds every secret of the app; the container app reads them
// through Key Vault references with its managed identity (role: Key Vault Secrets User).
param name string
param location string
param tags object

@description('Principal that reads secrets (the app identity).')
param readerPrincipalId string

@description('Optional principal (the deploying user) that may manage secrets.')
param officerPrincipalId string = ''

@secure()
param dataEncryptionKey string

@secure()
param connectTokenSecret string

@secure()
param entraApiClientSecret string = ''

// Built-in role definition ids.
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource readerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, readerPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: readerPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}

resource officerRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(officerPrincipalId)) {
  name: guid(vault.id, officerPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    principalId: officerPrincipalId
    principalType: 'User'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
  }
}

// Secret names follow the app's rule: the variable in lower case with dashes (lib/config.ts).
resource dataKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'data-encryption-key'
  properties: { value: dataEncryptionKey }
}

resource connectSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'connect-token-secret'
  properties: { value: connectTokenSecret }
}

resource entraSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(entraApiClientSecret)) {
  parent: vault
  name: 'entra-api-client-secret'
  properties: { value: entraApiClientSecret }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
