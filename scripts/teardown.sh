#!/usr/bin/env bash
# teardown.sh --env ENV [--stacks-dir DIR] [--allow-unmanaged] [--auto-approve]
#
# Destroys every stack of ENV in the only order that works (docs/deploy.md, "Tear an environment down"):
#   platform -> cluster -> services -> keyvault -> vpn -> network
# (what reads another stack's outputs goes first; <env>-vpn switches gateway transit off on its way out, before
# <env>-network deletes the peerings). Run `npm run synth` first; each stack runs from cdktf.out/stacks/ENV-STACK.
#
# Resource groups are never deleted while they still hold resources Terraform does not manage (the azurerm provider's
# prevent_deletion_if_contains_resources). Some exist by design: Azure Disk CSI volumes with reclaimPolicy Retain in
# the cluster group, the blob/queue endpoints Azure Backup creates next to its vault. When a destroy stops on them,
# this script lists them and stops; review them (snapshot a Retain disk you still need), then re-run with
# --allow-unmanaged, which destroys that stack once more with -var prevent_deletion_if_contains_resources=false.
set -euo pipefail

readonly ORDER=(platform cluster services keyvault vpn network)

usage() {
  echo "usage: $0 --env ENV [--stacks-dir DIR] [--allow-unmanaged] [--auto-approve]" >&2
  exit 2
}

env_name=""
stacks_dir=cdktf.out/stacks
allow_unmanaged=false
approve=()
while [ $# -gt 0 ]; do
  case "$1" in
    --env) env_name=${2:-}; shift 2 ;;
    --stacks-dir) stacks_dir=${2:-}; shift 2 ;;
    --allow-unmanaged) allow_unmanaged=true; shift ;;
    --auto-approve) approve=(-auto-approve); shift ;;
    -h|--help) usage ;;
    *) echo "teardown: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ "$env_name" =~ ^[a-z][a-z0-9]{1,15}$ ]] || usage
for tool in terraform az node; do
  command -v "$tool" >/dev/null 2>&1 || { echo "teardown: ${tool} is not on PATH" >&2; exit 2; }
done

# Resource group names of a synthesized stack (literal in cdk.tf.json).
resource_groups() {
  node -e 'const s = require(require("path").resolve(process.argv[1]));
for (const rg of Object.values((s.resource || {}).azurerm_resource_group || {})) console.log(rg.name);' "$1/cdk.tf.json"
}

note() {
  case "$1" in
    cluster) echo "teardown: ${env_name}-cluster: Azure Disk CSI volumes with reclaimPolicy Retain stay in the cluster resource group; snapshot any you still need." ;;
    services) echo "teardown: ${env_name}-services: a Recovery Services vault with protected or replicated items cannot be deleted: stop protection / disable replication (and delete soft-deleted backup items) first." ;;
    keyvault) echo "teardown: ${env_name}-keyvault: the vault is soft-deleted with purge protection: its name stays reserved for the retention period (scripts/preflight.sh reports it)." ;;
    vpn) echo "teardown: ${env_name}-vpn: switches gateway transit off on the peerings, then deletes the gateway (10-20 minutes)." ;;
  esac
}

for stack in "${ORDER[@]}"; do
  dir="${stacks_dir}/${env_name}-${stack}"
  if [ ! -f "${dir}/cdk.tf.json" ]; then
    echo "teardown: ${dir}/cdk.tf.json not found, skipping ${env_name}-${stack} (run npm run synth for this environment)"
    continue
  fi
  note "$stack"
  terraform -chdir="$dir" init -input=false >/dev/null
  echo "teardown: destroying ${env_name}-${stack}"
  if terraform -chdir="$dir" destroy -input=false "${approve[@]}"; then
    continue
  fi
  # The usual reason left: a resource group that still holds resources outside the state.
  leftovers=""
  while read -r rg; do
    [ -n "$rg" ] || continue
    found=$(az resource list --resource-group "$rg" --query "[].id" -o tsv 2>/dev/null || true)
    [ -z "$found" ] || leftovers+="${found}"$'\n'
  done < <(resource_groups "$dir")
  if [ -z "$leftovers" ]; then
    echo "teardown: destroying ${env_name}-${stack} failed (see above); fix it and run this script again: finished stacks are skipped quickly" >&2
    exit 1
  fi
  echo "teardown: ${env_name}-${stack}: its resource group(s) still hold resources Terraform does not manage:" >&2
  printf '  %s\n' "${leftovers%$'\n'}" >&2
  if [ "$allow_unmanaged" != true ]; then
    echo "teardown: review them, then run again with --allow-unmanaged to delete them with the resource group" >&2
    exit 3
  fi
  echo "teardown: --allow-unmanaged: deleting them with the resource group"
  terraform -chdir="$dir" destroy -input=false "${approve[@]}" -var prevent_deletion_if_contains_resources=false
done
echo "teardown: ${env_name} destroyed"
