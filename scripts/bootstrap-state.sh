#!/usr/bin/env bash
# Creates (or brings back in line) the Terraform state storage for one environment, with the Azure CLI:
#   resource group -> StorageV2 account (Azure AD only: shared keys off; TLS 1.2; HTTPS only; no public blob access;
#   optional network restriction) -> blob versioning + soft delete for blobs and containers -> private container
#   -> CanNotDelete lock -> "Storage Blob Data Contributor" on the container for the pipeline identities.
# Idempotent: existing resources are updated to these settings, never recreated. Progress goes to stderr; the
# `stateBackend:` block to paste into config/environments/<env>.yaml goes to stdout.
#
# Usage:
#   scripts/bootstrap-state.sh --resource-group rg-hyb-dev-tfstate --storage-account sthybdevtfstate \
#     --location westeurope [--container tfstate] [--subscription <id>] [--sku Standard_ZRS] \
#     [--principal-id <object-id>]... [--reader-principal-id <object-id>]... \
#     [--allowed-ip <ip-or-cidr>]... [--allowed-subnet-id <subnet-resource-id>]... [--retention-days 30] [--no-lock]
#
# --principal-id: object id of the deploy identity's service principal (the workload identity federation service
#   connection's app); gets Storage Blob Data Contributor (read, write and lease the state blobs).
# --reader-principal-id: the plan identity; gets Storage Blob Data Reader (PR plans run with -lock=false).
# --allowed-ip / --allowed-subnet-id: when given, the account denies every other network (Microsoft-hosted agents
#   then cannot reach the state: run all plan/deploy jobs on the self-hosted pool). Without them the data plane is
#   reachable from anywhere but only with Azure AD tokens that hold a data role.
# Requires: az (logged in with rights to create resources and role assignments, e.g. Owner on the subscription).
set -euo pipefail

readonly CONTRIBUTOR_ROLE='Storage Blob Data Contributor'
readonly READER_ROLE='Storage Blob Data Reader'

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
die() {
  echo "bootstrap-state: $*" >&2
  exit 2
}
log() { echo "==> $*" >&2; }

resource_group='' storage_account='' location='' container='tfstate' subscription='' sku='Standard_ZRS'
retention_days=30 lock=true
principals=() readers=() allowed_ips=() allowed_subnets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --resource-group) resource_group="${2:-}"; shift 2 ;;
    --storage-account) storage_account="${2:-}"; shift 2 ;;
    --location) location="${2:-}"; shift 2 ;;
    --container) container="${2:-}"; shift 2 ;;
    --subscription) subscription="${2:-}"; shift 2 ;;
    --sku) sku="${2:-}"; shift 2 ;;
    --principal-id) principals+=("${2:-}"); shift 2 ;;
    --reader-principal-id) readers+=("${2:-}"); shift 2 ;;
    --allowed-ip) allowed_ips+=("${2:-}"); shift 2 ;;
    --allowed-subnet-id) allowed_subnets+=("${2:-}"); shift 2 ;;
    --retention-days) retention_days="${2:-}"; shift 2 ;;
    --no-lock) lock=false; shift ;;
    -h | --help) usage ;;
    *) die "unknown option \"$1\" (see --help)" ;;
  esac
done

# Every input is checked before the first az call: a typo never leaves half a bootstrap behind.
problems=()
[[ "$resource_group" =~ ^[-_.()a-zA-Z0-9]{1,90}$ && "$resource_group" != *. ]] ||
  problems+=("--resource-group \"$resource_group\": 1-90 letters, digits, - _ . ( ), not ending in a period")
[[ "$storage_account" =~ ^[a-z0-9]{3,24}$ ]] ||
  problems+=("--storage-account \"$storage_account\": 3-24 lower-case letters and digits (globally unique)")
[[ "$location" =~ ^[a-z0-9]+$ ]] || problems+=("--location \"$location\": an Azure region name such as westeurope")
[[ "$container" =~ ^[a-z0-9]([a-z0-9]|-[a-z0-9]){2,62}$ ]] ||
  problems+=("--container \"$container\": 3-63 lower-case letters, digits and single hyphens")
[[ "$sku" =~ ^(Standard_LRS|Standard_ZRS|Standard_GRS|Standard_RAGRS|Standard_GZRS|Standard_RAGZRS)$ ]] ||
  problems+=("--sku \"$sku\": one of Standard_LRS, Standard_ZRS, Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS")
[[ "$retention_days" =~ ^[0-9]+$ ]] && ((retention_days >= 7 && retention_days <= 365)) ||
  problems+=("--retention-days \"$retention_days\": 7-365")
guid='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
for id in "${principals[@]}" "${readers[@]}"; do
  [[ "$id" =~ $guid ]] || problems+=("principal \"$id\": an object id (GUID) of a service principal")
done
for ip in "${allowed_ips[@]}"; do
  # The storage firewall takes single addresses and ranges up to /30 (no /31).
  [[ "$ip" =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}(/([0-9]|[12][0-9]|30|32))?$ ]] ||
    problems+=("--allowed-ip \"$ip\": a public IPv4 address, or a CIDR range up to /30")
done
for subnet in "${allowed_subnets[@]}"; do
  [[ "$subnet" =~ ^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft.Network/virtualNetworks/[^/]+/subnets/[^/]+$ ]] ||
    problems+=("--allowed-subnet-id \"$subnet\": a subnet resource id (/subscriptions/.../subnets/<name>)")
done
if [[ ${#problems[@]} -gt 0 ]]; then
  printf 'bootstrap-state: %s\n' "${problems[@]}" >&2
  exit 2
fi
command -v az >/dev/null || die "the Azure CLI (az) is not on PATH"

if [[ -n "$subscription" ]]; then az account set --subscription "$subscription"; fi
subscription_id="$(az account show --query id --output tsv)" || die "not logged in: run az login"
log "subscription $subscription_id"

if az group show --name "$resource_group" --output none 2>/dev/null; then
  log "resource group $resource_group exists"
else
  log "creating resource group $resource_group in $location"
  az group create --name "$resource_group" --location "$location" --tags purpose=terraform-state --output none
fi

default_action=Allow
if [[ ${#allowed_ips[@]} -gt 0 || ${#allowed_subnets[@]} -gt 0 ]]; then default_action=Deny; fi
# The same hardening on create and on every later run, so drift made in the portal is put back.
hardening=(
  --https-only true
  --min-tls-version TLS1_2
  --allow-blob-public-access false
  --allow-shared-key-access false
  --allow-cross-tenant-replication false
  --default-action "$default_action"
  --bypass AzureServices
)
if az storage account show --resource-group "$resource_group" --name "$storage_account" --output none 2>/dev/null; then
  log "storage account $storage_account exists: enforcing its settings"
  az storage account update --resource-group "$resource_group" --name "$storage_account" "${hardening[@]}" --output none
else
  available="$(az storage account check-name --name "$storage_account" --query nameAvailable --output tsv)"
  [[ "$available" == true ]] || die "storage account name $storage_account is taken (names are global): choose another"
  log "creating storage account $storage_account ($sku)"
  az storage account create --resource-group "$resource_group" --name "$storage_account" --location "$location" \
    --sku "$sku" --kind StorageV2 --access-tier Hot --public-network-access Enabled \
    --tags purpose=terraform-state "${hardening[@]}" --output none
fi
if [[ "$default_action" == Allow ]]; then
  log "note: no --allowed-ip/--allowed-subnet-id: the blob endpoint is reachable from any network (Azure AD auth only)"
fi

existing_ips="$(az storage account network-rule list --resource-group "$resource_group" --account-name "$storage_account" \
  --query 'ipRules[].ipAddressOrRange' --output tsv)"
for ip in "${allowed_ips[@]}"; do
  ip="${ip%/32}" # the service stores single addresses without /32
  if grep -qxF -- "$ip" <<<"$existing_ips"; then continue; fi
  log "allowing $ip"
  az storage account network-rule add --resource-group "$resource_group" --account-name "$storage_account" --ip-address "$ip" --output none
done
existing_subnets="$(az storage account network-rule list --resource-group "$resource_group" --account-name "$storage_account" \
  --query 'virtualNetworkRules[].virtualNetworkResourceId' --output tsv)"
for subnet in "${allowed_subnets[@]}"; do
  if grep -qixF -- "$subnet" <<<"$existing_subnets"; then continue; fi
  log "allowing subnet ${subnet##*/}"
  az storage account network-rule add --resource-group "$resource_group" --account-name "$storage_account" --subnet "$subnet" --output none
done

log "blob versioning, blob and container soft delete ($retention_days days)"
az storage account blob-service-properties update --resource-group "$resource_group" --account-name "$storage_account" \
  --enable-versioning true \
  --enable-delete-retention true --delete-retention-days "$retention_days" \
  --enable-container-delete-retention true --container-delete-retention-days "$retention_days" --output none

# container-rm works through the management plane: no shared key and no data role needed to create it.
if az storage container-rm show --resource-group "$resource_group" --storage-account "$storage_account" --name "$container" --output none 2>/dev/null; then
  log "container $container exists"
else
  log "creating container $container (private)"
  az storage container-rm create --resource-group "$resource_group" --storage-account "$storage_account" --name "$container" \
    --public-access off --output none
fi

account_id="$(az storage account show --resource-group "$resource_group" --name "$storage_account" --query id --output tsv)"
if [[ "$lock" == true ]]; then
  log "CanNotDelete lock on the storage account"
  az lock create --name terraform-state-do-not-delete --lock-type CanNotDelete --resource-group "$resource_group" \
    --resource-name "$storage_account" --resource-type Microsoft.Storage/storageAccounts \
    --notes "Terraform state of every stack: losing it orphans the deployed resources" --output none
fi

scope="$account_id/blobServices/default/containers/$container"
grant() { # <role> <object-id>
  local count
  count="$(az role assignment list --scope "$scope" --role "$1" --query "length([?principalId=='$2'])" --output tsv)"
  if [[ "$count" != 0 ]]; then
    log "$1 already assigned to $2"
    return
  fi
  log "assigning $1 to $2 on container $container"
  az role assignment create --assignee-object-id "$2" --assignee-principal-type ServicePrincipal --role "$1" \
    --scope "$scope" --output none
}
for id in "${principals[@]}"; do grant "$CONTRIBUTOR_ROLE" "$id"; done
for id in "${readers[@]}"; do grant "$READER_ROLE" "$id"; done
if [[ ${#principals[@]} -eq 0 ]]; then
  log "note: no --principal-id: the pipeline identity cannot write state until it holds $CONTRIBUTOR_ROLE on $scope"
fi

log "done: paste this into config/environments/<env>.yaml"
cat <<YAML
stateBackend:
  resourceGroupName: $resource_group
  storageAccountName: $storage_account
  containerName: $container
YAML
