# shellcheck shell=bash
# Sourced by the plan and deploy scripts inside an AzureCLI@2 step whose service connection uses workload
# identity federation. Maps that connection to the variables the azurerm provider and the azurerm state backend
# read, in token-refresh mode: they ask Azure DevOps for a fresh ID token whenever they need one (through
# SYSTEM_ACCESSTOKEN and the connection id), instead of a static $idToken that expires during a 30-45 minute
# gateway apply. No client secret exists anywhere.

# AzureCLI@2 exports AZURESUBSCRIPTION_*; older task versions only the addSpnToEnvironment names.
ARM_CLIENT_ID="${AZURESUBSCRIPTION_CLIENT_ID:-${servicePrincipalId:-}}"
ARM_TENANT_ID="${AZURESUBSCRIPTION_TENANT_ID:-${tenantId:-}}"
ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID="${AZURESUBSCRIPTION_SERVICE_CONNECTION_ID:-}"
for required in ARM_CLIENT_ID ARM_TENANT_ID ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID SYSTEM_ACCESSTOKEN SYSTEM_OIDCREQUESTURI; do
  if [[ -z "${!required:-}" ]]; then
    echo "##vso[task.logissue type=error]$required is empty: run this in AzureCLI@2 with a workload identity federation service connection, addSpnToEnvironment: true and env SYSTEM_ACCESSTOKEN: \$(System.AccessToken)"
    exit 1
  fi
done
export ARM_CLIENT_ID ARM_TENANT_ID ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID
# The name older provider and backend releases read.
export ARM_OIDC_AZURE_SERVICE_CONNECTION_ID="$ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID"
export ARM_OIDC_REQUEST_TOKEN="$SYSTEM_ACCESSTOKEN"
export ARM_OIDC_REQUEST_URL="$SYSTEM_OIDCREQUESTURI"
export ARM_USE_OIDC=true
# State blobs are read and written with Azure AD: shared keys are disabled on the state account.
export ARM_USE_AZUREAD=true
# The subscription comes from the environment's variable group, else from the service connection.
if [[ -z "${ARM_SUBSCRIPTION_ID:-}" ]]; then
  ARM_SUBSCRIPTION_ID="$(az account show --query id --output tsv)"
fi
export ARM_SUBSCRIPTION_ID
# Nothing static may take precedence over the refreshed token.
unset ARM_CLIENT_SECRET ARM_CLIENT_CERTIFICATE_PATH ARM_OIDC_TOKEN ARM_OIDC_TOKEN_FILE_PATH ARM_USE_CLI servicePrincipalKey idToken
