// The Container Apps environment and the app: ≥ 2 replicas behind Container Apps' ingress,
// secrets as Key Vault references (read with the managed identity, refreshed by the platform),
// Application Insights connection string, liveness and readiness probes.
param environmentName string
param appName string
param location string
param tags object
param identityId string
param identityClientId string
param logAnalyticsName string

@secure()
param appInsightsConnectionString string

param registryServer string
param keyVaultUri string

@description('Key Vault secret names; each becomes the variable of the same name (database-url → DATABASE_URL).')
param secretNames array

@description('Image to run; empty before the first `azd deploy` (a placeholder runs until then).')
param containerImage string = ''

@description('Public origin of the app (APP_URL); empty = the Container Apps address.')
param appUrl string = ''

param entraTenantId string
param entraApiClientId string
param entraSpaClientId string = ''
param foundryProjectEndpoint string = ''
param foundryCredential string = 'obo'
param minReplicas int = 2
param maxReplicas int = 5

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logAnalytics.properties.customerId
        sharedKey: logAnalytics.listKeys().primarySharedKey
      }
    }
  }
}

var placeholder = empty(containerImage)
var publicUrl = empty(appUrl) ? 'https://${appName}.${environment.properties.defaultDomain}' : appUrl

var plainEnv = [
  { name: 'NODE_ENV', value: 'production' }
  { name: 'PORT', value: '3000' }
  { name: 'APP_URL', value: publicUrl }
  { name: 'LOG_LEVEL', value: 'info' }
  { name: 'ENTRA_TENANT_ID', value: entraTenantId }
  { name: 'ENTRA_API_CLIENT_ID', value: entraApiClientId }
  { name: 'ENTRA_SPA_CLIENT_ID', value: entraSpaClientId }
  { name: 'FOUNDRY_PROJECT_ENDPOINT', value: foundryProjectEndpoint }
  { name: 'FOUNDRY_CREDENTIAL', value: foundryCredential }
  // DefaultAzureCredential picks the user-assigned identity by its client id.
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', secretRef: 'appinsights-connection-string' }
]

var secretEnv = [for s in secretNames: { name: toUpper(replace(s, '-', '_')), secretRef: s }]

var vaultSecrets = [
  for s in secretNames: {
    name: s
    keyVaultUrl: '${keyVaultUri}secrets/${s}'
    identity: identityId
  }
]

var probes = [
  {
    type: 'Startup'
    httpGet: { path: '/api/health', port: 3000 }
    periodSeconds: 5
    failureThreshold: 30
  }
  {
    type: 'Liveness'
    httpGet: { path: '/api/health', port: 3000 }
    periodSeconds: 30
  }
  {
    type: 'Readiness'
    httpGet: { path: '/api/ready', port: 3000 }
    periodSeconds: 10
  }
]

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: appName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: 3000
        transport: 'auto'
        allowInsecure: false
      }
      registries: [{ server: registryServer, identity: identityId }]
      secrets: concat(vaultSecrets, [
        { name: 'appinsights-connection-string', value: appInsightsConnectionString }
      ])
    }
    template: {
      containers: [
        {
          name: 'web'
          image: placeholder ? 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest' : containerImage
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: concat(plainEnv, secretEnv)
          probes: placeholder ? [] : probes
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http'
            http: { metadata: { concurrentRequests: '100' } }
          }
        ]
      }
    }
  }
}

output uri string = publicUrl
