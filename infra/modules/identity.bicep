// The app's user-assigned managed identity: pulls the image, reads Key Vault secrets, and (with
// FOUNDRY_CREDENTIAL=default) calls Azure AI Foundry.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
