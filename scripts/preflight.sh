#!/usr/bin/env bash
# preflight.sh --env ENV [--requirements FILE]: read-only checks, with the Azure CLI, of what a fresh subscription must
# provide before the first apply of ENV (docs/deploy.md, "First deploy on a fresh subscription"). The requirements come
# from `npm run synth` (cdktf.out/preflight/ENV/requirements.env), so they match the configuration being deployed.
# Prints one line per check (ok / FAIL / warn) with the command that fixes it; exits 1 if any check fails.
set -euo pipefail

usage() {
  echo "usage: $0 --env ENV [--requirements FILE]" >&2
  exit 2
}

env_name=""
requirements=""
while [ $# -gt 0 ]; do
  case "$1" in
    --env) env_name=${2:-}; shift 2 ;;
    --requirements) requirements=${2:-}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "preflight: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$env_name" ] || usage
requirements=${requirements:-cdktf.out/preflight/${env_name}/requirements.env}
[ -r "$requirements" ] || { echo "preflight: ${requirements} not found: run npm run synth first" >&2; exit 2; }
command -v az >/dev/null 2>&1 || { echo "preflight: the Azure CLI (az) is not on PATH" >&2; exit 2; }

# shellcheck source=/dev/null
. "$requirements"

failures=0
ok() { printf 'ok    %s\n' "$1"; }
bad() { printf 'FAIL  %s\n      fix: %s\n' "$1" "$2"; failures=$((failures + 1)); }
warn() { printf 'warn  %s\n      %s\n' "$1" "$2"; }

subscription=$(az account show --query id -o tsv 2>/dev/null) || { echo "preflight: not logged in: az login && az account set --subscription <id>" >&2; exit 2; }
ok "signed in, subscription ${subscription}"

for ns in $PREFLIGHT_PROVIDERS; do
  state=$(az provider show --namespace "$ns" --query registrationState -o tsv 2>/dev/null || echo unknown)
  if [ "$state" = Registered ]; then ok "resource provider ${ns} registered"; else bad "resource provider ${ns} is ${state}" "az provider register --namespace ${ns} --wait"; fi
done

for feature in $PREFLIGHT_FEATURES; do
  ns=${feature%%/*}
  name=${feature#*/}
  state=$(az feature show --namespace "$ns" --name "$name" --query properties.state -o tsv 2>/dev/null || echo NotRegistered)
  if [ "$state" = Registered ]; then
    ok "feature ${feature} registered"
  else
    bad "feature ${feature} is ${state}: VM creation fails until it is Registered" "az feature register --namespace ${ns} --name ${name} && az provider register --namespace ${ns}  (re-run preflight once 'az feature show' says Registered)"
  fi
done

# vCPU quota: per VM family and the regional total, from the SKU catalogue and the current usage.
quota_left() { # quota_left NAME -> "limit current" (tab-separated) or nothing
  az vm list-usage --location "$PREFLIGHT_LOCATION" --query "[?name.value=='$1'] | [0].[limit, currentValue]" -o tsv 2>/dev/null || true
}
total_needed=0
for entry in $PREFLIGHT_VM_SIZES; do
  size=${entry%%:*}
  count=${entry#*:}
  sku=$(az vm list-skus --location "$PREFLIGHT_LOCATION" --size "$size" --resource-type virtualMachines --query "[?name=='${size}'] | [0].[family, capabilities[?name=='vCPUs'] | [0].value, length(restrictions)]" -o tsv 2>/dev/null || true)
  if [ -z "$sku" ]; then
    bad "VM size ${size} is not offered in ${PREFLIGHT_LOCATION}" "pick a size from: az vm list-skus --location ${PREFLIGHT_LOCATION} --resource-type virtualMachines -o table"
    continue
  fi
  read -r family vcpus restricted <<< "$sku"
  [ "${restricted:-0}" = 0 ] || warn "VM size ${size} has restrictions in ${PREFLIGHT_LOCATION} (zones or subscription)" "az vm list-skus --location ${PREFLIGHT_LOCATION} --size ${size} --query '[0].restrictions'"
  needed=$((vcpus * count))
  total_needed=$((total_needed + needed))
  read -r limit current <<< "$(quota_left "$family")"
  if [ -z "${limit:-}" ]; then
    warn "no quota entry for ${family}" "check: az vm list-usage --location ${PREFLIGHT_LOCATION} -o table"
  elif [ $((limit - current)) -ge "$needed" ]; then
    ok "quota ${family}: ${needed} vCPUs needed, $((limit - current)) free"
  else
    bad "quota ${family}: ${needed} vCPUs needed for ${count} x ${size}, only $((limit - current)) free (limit ${limit})" "request more: Azure portal > Quotas > Compute, ${family}, ${PREFLIGHT_LOCATION}"
  fi
done
read -r limit current <<< "$(quota_left cores)"
if [ -n "${limit:-}" ] && [ $((limit - current)) -lt "$total_needed" ]; then
  bad "regional vCPUs: ${total_needed} needed, only $((limit - current)) free (limit ${limit})" "request more: Azure portal > Quotas > Compute, Total Regional vCPUs, ${PREFLIGHT_LOCATION}"
elif [ -n "${limit:-}" ]; then
  ok "regional vCPUs: ${total_needed} needed, $((limit - current)) free"
fi

read -r limit current <<< "$(az network list-usages --location "$PREFLIGHT_LOCATION" --query "[?name.value=='StandardSkuPublicIpAddresses'] | [0].[limit, currentValue]" -o tsv 2>/dev/null || true)"
if [ -n "${limit:-}" ] && [ $((limit - current)) -lt "$PREFLIGHT_PUBLIC_IPS" ]; then
  bad "Standard public IPs: ${PREFLIGHT_PUBLIC_IPS} needed, only $((limit - current)) free (limit ${limit})" "request more: Azure portal > Quotas > Networking, Public IP Addresses - Standard, ${PREFLIGHT_LOCATION}"
elif [ -n "${limit:-}" ]; then
  ok "Standard public IPs: ${PREFLIGHT_PUBLIC_IPS} needed, $((limit - current)) free"
fi

# The stacks create role assignments: Owner, or Contributor plus a role-assignment writer, on the subscription.
assignee=$(az ad signed-in-user show --query id -o tsv 2>/dev/null || az account show --query user.name -o tsv)
roles=$(az role assignment list --assignee "$assignee" --scope "/subscriptions/${subscription}" --include-inherited --include-groups --query "[].roleDefinitionName" -o tsv 2>/dev/null || true)
if grep -qx 'Owner' <<< "$roles" || { grep -qx 'Contributor' <<< "$roles" && grep -Eqx 'User Access Administrator|Role Based Access Control Administrator' <<< "$roles"; }; then
  ok "the deploying identity may create resources and role assignments"
else
  bad "the deploying identity lacks Owner, or Contributor plus Role Based Access Control Administrator, on the subscription (has: $(tr '\n' ',' <<< "$roles" | sed 's/,$//'))" "az role assignment create --assignee ${assignee} --role 'Role Based Access Control Administrator' --scope /subscriptions/${subscription} (and Contributor)"
fi

deleted=$(az keyvault list-deleted --resource-type vault --query "[?name=='${PREFLIGHT_KEY_VAULT}'].properties.scheduledPurgeDate" -o tsv 2>/dev/null || true)
if [ -n "$deleted" ]; then
  bad "Key Vault name ${PREFLIGHT_KEY_VAULT} is held by a soft-deleted vault until ${deleted}" "az keyvault recover --name ${PREFLIGHT_KEY_VAULT} (then import it), or change services.nameSuffix"
else
  ok "Key Vault name ${PREFLIGHT_KEY_VAULT} not held by a deleted vault"
fi
for account in $PREFLIGHT_STORAGE_ACCOUNTS; do
  if [ "$(az storage account check-name --name "$account" --query nameAvailable -o tsv 2>/dev/null || echo true)" = true ]; then
    ok "storage account name ${account} available"
  else
    warn "storage account name ${account} is taken" "fine if it is this environment's own account (a re-deploy); otherwise change services.nameSuffix"
  fi
done
if [ -n "$PREFLIGHT_REGISTRY" ]; then
  if [ "$(az acr check-name --name "$PREFLIGHT_REGISTRY" --query nameAvailable -o tsv 2>/dev/null || echo true)" = true ]; then
    ok "registry name ${PREFLIGHT_REGISTRY} available"
  else
    warn "registry name ${PREFLIGHT_REGISTRY} is taken" "fine if it is this environment's own registry; otherwise change services.nameSuffix"
  fi
fi

if [ -n "$PREFLIGHT_STATE_ACCOUNT" ]; then
  if az storage container show --account-name "$PREFLIGHT_STATE_ACCOUNT" --name "$PREFLIGHT_STATE_CONTAINER" --auth-mode login --query name -o tsv >/dev/null 2>&1; then
    ok "state backend ${PREFLIGHT_STATE_ACCOUNT}/${PREFLIGHT_STATE_CONTAINER} readable with Azure AD"
  else
    bad "state backend ${PREFLIGHT_STATE_ACCOUNT}/${PREFLIGHT_STATE_CONTAINER} (resource group ${PREFLIGHT_STATE_RG}) missing or not readable" "scripts/bootstrap-state.sh --resource-group ${PREFLIGHT_STATE_RG} --storage-account ${PREFLIGHT_STATE_ACCOUNT} --container ${PREFLIGHT_STATE_CONTAINER} --principal-id <your object id>"
  fi
else
  warn "no stateBackend in config/environments/${PREFLIGHT_ENV}.yaml: every stack keeps a local state file" "scripts/bootstrap-state.sh, then paste its stateBackend: block"
fi

if [ "$failures" -gt 0 ]; then
  echo "preflight: ${failures} check(s) failed for ${PREFLIGHT_ENV}: fix them before the first apply" >&2
  exit 1
fi
echo "preflight: ${PREFLIGHT_ENV} ready for the first apply"
