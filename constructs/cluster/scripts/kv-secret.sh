#!/usr/bin/env bash
# kv-secret NAME: prints the current value of Key Vault secret NAME to stdout.
# Authenticates with this node's user-assigned managed identity (IMDS) and reads the vault through its private
# endpoint. Retries while the identity, the role assignment or the private DNS record are still propagating, and
# says which of them is failing. The value never appears in a command line or a log.
set -euo pipefail

# shellcheck source=/dev/null
. "${K8S_BOOTSTRAP_ENV_FILE:-/etc/k8s-bootstrap/node.env}"

name=${1:?usage: kv-secret NAME}
delay=${KV_DELAY_SECONDS:-10}
# Retry window: Microsoft states a Key Vault role assignment takes "up to 10 minutes (600 seconds)" to apply
# (learn.microsoft.com/azure/key-vault/general/rbac-guide, "Known limits and performance"); the node's Key Vault
# Secrets User roles are created in the same apply as the VM, so wait that long plus 5 minutes for the identity to
# reach IMDS and the endpoint's DNS record (RBAC_PROPAGATION_SECONDS in constructs/services/rbac-propagation.ts).
wait_seconds=${KV_WAIT_SECONDS:-900}
attempts=${KV_ATTEMPTS:-$(( (wait_seconds + (delay > 0 ? delay : 1) - 1) / (delay > 0 ? delay : 1) ))}
imds='http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net'

work=$(mktemp -d /run/kv-secret.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0700 "$work"

json_field() {
  python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

for attempt in $(seq 1 "$attempts"); do
  if curl -sS --fail --max-time 10 -H 'Metadata: true' "${imds}&client_id=${KV_IDENTITY_CLIENT_ID}" -o "$work/token.json"; then
    printf 'Authorization: Bearer %s\n' "$(json_field access_token < "$work/token.json")" > "$work/auth.header"
    code=$(curl -sS --max-time 10 -o "$work/secret.json" -w '%{http_code}' -H @"$work/auth.header" \
      "${KV_URI%/}/secrets/${name}?api-version=7.4") || code=000
    if [ "$code" = 200 ]; then
      json_field value < "$work/secret.json"
      exit 0
    fi
    case "$code" in
      403) reason='forbidden: the Key Vault Secrets User role assignment is missing or still propagating' ;;
      404) reason='not found: the secret does not exist (was the cluster stack applied completely?)' ;;
      000) reason='no answer: the vault name does not resolve or the private endpoint is unreachable' ;;
      *) reason="unexpected HTTP status" ;;
    esac
    echo "kv-secret: ${name}: HTTP ${code} ${reason} (attempt ${attempt}/${attempts})" >&2
  else
    echo "kv-secret: no token from IMDS for identity ${KV_IDENTITY_CLIENT_ID} yet (attempt ${attempt}/${attempts})" >&2
  fi
  sleep "$delay"
done
echo "kv-secret: giving up on ${name} after ${attempts} attempts (${delay} s apart)" >&2
exit 1
