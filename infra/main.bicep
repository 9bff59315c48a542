// Foundry Agent Chat on Azure Container Apps (azd-compatible: `azd up`). See docs/DEPLOYMENT.md.
// Creates: a resource group, a user-assigned managed identity, Log Analytics + Application
// Insights, Key Vault (RBAC) holding every secret, PostgreSQL Flexible Server, Azure Cache for
// Redis, a container registry, and the Container Apps environment with the app (≥ 2 replicas).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used to name and tag every resource.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@description('Object id of the person running azd: gets Key Vault Secrets Officer to inspect secrets (optional).')
param principalId string = ''

@secure()
@description('Administrator password of the PostgreSQL server (stored only in Key Vault, inside DATABASE_URL).')
param postgresAdminPassword string

@secure()
@description('DATA_ENCRYPTION_KEY: base64 of 32 random bytes (openssl rand -base64 32). Same for every replica.')
param dataEncryptionKey string

@secure()
@description('CONNECT_TOKEN_SECRET: at least 32 characters (openssl rand -base64 48).')
param connectTokenSecret string

@description('Microsoft Entra tenant id (ENTRA_TENANT_ID).')
param entraTenantId string

@description('Client id of the API app registration (ENTRA_API_CLIENT_ID).')
param entraApiClientId string

@description('Client id of the SPA app registration (ENTRA_SPA_CLIENT_ID); empty = the API registration.')
param entraSpaClientId string = ''

@secure()
@description('Secret of the API app registration, for On-Behalf-Of to Foundry (ENTRA_API_CLIENT_SECRET); empty = none.')
param entraApiClientSecret string = ''

@description('Azure AI Foundry project endpoint (FOUNDRY_PROJECT_ENDPOINT); empty = the local agent service.')
param foundryProjectEndpoint string = ''

@allowed(['obo', 'default'])
@description('FOUNDRY_CREDENTIAL: obo (On-Behalf-Of the user) or default (the managed identity).')
param foundryCredential string = 'obo'

@description('Image azd deployed last (SERVICE_WEB_IMAGE_NAME); empty on the first provision.')
param containerImage string = ''

@description('Public origin (APP_URL) when a custom domain is used; empty = the Container Apps address.')
param appUrl string = ''

@minValue(1)
@maxValue(30)
param minReplicas int = 2

@minValue(1)
@maxValue(30)
param maxReplicas int = 5

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))
var names = {
  resourceGroup: 'rg-${environmentName}'
  identity: 'id-${token}'
  logAnalytics: 'log-${token}'
  appInsights: 'appi-${token}'
  keyVault: 'kv-${take(token, 20)}'
  postgres: 'psql-${token}'
  redis: 'redis-${token}'
  registry: 'cr${token}'
  environment: 'cae-${token}'
  app: 'ca-web-${take(token, 20)}'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    readerPrincipalId: identity.outputs.principalId
    officerPrincipalId: principalId
    dataEncryptionKey: dataEncryptionKey
    connectTokenSecret: connectTokenSecret
    entraApiClientSecret: entraApiClientSecret
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  scope: rg
  params: {
    name: names.postgres
    location: location
    tags: tags
    administratorPassword: postgresAdminPassword
    keyVaultName: keyVault.outputs.name
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  scope: rg
  params: {
    name: names.redis
    location: location
    tags: tags
    keyVaultName: keyVault.outputs.name
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    name: names.registry
    location: location
    tags: tags
    pullPrincipalId: identity.outputs.principalId
  }
}

module app 'modules/container-app.bicep' = {
  name: 'container-app'
  scope: rg
  params: {
    environmentName: names.environment
    appName: names.app
    location: location
    tags: union(tags, { 'azd-service-name': 'web' })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    registryServer: registry.outputs.loginServer
    containerImage: containerImage
    appUrl: appUrl
    keyVaultUri: keyVault.outputs.uri
    // Secrets that exist in the vault (the modules above wrote them); each becomes a Key Vault
    // reference of the container app and an environment variable.
    secretNames: union(
      [
        postgres.outputs.secretName
        redis.outputs.secretName
        'data-encryption-key'
        'connect-token-secret'
      ],
      empty(entraApiClientSecret) ? [] : ['entra-api-client-secret']
    )
    entraTenantId: entraTenantId
    entraApiClientId: entraApiClientId
    entraSpaClientId: entraSpaClientId
    foundryProjectEndpoint: foundryProjectEndpoint
    foundryCredential: foundryCredential
    minReplicas: minReplicas
    maxReplicas: maxReplicas
  }
}

output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output SERVICE_WEB_URI string = app.outputs.uri
output APP_URL string = app.outputs.uri
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
